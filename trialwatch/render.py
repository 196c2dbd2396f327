"""Plain-language text views of trials for the terminal."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from harvester.models import Age, Criterion, PageDetails, Trial, status_label

WIDTH = 100
MAX_PLACES = 15


def _wrap(text: str, indent: str, width: int = WIDTH) -> str:
    """Fill `text` after `indent`; continuation lines line up under the text, not under a bullet."""
    return textwrap.fill(" ".join(text.split()), width=width, initial_indent=indent,
                         subsequent_indent=" " * len(indent), break_on_hyphens=False)


def _criteria_lines(criteria: Iterable[Criterion], depth: int = 1) -> list[str]:
    lines = []
    for criterion in criteria:
        lines.append(_wrap(criterion.text, "  " * depth + "- "))
        lines.extend(_criteria_lines(criterion.children, depth + 1))
    return lines


def _field(label: str, value: object) -> str | None:
    if value in (None, "", [], ()):
        return None
    return textwrap.fill(" ".join(str(value).split()), width=WIDTH, initial_indent=f"{label + ':':<17}",
                         subsequent_indent=" " * 17, break_on_hyphens=False)


def age_range(minimum: Age | None, maximum: Age | None) -> str:
    """``18 years and over``, ``up to 17 years``, ``12 to 24 years`` (or with units of their own)."""
    if minimum and maximum:
        return f"{minimum} to {maximum}" if minimum.unit != maximum.unit else f"{minimum.value:g} to {maximum}"
    if minimum:
        return f"{minimum} and over"
    return f"up to {maximum}" if maximum else ""


def status_line(trial: Trial) -> str:
    text = status_label(trial.overall_status)
    if trial.is_open:
        text += " (open to enrolment)"
    if trial.last_known_status:
        text += f", last known: {status_label(trial.last_known_status)}"
    if trial.why_stopped:
        text += f" (why stopped: {trial.why_stopped})"
    if trial.status_verified_date:
        text += f", verified {trial.status_verified_date}"
    return text


def render_trial(trial: Trial) -> str:
    """A readable page for one trial: what, who runs it, who can join, who cannot, where."""
    sponsor = trial.lead_sponsor.name if trial.lead_sponsor else None
    dates = [
        f"{label} {date}{' (' + date.type.lower() + ')' if date.type else ''}"
        for label, date in (("start", trial.start_date), ("primary completion", trial.primary_completion_date),
                             ("completion", trial.completion_date))
        if date
    ]
    eligibility = trial.eligibility
    ages = age_range(eligibility.minimum_age, eligibility.maximum_age)
    people = ", ".join(part for part in (
        f"ages {ages}" if ages else "",
        {"FEMALE": "women only", "MALE": "men only", "ALL": "all sexes"}.get(eligibility.sex or "", ""),
        "healthy volunteers accepted" if eligibility.healthy_volunteers else "",
    ) if part)
    lines = [f"{trial.nct_id}  {trial.title}", ""]
    lines += filter(None, [
        _field("Official title", trial.official_title if trial.official_title != trial.title else None),
        _field("Status", status_line(trial)),
        _field("Sponsor", sponsor),
        _field("Collaborators", "; ".join(org.name for org in trial.collaborators)),
        _field("Conditions", "; ".join(trial.conditions)),
        _field("Keywords", "; ".join(trial.keywords)),
        _field("Drugs", "; ".join(trial.drug_names())),
        _field("Phase", ", ".join(phase.replace("PHASE", "phase ") for phase in trial.phases)),
        _field("Study type", (trial.study_type or "").lower().replace("_", " ")),
        _field("Enrollment", trial.enrollment),
        _field("Dates", "; ".join(dates)),
        _field("Last update", trial.last_update_posted),
        _field("EU trial number", ", ".join(s.id for s in trial.secondary_ids if s.is_eu_trial_number)),
        _field("Who", people),
    ])
    if trial.findings:
        lines += ["", "Findings:", *(_wrap(finding.describe(), "  - ") for finding in trial.findings)]
    if trial.brief_summary:
        lines += ["", "Summary:", _wrap(trial.brief_summary, "  ")]
    if trial.page is not None:
        lines += _page_lines(trial.page)
    criteria = eligibility.criteria
    sections = (
        ("Notes on eligibility:", criteria.other),
        ("Who can join (inclusion criteria):", criteria.inclusion),
        ("Who cannot join (exclusion criteria):", criteria.exclusion),
    )
    for heading, items in sections:
        if items:
            lines += ["", heading, *_criteria_lines(items)]
    if trial.locations:
        lines += ["", f"Places ({len(trial.locations)}):"]
        for location in trial.locations[:MAX_PLACES]:
            parts = (location.facility, location.city, location.state, location.country)
            place = ", ".join(part for part in parts if part)
            status = f" [{status_label(location.status)}]" if location.status else ""
            lines.append(_wrap(place + status, "  - "))
        if len(trial.locations) > MAX_PLACES:
            lines.append(f"  ... and {len(trial.locations) - MAX_PLACES} more (--format json lists all)")
    lines += ["", f"Registry record: {trial.registry_url}"]
    provenance = trial.provenance
    if provenance.fetched_at:
        source = provenance.source_url or provenance.source
        lines.append(f"Stored from {source}, fetched {provenance.fetched_at:%Y-%m-%d}")
    if provenance.source == "page":
        lines.append(
            f"Known only from its trial page: no registry record is stored (trialwatch harvest {trial.nct_id})"
        )
    return "\n".join(lines)


def _page_lines(page: PageDetails) -> list[str]:
    """What only the trial page says: its plain-language summary, its facts, the sponsor's description."""
    facts = "; ".join(part for part in (
        f"current as of {page.current_as_of}" if page.current_as_of else "",
        f"launched {page.launched_on}" if page.launched_on else "",
        f"{page.patients_applied} patients applied" if page.patients_applied is not None else "",
    ) if part)
    lines = ["", f"Trial page ({page.site}){': ' + facts if facts else ''}"]
    for heading, text in (("Plain-language summary:", page.plain_language_summary),
                          ("About the sponsor:", page.sponsor_description)):
        if text:
            lines += [heading, *(_wrap(paragraph, "  ") for paragraph in text.split("\n\n"))]
    return lines
