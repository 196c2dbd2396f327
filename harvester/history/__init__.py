"""What changed: diffs between versions, change events, watches and the nightly refresh."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = [
    "Event",
    "RefreshSummary",
    "Watch",
    "Watches",
    "derive_pending_events",
    "diff_trials",
    "query_events",
    "status_timeline",
]

if TYPE_CHECKING:
    from harvester.history.diff import diff_trials
    from harvester.history.events import Event, derive_pending_events, query_events
    from harvester.history.refresh import RefreshSummary
    from harvester.history.timeline import status_timeline
    from harvester.history.watches import Watch, Watches
else:
    from harvester._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {
        "harvester.history.diff": ("diff_trials",),
        "harvester.history.events": ("Event", "derive_pending_events", "query_events"),
        "harvester.history.watches": ("Watch", "Watches"),
        "harvester.history.refresh": ("RefreshSummary",),
        "harvester.history.timeline": ("status_timeline",),
    })
