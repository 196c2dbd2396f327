"""`TrialView`: one stored trial as the CLI (`trialwatch show`) and the web trial page both show it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from harvester.history.timeline import StatusTimeline, status_timeline
from harvester.models import Location, Trial, status_label
from harvester.store.store import Store
from index.drug_names import distinct_names, named_treatments
from search.views.contacts import ContactsView, SiteView, contacts_view, nearest_sites
from search.views.glossary import Explainer, Term, terms_in
from search.views.words import StatusWords, code_words, date_text, phase_label, status_words, who_line

if TYPE_CHECKING:
    from search.nearby import Near

__all__ = ["CountryPlaces", "Fact", "Treatment", "TrialView", "places_by_country", "status_text", "trial_view"]


@dataclass(frozen=True)
class Fact:
    """One line of "at a glance": a label and its value in words."""

    label: str
    text: str


@dataclass(frozen=True)
class Treatment:
    name: str
    #: the intervention type in words (``drug``, ``procedure``), when the record gives one
    kind: str = ""
    other_names: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class CountryPlaces:
    country: str
    places: list[Location]

    @property
    def open_count(self) -> int:
        return sum(1 for place in self.places if place.status == "RECRUITING")


@dataclass(frozen=True)
class TrialView:
    trial: Trial
    status: StatusWords
    #: the status with what the registry adds to it: last known status, why stopped, when the sponsor verified it
    status_text: str
    facts: list[Fact]
    #: ``ages 18 to 65 years, women only``: the stated limits (empty when the record states none)
    who: str
    treatments: list[Treatment]
    #: where `treatments` come from when the record lists none: ``Named in the trial's keywords and title; ...``
    treatments_note: str
    places: list[CountryPlaces]
    #: things a reader should know before trusting the page: page-only record, sources that disagree
    notices: list[str] = field(default_factory=list)
    timeline: StatusTimeline | None = None
    #: the abbreviations the page uses, as the record defines them or the glossary explains them
    terms: list[Term] = field(default_factory=list)
    #: cuts a text of the trial at its `terms` (``<abbr title>`` on the web)
    explain: Explainer = field(default_factory=lambda: Explainer(()))
    #: whom to contact, the nearest (or first open) site's contacts first
    contacts: ContactsView | None = None
    #: measured from a place: its name as understood (``Boston, MA, United States``) and every site, nearest first
    near: str = ""
    sites_nearest: list[SiteView] = field(default_factory=list)

    @property
    def nct_id(self) -> str:
        return self.trial.nct_id

    @property
    def title(self) -> str:
        return self.trial.title

    @property
    def official_title(self) -> str | None:
        official = self.trial.official_title
        return official if official and official != self.trial.title else None


def status_text(trial: Trial) -> str:
    """``recruiting (open to enrolment), verified by the sponsor 2025-05``, ``terminated, why stopped: ...``."""
    words = status_words(trial.overall_status)
    parts = [words.label + (f" ({words.joining})" if words.joining else "")]
    if trial.last_known_status:
        parts.append(f"last known: {status_label(trial.last_known_status)}")
    if trial.why_stopped:
        parts.append(f"why stopped: {trial.why_stopped}")
    if trial.status_verified_date:
        parts.append(f"verified by the sponsor {trial.status_verified_date}")
    return ", ".join(parts)


def _facts(trial: Trial, text_of_status: str) -> list[Fact]:
    enrollment = ""
    if trial.enrollment:
        kind = f" ({code_words(trial.enrollment_type)})" if trial.enrollment_type else ""
        enrollment = f"{trial.enrollment}{kind}"
    pairs = (
        ("Trial id", trial.nct_id + (f" ({trial.acronym})" if trial.acronym else "")),
        ("Status", text_of_status),
        ("Sponsor", trial.lead_sponsor.name if trial.lead_sponsor else ""),
        ("Collaborators", "; ".join(org.name for org in trial.collaborators)),
        ("Conditions", "; ".join(trial.conditions)),
        ("Keywords", "; ".join(trial.keywords)),
        ("Phase", ", ".join(phase_label(phase) for phase in trial.phases)),
        ("Study type", code_words(trial.study_type)),
        ("Participants", enrollment),
        ("Start", date_text(trial.start_date)),
        ("Main results by", date_text(trial.primary_completion_date)),
        ("End", date_text(trial.completion_date)),
        ("Last update", str(trial.last_update_posted or "")),
        ("EU trial number", ", ".join(s.id for s in trial.secondary_ids if s.is_eu_trial_number)),
    )
    return [Fact(label, text) for label, text in pairs if text]


def _other_names(name: str, others: list[str]) -> tuple[str, ...]:
    """The other names as the record lists them, each once ignoring case, without the name itself."""
    return tuple(other for other in distinct_names([name, *others])[1:])


def _treatments(trial: Trial) -> tuple[list[Treatment], str]:
    """The interventions; for a record that lists none (a trial page), the drugs its keywords or title name, and
    a note saying where they were found. The note is empty for listed interventions."""
    if trial.interventions:
        return [Treatment(intervention.name, code_words(intervention.type),
                          _other_names(intervention.name, intervention.other_names), intervention.description)
                for intervention in trial.interventions], ""
    named, where = named_treatments(trial.keywords, trial.title)
    if not named:
        return [], ""
    return [Treatment(name) for name in named], f"Named in the trial's {where}; the record lists no treatments."


def places_by_country(locations: Iterable[Location]) -> list[CountryPlaces]:
    """Locations grouped by country, countries in record order (the registry lists the main one first)."""
    groups: dict[str, list[Location]] = {}
    for location in locations:
        groups.setdefault(location.country or "Country not given", []).append(location)
    return [CountryPlaces(country, places) for country, places in groups.items()]


def _notices(trial: Trial) -> list[str]:
    notices = []
    if trial.provenance.source == "page":
        site = f" on {trial.page.site}" if trial.page else ""
        notices.append(f"Known only from its trial page{site}: no registry record of it is stored yet.")
    notices += [f"The sources disagree: {finding.describe()}" for finding in trial.findings]
    return notices


def _texts(trial: Trial) -> list[str]:
    """Every text of the trial a reader sees, in page order."""
    texts = [trial.title, trial.official_title, trial.brief_summary, trial.detailed_description,
             trial.page.plain_language_summary if trial.page else None, *trial.conditions, *trial.keywords,
             *(intervention.description for intervention in trial.interventions),
             *(arm.description for arm in trial.arm_groups), *trial.eligibility.criteria.all_texts()]
    return [text for text in texts if text]


def trial_view(trial: Trial, store: Store | None = None, near: Near | None = None) -> TrialView:
    """The view of a merged stored trial; with `store`, its status timeline too; with `near`, its sites nearest to
    that place first, and the nearest site's contacts."""
    text_of_status = status_text(trial)
    point = (near.lat, near.lon) if near is not None else None
    treatments, treatments_note = _treatments(trial)
    terms = terms_in(_texts(trial))
    return TrialView(
        trial=trial,
        status=status_words(trial.overall_status),
        status_text=text_of_status,
        facts=_facts(trial, text_of_status),
        who=who_line(trial.eligibility),
        treatments=treatments,
        treatments_note=treatments_note,
        places=places_by_country(trial.locations),
        notices=_notices(trial),
        timeline=status_timeline(store, trial) if store is not None else None,
        terms=terms,
        explain=Explainer(tuple(terms)),
        contacts=contacts_view(trial, point),
        near=near.label if near is not None else "",
        sites_nearest=nearest_sites(trial, point) if point is not None else [],
    )
