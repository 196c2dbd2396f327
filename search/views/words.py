"""Words for registry codes, said one way everywhere: statuses and their badges, ages, sex, phases, dates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from harvester.statuses import OverallStatus, status_label

if TYPE_CHECKING:  # the records' models (pydantic) are not imported to word a search result: cold searches stay fast
    from harvester.models import Age, Eligibility, Location, PartialDate

__all__ = [
    "AGES_NOT_STATED",
    "FROM_CRITERIA",
    "SEX_NOT_STATED",
    "SEX_WORDS",
    "StatusWords",
    "age_range",
    "ages_text",
    "badge_kind",
    "code_words",
    "date_text",
    "phase_label",
    "place_text",
    "status_words",
    "who_line",
]

#: status -> the badge's colour family; a badge always shows its status in words too (never colour alone).
#: Keyed by `OverallStatus` members, which are the strings they are, so a status read from a record finds its entry
_BADGE_KIND: dict[str, str] = {
    OverallStatus.RECRUITING: "open",
    OverallStatus.ENROLLING_BY_INVITATION: "invitation",
    OverallStatus.AVAILABLE: "open",
    OverallStatus.NOT_YET_RECRUITING: "soon",
    OverallStatus.ACTIVE_NOT_RECRUITING: "active",
    OverallStatus.TEMPORARILY_NOT_AVAILABLE: "paused",
    OverallStatus.SUSPENDED: "paused",
    OverallStatus.TERMINATED: "stopped",
    OverallStatus.WITHDRAWN: "stopped",
    OverallStatus.NO_LONGER_AVAILABLE: "stopped",
    OverallStatus.WITHHELD: "stopped",
    OverallStatus.COMPLETED: "done",
    OverallStatus.APPROVED_FOR_MARKETING: "done",
}

#: what a status means for a patient who wants to join, when that is more than its name says
_JOINING: dict[str, str] = {
    OverallStatus.RECRUITING: "open to enrolment",
    OverallStatus.ENROLLING_BY_INVITATION: "by invitation only",
    OverallStatus.NOT_YET_RECRUITING: "not yet open",
}

SEX_WORDS = {"FEMALE": "women only", "MALE": "men only", "ALL": "all sexes"}
#: said of a trial whose record states no age limit: it is not known to admit every age
AGES_NOT_STATED = "age limits not stated"
SEX_NOT_STATED = "sex not stated"
FROM_CRITERIA = "read from the criteria"


@dataclass(frozen=True)
class StatusWords:
    """A status as every view shows it: its name, its badge's colour family, and what it means for joining."""

    label: str
    badge: str
    #: ``open to enrolment``, ``by invitation only``, ``not yet open`` or empty
    joining: str


def status_words(status: str | None) -> StatusWords:
    return StatusWords(status_label(status), badge_kind(status), _JOINING.get(status or "", ""))


def badge_kind(status: str | None) -> str:
    """CSS modifier of a status badge: open, invitation, soon, active, paused, stopped, done or unknown."""
    return _BADGE_KIND.get(status or "", "unknown")


def age_range(minimum: Age | None, maximum: Age | None) -> str:
    """``18 years and over``, ``up to 17 years``, ``12 to 24 years`` (or with units of their own)."""
    if minimum and maximum:
        return f"{minimum} to {maximum}" if minimum.unit != maximum.unit else f"{minimum.value:g} to {maximum}"
    if minimum:
        return f"{minimum} and over"
    return f"up to {maximum}" if maximum else ""


def ages_text(minimum: Age | None, maximum: Age | None, *, from_criteria: bool = False) -> str:
    """``ages 18 to 65 years``, ``ages 18 years and over (read from the criteria)`` or ``age limits not stated``."""
    ages = age_range(minimum, maximum)
    if not ages:
        return AGES_NOT_STATED
    return f"ages {ages}" + (f" ({FROM_CRITERIA})" if from_criteria else "")


def who_line(eligibility: Eligibility) -> str:
    """Ages, sex and healthy volunteers in one line: ``ages 18 to 65 years, women only``."""
    parts = (
        ages_text(eligibility.minimum_age, eligibility.maximum_age, from_criteria=eligibility.ages_from_criteria),
        SEX_WORDS.get(eligibility.sex or "", ""),
        "healthy volunteers accepted" if eligibility.healthy_volunteers else "",
    )
    return ", ".join(part for part in parts if part)


def phase_label(phase: str) -> str:
    """``PHASE2`` -> ``phase 2``, ``EARLY_PHASE1`` -> ``early phase 1``, ``NA`` -> ``not applicable``."""
    if phase == "NA":
        return "not applicable"
    return phase.replace("EARLY_PHASE", "early phase ").replace("PHASE", "phase ").lower()


def code_words(code: str | None) -> str:
    """A registry code in words: ``INTERVENTIONAL`` -> ``interventional``."""
    return (code or "").replace("_", " ").lower()


def date_text(date: PartialDate | None) -> str:
    """``2025-03 (estimated)``."""
    if date is None:
        return ""
    return str(date) + (f" ({date.type.lower()})" if date.type else "")


def place_text(location: Location) -> str:
    return ", ".join(part for part in (location.facility, location.city, location.state) if part) or "Place not given"
