"""What changed between two versions of one trial: a pure function of two models, no I/O.

`diff_trials(old, new)` compares the parts of a record that advocates follow and returns one `Change` per kind
that changed: ``status``, ``criteria``, ``sponsor``, ``sites``, ``dates`` (start, primary completion or completion
moved by more than a month), ``enrollment`` (the enrolment figure changed), and ``new`` when there is no old
version. The details are plain JSON-able dicts; they are stored as they are in the events table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harvester.models import Criterion, Location, PartialDate, Trial
from harvester.terms import ChangeKind

__all__ = ["DATE_FIELDS", "DATE_MOVE_DAYS", "Change", "diff_trials", "site_label", "trial_facts"]

#: the criteria lists of `Criteria`, in the order they are reported
_CRITERIA_LISTS = ("inclusion", "exclusion", "other")
#: the trial's dates whose moves are reported, in the order they are reported
DATE_FIELDS = ("start_date", "primary_completion_date", "completion_date")
#: a date moved by more days than this is reported ("more than a month"); smaller moves are routine re-estimates
DATE_MOVE_DAYS = 31


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    details: dict[str, Any] = field(default_factory=dict)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _pair(old: object, new: object) -> dict[str, str | None]:
    return {"old": _text(old), "new": _text(new)}


def trial_facts(trial: Trial) -> dict[str, Any]:
    """What every event repeats about the trial as of its newer version: title, status and the registry's dates."""
    return {
        "title": trial.title,
        "status": trial.overall_status,
        "status_verified": _text(trial.status_verified_date),
        "last_update_posted": _text(trial.last_update_posted),
    }


def diff_trials(old: Trial | None, new: Trial) -> list[Change]:
    """The changes from `old` to `new` (two versions of the same trial, oldest first); `old` None means first seen."""
    if old is None:
        return [Change("new", {"first_posted": _text(new.first_posted), "start": _text(new.start_date),
                               "sponsor": new.lead_sponsor.name if new.lead_sponsor else None})]
    if old.nct_id != new.nct_id:
        raise ValueError(f"cannot diff two different trials: {old.nct_id} and {new.nct_id}")
    changes = [
        change
        for change in (_status(old, new), _criteria(old, new), _sponsor(old, new), _sites(old, new),
                       _dates(old, new), _enrollment(old, new))
        if change is not None
    ]
    return changes


def _status(old: Trial, new: Trial) -> Change | None:
    if old.overall_status == new.overall_status:
        return None
    details: dict[str, Any] = {
        "old": old.overall_status,
        "new": new.overall_status,
        "status_verified": _pair(old.status_verified_date, new.status_verified_date),
        "last_update_posted": _pair(old.last_update_posted, new.last_update_posted),
    }
    if new.why_stopped and new.why_stopped != old.why_stopped:
        details["why_stopped"] = new.why_stopped
    if new.last_known_status and new.last_known_status != old.last_known_status:
        details["last_known_status"] = new.last_known_status
    return Change("status", details)


def _normalized(text: str) -> str:
    return " ".join(text.split())


def _criteria_items(trial: Trial) -> Counter[tuple[str, str]]:
    """Every criterion (nested ones too) as (list, text), counted: the same text may appear twice."""
    criteria = trial.eligibility.criteria
    items: Counter[tuple[str, str]] = Counter()
    for name in _CRITERIA_LISTS:
        top: list[Criterion] = getattr(criteria, name)
        for criterion in top:
            for item in criterion.walk():
                items[(name, _normalized(item.text))] += 1
    return items


def _criteria(old: Trial, new: Trial) -> Change | None:
    before, after = _criteria_items(old), _criteria_items(new)
    added = [{"list": name, "text": text} for (name, text), n in (after - before).items() for _ in range(n)]
    removed = [{"list": name, "text": text} for (name, text), n in (before - after).items() for _ in range(n)]
    limits = {}
    old_e, new_e = old.eligibility, new.eligibility
    for name in ("minimum_age", "maximum_age", "sex", "healthy_volunteers"):
        if getattr(old_e, name) != getattr(new_e, name):
            limits[name] = _pair(getattr(old_e, name), getattr(new_e, name))
    if not (added or removed or limits):
        return None
    details: dict[str, Any] = {"added": added, "removed": removed}
    if limits:
        details["limits"] = limits
    return Change("criteria", details)


def _sponsor(old: Trial, new: Trial) -> Change | None:
    details: dict[str, Any] = {}
    old_lead = old.lead_sponsor.name if old.lead_sponsor else None
    new_lead = new.lead_sponsor.name if new.lead_sponsor else None
    if old_lead != new_lead:
        details["lead_sponsor"] = _pair(old_lead, new_lead)
    before = Counter(org.name for org in old.collaborators)
    after = Counter(org.name for org in new.collaborators)
    if before != after:
        details["collaborators"] = {"added": sorted((after - before).elements()),
                                    "removed": sorted((before - after).elements())}
    return Change("sponsor", details) if details else None


def site_label(location: Location) -> str:
    return ", ".join(part for part in (location.facility, location.city, location.state, location.country) if part) \
        or "(unnamed site)"


def _sites(old: Trial, new: Trial) -> Change | None:
    """Sites are matched by facility, city, state and country; a site listed twice is matched by its statuses."""
    def grouped(trial: Trial) -> dict[str, list[str | None]]:
        sites: dict[str, list[str | None]] = {}
        for location in trial.locations:
            sites.setdefault(site_label(location), []).append(location.status)
        return sites

    before, after = grouped(old), grouped(new)
    added: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    status_changed: list[dict[str, Any]] = []
    for label in sorted(before.keys() | after.keys()):
        old_statuses, new_statuses = before.get(label, []), after.get(label, [])
        if len(old_statuses) == 1 and len(new_statuses) == 1:
            if old_statuses != new_statuses:
                status_changed.append({"site": label, "old": old_statuses[0], "new": new_statuses[0]})
            continue
        old_count, new_count = Counter(old_statuses), Counter(new_statuses)
        removed += [{"site": label, "status": status} for status in (old_count - new_count).elements()]
        added += [{"site": label, "status": status} for status in (new_count - old_count).elements()]
    if not (added or removed or status_changed):
        return None
    return Change("sites", {"added": added, "removed": removed, "status_changed": status_changed})


def _dates(old: Trial, new: Trial) -> Change | None:
    """Dates both versions give that moved by more than `DATE_MOVE_DAYS` days (earliest day each can mean)."""
    moved: dict[str, Any] = {}
    for name in DATE_FIELDS:
        before: PartialDate | None = getattr(old, name)
        after: PartialDate | None = getattr(new, name)
        if before is None or after is None:
            continue
        days = (after.earliest() - before.earliest()).days
        if abs(days) > DATE_MOVE_DAYS:
            moved[name] = {**_pair(before, after), "days": days, "type": after.type}
    return Change("dates", moved) if moved else None


def _enrollment(old: Trial, new: Trial) -> Change | None:
    """The enrolment figure changed (both versions give one): the target, or the target replaced by the actual."""
    if old.enrollment is None or new.enrollment is None or old.enrollment == new.enrollment:
        return None
    return Change("enrollment", {"old": old.enrollment, "new": new.enrollment,
                                 "old_type": old.enrollment_type, "new_type": new.enrollment_type})
