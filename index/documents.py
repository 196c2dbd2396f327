"""Trial -> index document: a pure function of the model, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from harvester.models import Criterion, MeshTerm, Trial
from index.analysis import weighted_text
from index.drug_names import brand_and_generic_names, distinct_names, known_drugs, named_treatments
from index.schema import NO_MAXIMUM_AGE, OPEN_TERM, TEXT_WEIGHTS
from index.sites import located_sites

__all__ = ["TABLE_NAMES_LABEL", "VALUE_SEPARATOR", "trial_document"]

#: separates the values of a list field: a snippet shows it between them
VALUE_SEPARATOR = "; "


def trial_document(trial: Trial) -> dict[str, Any]:
    """The fields of one trial's document, ready for ``writer.update_document(**document)``.

    Empty values are left out (Whoosh refuses None). ``_stored_<field>`` keys store a display value that differs
    from the indexed text.
    """
    eligibility = trial.eligibility
    site_points, sites = located_sites(trial)
    sections = {
        "title": _join((trial.brief_title, trial.acronym, trial.official_title), separator=" / "),
        "conditions": _join((*trial.conditions, *trial.keywords, *_terms(trial.condition_mesh))),
        "ancestors": _join(_terms(trial.condition_mesh_ancestors)),
        "drugs": _drugs(trial),
        # the registry's summary and, when a trial page is stored, the page's plain-language summary
        "summary": _join((trial.brief_summary, trial.page.plain_language_summary if trial.page else None), "\n"),
        "sponsor": _join(org.name for org in (trial.lead_sponsor, *trial.collaborators) if org),
        "countries": _join(trial.countries()),
    }
    document: dict[str, Any] = {
        **{name: sections[name] for name in ("drugs", "summary", "sponsor", "countries")},
        # shown in snippets: the record's own names first; names only the brand table knows on a labelled line
        "_stored_drugs": _shown_drugs(trial),
        # shown in snippets: conditions and their MeSH terms; the keywords apart, labelled as keywords
        "_stored_conditions": _join((*trial.conditions, *_terms(trial.condition_mesh), sections["ancestors"])),
        "keywords": _join(trial.keywords),
        # the `conditions` field holds the MeSH ancestors too, at full weight: `condition:neoplasms` finds every cancer
        "conditions": _join((sections["conditions"], sections["ancestors"])),
        "nct_id": trial.nct_id,
        "text": weighted_text((weight, sections[name]) for name, weight in TEXT_WEIGHTS.items()),
        "title": trial.title,
        "interventions": _shown_treatments(trial),
        "treatments_named_in": named_treatments(trial.keywords, trial.title)[1] if not trial.interventions else None,
        "status": _status_terms(trial),
        "_stored_status": trial.overall_status,
        "phase": " ".join(trial.phases),
        "study_type": trial.study_type,
        "_stored_sponsor": trial.lead_sponsor.name if trial.lead_sponsor else None,
        "inclusion": _criteria_text(eligibility.criteria.inclusion),
        "exclusion": _criteria_text(eligibility.criteria.exclusion),
        "min_age": eligibility.minimum_age.years if eligibility.minimum_age else 0.0,
        "max_age": eligibility.maximum_age.years if eligibility.maximum_age else NO_MAXIMUM_AGE,
        "sex": eligibility.sex or "ALL",
        "age_groups": " ".join(eligibility.std_ages),
        "limits": {"minimum_age": str(eligibility.minimum_age) if eligibility.minimum_age else None,
                   "maximum_age": str(eligibility.maximum_age) if eligibility.maximum_age else None,
                   "from_criteria": eligibility.ages_from_criteria, "sex": eligibility.sex},
        "cities": _join(location.city for location in trial.locations if location.city),
        "site_points": site_points,
        "sites": sites,
        "last_update": _datetime(trial.last_update_posted),
        "start_date": _datetime(trial.start_date.earliest() if trial.start_date else None),
    }
    # a display value may be empty (a trial page's keywords are no conditions): then nothing is shown, not the text
    return {name: value for name, value in document.items()
            if value not in (None, "", []) or (name.startswith("_stored_") and name[8:] in document)}


def _shown_treatments(trial: Trial) -> list[str]:
    """The intervention names, for display; for a record that lists none, the drugs its keywords or title name."""
    if trial.interventions:
        return list(dict.fromkeys(intervention.name for intervention in trial.interventions))
    return named_treatments(trial.keywords, trial.title)[0]


def _record_drugs(trial: Trial) -> list[str]:
    """Intervention names with their listed other names, keywords that name a known drug, and MeSH terms."""
    return [*trial.drug_names(), *known_drugs(trial.keywords), *_terms(trial.intervention_mesh)]


def _drugs(trial: Trial) -> str:
    """`_record_drugs` and the brand names of them all that `index.drug_names` knows: what drug searches match."""
    names = _record_drugs(trial)
    return _join((*names, *brand_and_generic_names(names)))


#: introduces the names a trial's record does not say, which only trialwatch's brand-name table adds
TABLE_NAMES_LABEL = "other names (trialwatch's drug table, not the record):"


def _shown_drugs(trial: Trial) -> str:
    """The record's drug names (each once, whatever its case), then on a line of its own the table's other names."""
    said = distinct_names(_record_drugs(trial))
    known = {name.casefold() for name in said}
    table = [name for name in distinct_names(brand_and_generic_names(said)) if name.casefold() not in known]
    return VALUE_SEPARATOR.join(said) + (f"\n{TABLE_NAMES_LABEL} {VALUE_SEPARATOR.join(table)}" if table else "")



def _join(values: Iterable[str | None], separator: str = VALUE_SEPARATOR) -> str:
    """Distinct non-empty values in order, joined."""
    return separator.join(dict.fromkeys(value for value in values if value))


def _terms(mesh_terms: Iterable[MeshTerm]) -> list[str]:
    return [mesh.term for mesh in mesh_terms]


def _status_terms(trial: Trial) -> str | None:
    if trial.overall_status is None:
        return None
    return f"{trial.overall_status} {OPEN_TERM}" if trial.is_open else trial.overall_status


def _criteria_text(criteria: list[Criterion]) -> str:
    """One criterion (or sub-criterion) a line, in order."""
    return "\n".join(criterion.text for top in criteria for criterion in top.walk())


def _datetime(date: dt.date | None) -> dt.datetime | None:
    if date is None:
        return None
    return dt.datetime.combine(date, dt.time())
