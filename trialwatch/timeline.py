"""`trialwatch show NCT... --history`: a trial's overall status through its stored registry versions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from harvester.models import status_label
from harvester.store.store import Store
from harvester.store.trials import trial_from_version


@dataclass(frozen=True)
class StatusPeriod:
    """A status as first seen in a stored version, with the registry's dates of that version."""

    status: str | None
    last_update_posted: str | None
    status_verified: str | None
    fetched_at: str
    version_id: int


def status_timeline(store: Store, nct_id: str) -> tuple[str, int, list[StatusPeriod]]:
    """The trial's title, its number of stored registry versions, and one entry per status change (oldest first).

    Raises `NotInStore` when the store has no version of the trial at all.
    """
    versions = store.versions(nct_id, "api")
    if not versions:
        title = trial_from_version(store.latest_version(nct_id)).title  # a page-only trial, or NotInStore
        return title, 0, []
    periods: list[StatusPeriod] = []
    title = nct_id
    for version in versions:
        trial = trial_from_version(version)
        title = trial.title
        if periods and periods[-1].status == trial.overall_status:
            continue
        periods.append(StatusPeriod(
            status=trial.overall_status,
            last_update_posted=str(trial.last_update_posted) if trial.last_update_posted else None,
            status_verified=str(trial.status_verified_date) if trial.status_verified_date else None,
            fetched_at=version.fetched_at, version_id=version.id,
        ))
    return title, len(versions), periods


def render_timeline(nct_id: str, title: str, count: int, periods: list[StatusPeriod]) -> str:
    lines = [f"{nct_id}  {title}", ""]
    if not periods:
        lines.append("No registry record of this trial is stored, so it has no status history.")
        return "\n".join(lines)
    lines.append(f"Status history ({count} stored registry version{'s' if count != 1 else ''};"
                 " dates are the registry's last update posted):")
    width = max(len(status_label(period.status)) for period in periods)
    for period in periods:
        verified = f"verified {period.status_verified}" if period.status_verified else ""
        lines.append(f"  {period.last_update_posted or '?':<10}  {status_label(period.status):<{width}}  {verified:<16}"
                     f"  (stored {period.fetched_at[:10]})")
    return "\n".join(lines)


def timeline_json(nct_id: str, title: str, count: int, periods: list[StatusPeriod]) -> dict[str, Any]:
    return {"nct_id": nct_id, "title": title, "versions": count, "statuses": [asdict(p) for p in periods]}
