"""Change events: derived once from consecutive stored versions, kept in the store's ``events`` table.

Two sources of events:

- **Trial events** (``new``, ``status``, ``criteria``, ``sponsor``, ``sites``, ``dates``, ``enrollment``; column
  ``watch`` NULL) come from
  the registry records themselves. `derive_pending_events` diffs every API version stored after a cursor
  (``meta.events_version_cursor``) with the trial's previous API version (`harvester.history.diff`), and inserts the
  events and advances the cursor in the same transaction. A run killed anywhere leaves versions whose events are
  not derived yet; the next call derives them. Every event has a stable key (trial, kind, version id) under a
  UNIQUE constraint, so deriving twice can never duplicate one. It does not matter which command stored a
  version (`refresh`, `harvest`): its events are derived by the next `refresh` or `changes`. The first version
  of a trial gives a ``new`` event, unless it came from the bundled snapshot (a baseline, not news).
- **Watch events** (``dropped``; and ``new`` with ``details.rejoined`` when a dropped trial is matched again)
  belong to one watch and are written by `harvester.history.refresh` in the transaction that updates the watch.

``changes --watch W`` shows W's watch events plus the trial events of the trials W matches (until it dropped them).

Events are data only; how one is put in words (feeds, the web page, ``changes``, the webhook's payload) is
`search.views.change`.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from harvester.errors import TrialwatchError
from harvester.history.diff import diff_trials, trial_facts
from harvester.models import Trial
from harvester.store.event_rows import EventFilter
from harvester.store.store import SNAPSHOT_SOURCE_URL, Store, StoredVersion
from harvester.store.trials import trial_from_version

__all__ = [
    "BATCH",
    "CURSOR_META_KEY",
    "FEED_NAMESPACE_META_KEY",
    "Event",
    "add_event",
    "derive_pending_events",
    "feed_namespace",
    "latest_api_version_id",
    "query_events",
    "stored_facts",
]

logger = logging.getLogger(__name__)

CURSOR_META_KEY = "events_version_cursor"
FEED_NAMESPACE_META_KEY = "feed_namespace"
#: versions diffed per transaction
BATCH = 200


def _utc(text: str) -> str:
    """A stored timestamp (ISO date or date-time, any offset) as ``YYYY-MM-DDTHH:MM:SS+00:00``."""
    when = dt.datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


# --- deriving -------------------------------------------------------------------------------------------------


def derive_pending_events(store: Store, *, run_id: int | None = None) -> int:
    """Derive the events of every version stored since the last call; returns how many events were added.

    A read-only store (`Store.read_only`) is left as it is: the events derived so far are all there are.
    """
    if store.read_only:
        if store.versions_after(int(store.get_meta(CURSOR_META_KEY) or 0), 1):
            logger.warning("the data dir %s is read-only: versions stored since the last refresh have no change"
                           " events yet", store.path.parent)
        return 0
    added = 0
    while True:
        with store.transaction():
            cursor = int(store.get_meta(CURSOR_META_KEY) or 0)
            versions = store.versions_after(cursor, BATCH)
            if not versions:
                return added
            parsed: dict[int, Trial] = {}
            for version in versions:
                if version.source == "api":
                    added += _derive_version(store, version, parsed, run_id)
            store.set_meta(CURSOR_META_KEY, str(versions[-1].id))


def _parse(version: StoredVersion, parsed: dict[int, Trial]) -> Trial:
    if version.id not in parsed:
        parsed[version.id] = trial_from_version(version)
    return parsed[version.id]


def _derive_version(store: Store, version: StoredVersion, parsed: dict[int, Trial], run_id: int | None) -> int:
    previous = store.previous_version(version)
    if previous is None and version.source_url == SNAPSHOT_SOURCE_URL:
        return 0
    try:
        new = _parse(version, parsed)
        old = _parse(previous, parsed) if previous else None
        changes = diff_trials(old, new)
    except (TrialwatchError, ValueError) as error:
        logger.warning("no change events for version %d of %s: %s", version.id, version.nct_id, error)
        return 0
    added = 0
    for change in changes:
        added += add_event(
            store, key=f"{version.nct_id}:{change.kind}:v{version.id}", nct_id=version.nct_id, kind=change.kind,
            detected_at=_utc(version.fetched_at), details={"trial": trial_facts(new), **change.details},
            old_version_id=previous.id if previous else None, new_version_id=version.id,
            run_id=version.run_id if version.run_id is not None else run_id,
        )
    return added


def add_event(
    store: Store, *, key: str, nct_id: str, kind: str, detected_at: str, details: dict[str, Any],
    watch: str | None = None, old_version_id: int | None = None, new_version_id: int | None = None,
    run_id: int | None = None,
) -> int:
    """Insert one event unless its key is already recorded; returns 1 if it was added, 0 if not."""
    return store.insert_event(key=key, nct_id=nct_id, kind=kind, detected_at=detected_at, details=details,
                              watch=watch, old_version_id=old_version_id, new_version_id=new_version_id,
                              run_id=run_id)


def latest_api_version_id(store: Store, nct_id: str) -> int | None:
    return store.latest_version_id(nct_id, "api")


def stored_facts(store: Store, nct_id: str) -> dict[str, Any]:
    """Title, status and dates of a trial's newest stored API version (empty when there is none)."""
    try:
        return trial_facts(trial_from_version(store.latest_version(nct_id, "api")))
    except (TrialwatchError, ValueError):
        return {}


# --- reading --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One stored change event, as data: what changed (``kind``, ``details`` with the old and new values and the
    trial's facts), of which trial, for which watch, when, and between which stored versions. Its words (titles,
    summaries, labels, the JSON of ``changes --format json``) are `search.views.change`'s."""

    id: int
    event_key: str
    nct_id: str
    kind: str
    watch: str | None
    detected_at: str
    details: dict[str, Any]
    old_version_id: int | None
    new_version_id: int | None
    run_id: int | None

    @property
    def trial_title(self) -> str | None:
        """The trial's title when the event was derived (``details["trial"]``), if the record gave one."""
        return (self.details.get("trial") or {}).get("title")


def query_events(
    store: Store, *, since: str | None = None, watch: Any = None, kinds: Sequence[str] = (),
    nct_ids: Iterable[str] = (), newest_first: bool = False, limit: int | None = None, after_id: int | None = None,
) -> list[Event]:
    """Stored events, oldest first: detected at or after `since` (a UTC ISO timestamp), of a watch (a `Watch`),
    of some kinds, of some trials; with `limit`, only the newest `limit` of them (still in the order asked)."""
    where = EventFilter(since=_utc(since) if since else None, kinds=tuple(kinds), nct_ids=tuple(nct_ids),
                        watch=(watch.name, watch.id) if watch is not None else None, after_id=after_id)
    events = [Event(**row) for row in store.event_rows(where, limit=limit)]
    return events if newest_first else events[::-1]


def feed_namespace(store: Store) -> uuid.UUID:
    """This store's namespace for feed and entry ids (`uuid.uuid5`), made once at random and kept in meta."""
    value = store.get_meta(FEED_NAMESPACE_META_KEY)
    if value is None and store.read_only:  # none can be kept: one made from where the store is
        return uuid.uuid5(uuid.NAMESPACE_URL, store.path.resolve().as_uri())
    if value is None:
        with store.transaction():
            value = store.get_meta(FEED_NAMESPACE_META_KEY) or str(uuid.uuid4())
            store.set_meta(FEED_NAMESPACE_META_KEY, value)
    return uuid.UUID(value)
