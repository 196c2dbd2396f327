"""Whether a data dir's index reflects its store, and the one policy for bringing it up to date before use.

`index_status` is cheap enough to check before every search. `bring_up_to_date` is what every command and the web
server call: a missing index is built (waiting for another builder as long as the lock allows); a stale one is
updated, but when another process holds the index longer than the caller can wait, the index is used as it is
(``busy``) and the next use updates it; so it is in a read-only data dir, and while another process's harvest or
refresh is storing trials.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from index.lock import DEFAULT_LOCK_TIMEOUT
from index.schema import SCHEMA_VERSION
from index.storage import IndexLocation, read_state

if TYPE_CHECKING:
    from harvester.store.store import Store
    from index.build import IndexSummary

__all__ = ["Freshness", "IndexStatus", "bring_up_to_date", "index_status", "storing_run"]

IndexStatus = Literal["missing", "stale", "current"]


def index_status(data_dir: Path, store_version_id: int) -> IndexStatus:
    """``missing`` (never built), ``stale`` (the store has other versions, or the schema changed) or ``current``."""
    generation = IndexLocation.of(data_dir).current()
    if generation is None:
        return "missing"
    state = read_state(generation)
    if state is None or state.schema_version != SCHEMA_VERSION or state.store_version_id != store_version_id:
        return "stale"
    return "current"


def storing_run(store: Store, data_dir: Path) -> str | None:
    """The kind of run ("harvest", "refresh") another process is storing trials in while the index lags the store:
    searches see the index as it is until that run ends and updates it. None when there is none, or no lag."""
    if index_status(data_dir, store.max_version_id()) != "stale":
        return None
    writers = store.live_runs()
    return writers[0].kind if writers else None


@dataclass(frozen=True)
class Freshness:
    """What `bring_up_to_date` found and did."""

    #: the index's status before
    before: IndexStatus
    #: what the update did; None when the index was current, or busy
    summary: IndexSummary | None = None
    #: another process was updating the index; it is used as it is
    busy: bool = False
    #: the data dir cannot be written: the index is used as it is
    read_only: bool = False
    #: the kind of run ("harvest", "refresh") another process is storing trials in; the index is used as it is, and
    #: that run updates it when it ends
    writer: str | None = None

    def line(self) -> str | None:
        """A line for the user, or None when there is nothing to say."""
        if self.busy:
            return "the index is being updated by another process; using it as it is"
        if self.read_only:
            return "the data dir is read-only: using its index as it is, without the trials stored since it was built"
        if self.writer:
            return (f"a {self.writer} is storing trials: using the index as it is, which catches up when the"
                    f" {self.writer} ends")
        return self.summary.line() if self.summary else None


def bring_up_to_date(store: Store, data_dir: Path, *, wait: float = DEFAULT_LOCK_TIMEOUT) -> Freshness:
    """Build a missing index, update a stale one (waiting at most `wait` seconds for another writer), or nothing.

    A stale index is left as it is in a read-only data dir, and while another process is storing trials (a harvest
    or refresh running: it updates the index when it ends), so that a search never becomes a writer beside it.
    Raises `LockedError` only when there is no index to use at all and another process holds the lock too long,
    `ReadOnlyDataDir` when there is none and the data dir cannot be written.
    """
    from harvester.errors import LockedError, ReadOnlyDataDir
    from index.build import update_index

    before = index_status(data_dir, store.max_version_id())
    if before == "current":
        return Freshness(before)
    if store.read_only:
        if before == "missing":
            raise ReadOnlyDataDir(f"the data dir {data_dir} is read-only and has no search index",
                                  hint="build it in a writable copy of the data dir: trialwatch index")
        return Freshness(before, read_only=True)
    if before == "stale" and (writers := store.live_runs()):
        return Freshness(before, writer=writers[0].kind)
    try:
        summary = update_index(store, data_dir, lock_timeout=wait if before == "stale" else DEFAULT_LOCK_TIMEOUT)
    except LockedError:
        if before == "missing":
            raise
        return Freshness(before, busy=True)
    return Freshness(before, summary)
