"""What a change event means: its severity, and whether a ``new`` event is a trial first posted after the watch
began or only one the watch saw for the first time. Pure functions over stored events; wording lives in
`search.views.change`.

Severity, as advocates rank changes:

- ``major``: recruitment opened or closed, a trial suspended, terminated, withdrawn or completed, a trial a watch
  no longer matches;
- ``notable``: eligibility criteria added or removed, sites added, removed or changing status, the enrolment target
  changed, start or completion dates moved by more than a month (`harvester.history.diff` reports no smaller move);
- ``minor``: everything else (sponsor changes, other status moves, new and first-seen trials).
"""

from __future__ import annotations

from typing import Any

from harvester.history.events import Event

__all__ = ["FIRST_SEEN", "SEVERITIES", "recruitment_move", "severity", "shown_kind"]

SEVERITIES = ("major", "notable", "minor")
#: the shown kind of a ``new`` event whose trial was posted before the watch began: not news, a baseline
FIRST_SEEN = "first_seen"

_OPEN = {"RECRUITING", "ENROLLING_BY_INVITATION"}
_STOPPED = {"SUSPENDED", "TERMINATED", "WITHDRAWN", "COMPLETED"}


def recruitment_move(old: str | None, new: str | None) -> str | None:
    """``opened``, ``closed``, the stopping status in lower case (``terminated``...), or None for other moves."""
    if new in _STOPPED:
        return (new or "").lower()
    if new in _OPEN and old not in _OPEN:
        return "opened"
    if old in _OPEN and new not in _OPEN:
        return "closed"
    return None


def severity(event: Event) -> str:
    details: dict[str, Any] = event.details
    if event.kind == "dropped":
        return "major"
    if event.kind == "status":
        return "major" if recruitment_move(details.get("old"), details.get("new")) else "minor"
    if event.kind == "criteria":
        return "notable" if details.get("added") or details.get("removed") or details.get("limits") else "minor"
    if event.kind in ("sites", "dates", "enrollment"):
        return "notable"
    return "minor"


def shown_kind(event: Event, watch_began: str | None) -> str:
    """The event's kind as shown: a ``new`` trial first posted before `watch_began` (an ISO date or time) is
    ``first_seen``; so is one whose first-posted date the record does not give."""
    if event.kind != "new" or event.details.get("rejoined"):
        return event.kind
    first_posted = event.details.get("first_posted")
    if not first_posted:
        return FIRST_SEEN
    if watch_began is None:
        return event.kind
    return FIRST_SEEN if str(first_posted)[:10] < watch_began[:10] else event.kind
