"""A trial's overall status through its stored registry versions: one entry per change of status, oldest first.

Read from the versions in the store, so a status that changed and changed back between two harvests is not seen.
A trial known only from a trial page has one entry: the status the page shows, as of the page's date.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from harvester.errors import TrialwatchError
from harvester.models import Trial
from harvester.store.store import Store
from harvester.store.trials import trial_from_version

__all__ = ["StatusPeriod", "StatusTimeline", "status_timeline"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatusPeriod:
    """A status as first seen in a stored version (or on the trial page)."""

    status: str | None
    #: the registry's last-update-posted date of the version that first showed it, else the date it was fetched
    since: str
    last_update_posted: str | None = None
    status_verified: str | None = None
    fetched_at: str | None = None
    version_id: int | None = None
    why_stopped: str | None = None
    #: ``api`` (a registry version) or ``page`` (a page-only trial's current status)
    source: str = "api"


@dataclass
class StatusTimeline:
    nct_id: str
    title: str
    #: stored registry versions the timeline was read from (0 for a trial known only from a page)
    versions: int = 0
    periods: list[StatusPeriod] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"nct_id": self.nct_id, "title": self.title, "versions": self.versions,
                "statuses": [asdict(period) for period in self.periods]}


def status_timeline(store: Store, trial: Trial) -> StatusTimeline:
    """The timeline of a stored trial (`harvester.store.trials.load_trial`); unreadable versions are skipped."""
    timeline = StatusTimeline(trial.nct_id, trial.title)
    for version in store.versions(trial.nct_id, source="api"):
        try:
            old = trial_from_version(version)
        except (TrialwatchError, ValueError) as error:
            logger.warning("status history of %s: version %s skipped: %s", trial.nct_id, version.id, error)
            continue
        timeline.versions += 1
        if timeline.periods and timeline.periods[-1].status == old.overall_status:
            continue
        timeline.periods.append(StatusPeriod(
            status=old.overall_status,
            since=str(old.last_update_posted or version.fetched_at[:10]),
            last_update_posted=str(old.last_update_posted) if old.last_update_posted else None,
            status_verified=str(old.status_verified_date) if old.status_verified_date else None,
            fetched_at=version.fetched_at, version_id=version.id, why_stopped=old.why_stopped,
        ))
    if not timeline.periods:  # known only from a page: the status it shows, as of its date
        as_of = trial.page.current_as_of if trial.page else None
        timeline.periods.append(StatusPeriod(
            status=trial.overall_status, since=str(as_of or trial.last_update_posted or ""),
            why_stopped=trial.why_stopped, source="page",
        ))
    return timeline
