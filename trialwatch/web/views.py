"""What the web pages show, computed from the models: no HTML here (the templates escape everything they print)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from harvester.errors import TrialwatchError
from harvester.models import Location, OverallStatus, PartialDate, Trial, status_label
from harvester.store.store import Store

logger = logging.getLogger(__name__)

#: status -> the badge's colour family; the badge always shows the status in words too
_BADGE_KIND = {
    OverallStatus.RECRUITING: "open",
    OverallStatus.NOT_YET_RECRUITING: "open",
    OverallStatus.ENROLLING_BY_INVITATION: "open",
    OverallStatus.AVAILABLE: "open",
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

_SEX_WORDS = {"FEMALE": "women only", "MALE": "men only", "ALL": "all sexes"}


def badge_kind(status: str | None) -> str:
    """CSS modifier of a status badge: open, active, paused, stopped, done or unknown."""
    kind: str = _BADGE_KIND.get(status or "", "unknown")  # type: ignore[call-overload]
    return kind


def phase_label(phase: str) -> str:
    """``PHASE2`` -> ``phase 2``, ``EARLY_PHASE1`` -> ``early phase 1``, ``NA`` -> ``not applicable``."""
    if phase == "NA":
        return "not applicable"
    return phase.replace("EARLY_PHASE", "early phase ").replace("PHASE", "phase ").lower()


def words(code: str | None) -> str:
    """A registry code in words: ``INTERVENTIONAL`` -> ``interventional``."""
    return (code or "").replace("_", " ").lower()


def date_text(date: PartialDate | None) -> str:
    if date is None:
        return ""
    return str(date) + (f" ({date.type.lower()})" if date.type else "")


def who_line(trial: Trial) -> str:
    """Ages, sex and healthy volunteers in one line, as the terminal view says it."""
    eligibility = trial.eligibility
    ages = ""
    if eligibility.minimum_age and eligibility.maximum_age:
        ages = f"ages {eligibility.minimum_age} to {eligibility.maximum_age}"
    elif eligibility.minimum_age:
        ages = f"ages {eligibility.minimum_age} and over"
    elif eligibility.maximum_age:
        ages = f"ages up to {eligibility.maximum_age}"
    parts = [
        ages,
        _SEX_WORDS.get(eligibility.sex or "", ""),
        "healthy volunteers accepted" if eligibility.healthy_volunteers else "",
    ]
    return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class CountryPlaces:
    country: str
    places: list[Location]

    @property
    def open_count(self) -> int:
        return sum(1 for place in self.places if place.status == "RECRUITING")


def places_by_country(locations: Iterable[Location]) -> list[CountryPlaces]:
    """Locations grouped by country, countries in record order (the registry lists the main one first)."""
    groups: dict[str, list[Location]] = {}
    for location in locations:
        groups.setdefault(location.country or "Country not given", []).append(location)
    return [CountryPlaces(country, places) for country, places in groups.items()]


def place_text(location: Location) -> str:
    return ", ".join(part for part in (location.facility, location.city, location.state) if part) or "Place not given"


@dataclass(frozen=True)
class StatusChange:
    """The status a trial had from one stored version on."""

    status: str | None
    #: the record's last-update-posted date of the version that first showed this status (else its fetch date)
    since: str
    why_stopped: str | None = None


@dataclass
class StatusHistory:
    changes: list[StatusChange] = field(default_factory=list)
    #: stored registry versions the history was read from
    versions: int = 0


def status_history(store: Store, trial: Trial) -> StatusHistory:
    """The trial's status over its stored registry versions, oldest first, one entry per change of status.

    Derived from the versions in the store: a status that changed and changed back between two harvests is not
    seen.
    """
    from harvester.store.trials import trial_from_version

    history = StatusHistory()
    for version in store.versions(trial.nct_id, source="api"):
        try:
            old = trial_from_version(version)
        except (TrialwatchError, ValueError) as error:
            logger.warning("status history of %s: version %s skipped: %s", trial.nct_id, version.id, error)
            continue
        history.versions += 1
        since = str(old.last_update_posted or version.fetched_at[:10])
        if history.changes and history.changes[-1].status == old.overall_status:
            continue
        history.changes.append(StatusChange(old.overall_status, since, old.why_stopped))
    if not history.changes:  # a trial known only from a page: the status it shows, as of its date
        as_of = trial.page.current_as_of if trial.page else None
        history.changes.append(
            StatusChange(trial.overall_status, str(as_of or trial.last_update_posted or ""), trial.why_stopped)
        )
    return history


def paragraphs(text: str | None) -> list[str]:
    """Record prose as paragraphs: blank lines separate them, other line breaks (hard wraps) become spaces."""
    if not text:
        return []
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def jinja_filters() -> dict[str, object]:
    return {
        "paragraphs": paragraphs,
        "status_label": status_label,
        "badge_kind": badge_kind,
        "phase_label": phase_label,
        "words": words,
        "date_text": date_text,
        "place_text": place_text,
    }
