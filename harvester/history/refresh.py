"""Bring every watch up to date: incremental harvests, change events, watch membership, the search index.

For each watch, `refresh` asks the registry either for

- an **incremental** listing: the watch's query plus
  ``filter.advanced=AREA[LastUpdatePostDate]RANGE[<day of the last success - 1 day>,MAX]``, where the day is
  the registry's own data timestamp (``GET /version``) at the start of the watch's last successful refresh;
  its cost grows with the number of records updated since, not with the size of the store; or
- a **complete** listing (no date filter): on a watch's first refresh, with ``full=True`` (``--full``), and
  automatically when the watch's last complete listing is older than ``full_every_days``.

Every record goes through `harvest_query` (one transaction per page; a new version only when the content
changed). Then, in one transaction, the watch's membership is updated and its incremental window advanced.

**Dropped trials.** An incremental listing only returns records that were updated *and still match*: a trial
whose record changed so that it no longer matches is simply absent, exactly like one that did not change. So
"no longer matched by a watch" is only concluded from a complete listing that finished without error: every
current member the listing did not return is marked dropped and gets a ``dropped`` event. Its record is then
fetched by id, so its last version is stored (and its changes become events) and the event says whether the
registry still has the study. A partial listing (an error mid-way) concludes nothing.

**Crashes.** Nothing here needs a clean exit. Pages already stored stay stored; a watch's window only advances
after all its pages are stored, so the next run asks for the same records again (they come back "unchanged"
and update the membership). Events are derived from versions not yet processed (`harvester.history.events`), in the
transaction that advances the events cursor. The index records which store version it reflects and
`update_index` re-indexes every trial changed since. Runs left "running" by a killed refresh are marked
"killed" by the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from harvester.errors import RegistryError, RegistryUnavailable, StudyNotFound
from harvester.history.events import add_event, derive_pending_events, latest_api_version_id, stored_facts
from harvester.history.watches import Watch, Watches
from harvester.registry.client import RegistryVersion, StudyPage, StudyQuery
from harvester.registry.harvest import HarvestSummary, harvest_query, store_record
from harvester.registry.parse import record_nct_id
from harvester.registry.source import StudySource
from harvester.store.store import KILLED_MESSAGE, Store, utc_now
from harvester.terms import NctId, RunCounts

__all__ = [
    "DEFAULT_FULL_EVERY_DAYS",
    "DEFAULT_PAGE_SIZE",
    "RUN_KIND",
    "WATCH_RUN_KIND",
    "IndexReport",
    "IndexUpdate",
    "RefreshSummary",
    "WatchResult",
    "incremental_filter",
    "mark_killed_runs",
    "needs_full_listing",
    "refresh",
]

logger = logging.getLogger(__name__)

RUN_KIND = "refresh"
WATCH_RUN_KIND = "refresh-watch"
#: a complete listing at least this often (days), to find trials that no longer match
DEFAULT_FULL_EVERY_DAYS = 7
DEFAULT_PAGE_SIZE = 100

class IndexReport(Protocol):
    """What an index update reports (`index.build.IndexSummary` is one; the harvester does not import the index)."""

    def line(self) -> str:
        """One line for the run's summary, e.g. ``index: updated, 3 changed trials in 0.2 s``."""
        ...


#: (store, data_dir) -> its report; `index.build.update_index` in production
IndexUpdate = Callable[[Store, Path], IndexReport]


@dataclass
class WatchResult(RunCounts):
    name: str
    full: bool
    since: dt.date | None = None
    listed: int = 0
    dropped: list[NctId] = field(default_factory=list)
    rejoined: list[str] = field(default_factory=list)
    error: str | None = None
    #: whether the error may pass by itself (a registry fault rather than a rejected query)
    transient: bool = False

    def line(self) -> str:
        how = "complete listing" if self.full else f"updated since {self.since}"
        if self.error:
            return f"watch {self.name} ({how}): failed: {self.error}"
        text = (f"watch {self.name} ({how}): fetched {self.fetched}, new {self.new}, changed {self.changed},"
                f" unchanged {self.unchanged}")
        if self.full:
            text += f", {len(self.dropped)} no longer matched"
        if self.skipped:
            text += f", skipped {self.skipped} unreadable (asked for again next run)"
        return text


@dataclass
class RefreshSummary:
    run_id: int
    watches: list[WatchResult] = field(default_factory=list)
    events: int = 0
    index: str | None = None

    def totals(self) -> RunCounts:
        """The counts of every watch, added up."""
        totals = RunCounts()
        for result in self.watches:
            totals.add(result)
        return totals

    @property
    def failed(self) -> list[WatchResult]:
        return [result for result in self.watches if result.error]

    def counters(self) -> dict[str, int]:
        return self.totals().counters()

    def line(self) -> str:
        totals = self.totals()
        full = sum(result.full for result in self.watches)
        dropped = sum(len(result.dropped) for result in self.watches)
        text = (f"refresh: {len(self.watches)} watch{'es' if len(self.watches) != 1 else ''}"
                f" ({full} complete listing{'s' if full != 1 else ''}), fetched {totals.fetched}:"
                f" new {totals.new}, changed {totals.changed}, unchanged {totals.unchanged};"
                f" {self.events} change event{'s' if self.events != 1 else ''}, {dropped} no longer matched")
        if skipped := totals.skipped:
            text += f"; skipped {skipped} unreadable record{'s' if skipped != 1 else ''} (asked for again next run)"
        if self.failed:
            text += f"; {len(self.failed)} watch{'es' if len(self.failed) != 1 else ''} failed"
        if self.index:
            text += f"; {self.index}"
        return text


class _ListingSource:
    """The refresh's `StudySource` for `harvest_query`: `source` itself, noting the NCT id of every study a listing
    returns (a study without a valid one is not noted: `harvest_query` skips and reports it)."""

    def __init__(self, source: StudySource) -> None:
        self._source = source
        self.listed: set[NctId] = set()

    @property
    def base_url(self) -> str:
        return self._source.base_url

    def version(self) -> RegistryVersion:
        return self._source.version()

    def interruptible(self) -> AbstractContextManager[Callable[[], None]]:
        return self._source.interruptible()

    def iter_pages(self, query: StudyQuery) -> Iterator[StudyPage]:
        for page in self._source.iter_pages(query):
            self.listed.update(nct_id for study in page.studies if (nct_id := record_nct_id(study)) is not None)
            yield page

    def fetch_study(self, nct_id: NctId) -> dict[str, Any]:
        return self._source.fetch_study(nct_id)


def incremental_filter(since: dt.date) -> str:
    """The registry's filter for records whose last update was posted on or after the day before `since`."""
    return f"AREA[LastUpdatePostDate]RANGE[{(since - dt.timedelta(days=1)).isoformat()},MAX]"


def needs_full_listing(watch: Watch, *, now: dt.datetime, full_every_days: int) -> bool:
    if watch.last_success_at is None or watch.last_full_at is None:
        return True
    if full_every_days <= 0:
        return False
    return now - dt.datetime.fromisoformat(watch.last_full_at) >= dt.timedelta(days=full_every_days)


def mark_killed_runs(store: Store) -> int:
    """Runs of earlier refreshes still 'running': their process died (the caller holds the refresh lock)."""
    return store.mark_unfinished_runs((RUN_KIND, WATCH_RUN_KIND), outcome="killed", message=KILLED_MESSAGE)


def refresh(
    store: Store,
    source: StudySource,
    data_dir: Path,
    *,
    names: Sequence[str] = (),
    full: bool = False,
    full_every_days: int = DEFAULT_FULL_EVERY_DAYS,
    page_size: int = DEFAULT_PAGE_SIZE,
    index_update: IndexUpdate | None = None,
) -> RefreshSummary:
    """Refresh the named watches (all when none are named) from `source` (a `RegistryClient` in production), asking
    for `page_size` studies a page. The caller holds the `RefreshLock`.

    Raises `RegistryUnavailable` (or `RateLimited`) as soon as the registry fails that way, after recording what
    was done; other registry errors fail only their watch (`RefreshSummary.failed`) and the others go on.
    """
    watches = Watches(store)
    selected = [watches.get(name) for name in dict.fromkeys(names)] if names else watches.all()
    killed = mark_killed_runs(store)
    if killed:
        logger.info("marked %d run(s) of a killed refresh as killed", killed)
    run_id = store.start_run(RUN_KIND, {"watches": [watch.name for watch in selected], "full": full,
                                        "api_url": source.base_url})
    summary = RefreshSummary(run_id=run_id)
    try:
        summary.events += derive_pending_events(store, run_id=run_id)  # catch up on earlier runs and harvests
        for watch in selected:
            result = _refresh_watch(store, source, watches, watch, full=full, full_every_days=full_every_days,
                                    page_size=page_size, run_id=run_id)
            summary.watches.append(result)
            summary.events += derive_pending_events(store, run_id=run_id)
            logger.info(result.line())
        if index_update is not None:
            summary.index = index_update(store, data_dir).line()
    except BaseException as error:
        _finish_after_failure(store, data_dir, summary, error, index_update)
        raise
    failed = summary.failed
    store.update_run(run_id, outcome="failed" if failed else "ok", finished_at=utc_now(),
                     message=summary.line(), **summary.counters())
    return summary


def _finish_after_failure(store: Store, data_dir: Path, summary: RefreshSummary, error: BaseException,
                          index_update: IndexUpdate | None) -> None:
    """Record the failed run; index what was stored if that can still be done (the next run would anyway)."""
    outcome = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
    try:
        summary.events += derive_pending_events(store, run_id=summary.run_id)
        if index_update is not None and isinstance(error, RegistryError):
            summary.index = index_update(store, data_dir).line()
    except Exception as late:
        logger.warning("after the failure, could not finish the index update: %s", late)
    store.update_run(summary.run_id, outcome=outcome, finished_at=utc_now(),
                     message=f"{type(error).__name__}: {error}"[:500], **summary.counters())


def _refresh_watch(
    store: Store, source: StudySource, watches: Watches, watch: Watch, *, full: bool, full_every_days: int,
    page_size: int, run_id: int,
) -> WatchResult:
    started_at = utc_now()
    complete = full or needs_full_listing(watch, now=dt.datetime.fromisoformat(started_at),
                                          full_every_days=full_every_days)
    result = WatchResult(name=watch.name, full=complete, since=None if complete else watch.since_date())
    query = watch.query.model_copy(update={"page_size": page_size})
    if not complete:
        since = watch.since_date()
        assert since is not None  # an incremental listing follows a successful one
        window = incremental_filter(since)
        query = query.model_copy(update={"advanced": f"({query.advanced}) AND {window}" if query.advanced else window})
    listing = _ListingSource(source)
    try:
        harvest = harvest_query(listing, store, query, kind=WATCH_RUN_KIND)
        result.add(harvest)
        result.listed = len(listing.listed)
        # only a complete listing with nothing skipped shows which trials no longer match
        # the store's ids are canonical: they were normalised when stored
        dropped = ([NctId(nct_id) for nct_id in sorted(watches.members(watch) - listing.listed)]
                   if complete and not harvest.skipped else [])
        in_registry = {nct_id: _fetch_dropped(store, source, nct_id, harvest, result) for nct_id in dropped}
    except RegistryError as error:
        result.error = str(error)
        result.transient = error.transient
        with store.transaction():
            watches.record_attempt(watch, run_id=run_id, error=str(error))
        if isinstance(error, RegistryUnavailable):
            raise
        logger.warning("watch %s failed: %s", watch.name, error)
        return result

    now = utc_now()
    with store.transaction():
        result.rejoined = watches.mark_matched(watch, listing.listed, now)
        watches.mark_dropped(watch, dropped, now)
        result.dropped = dropped
        for nct_id in dropped:
            add_event(store, key=f"{nct_id}:dropped:{watch.name}:r{run_id}", nct_id=nct_id, kind="dropped",
                      watch=watch.name, detected_at=now, run_id=run_id,
                      new_version_id=latest_api_version_id(store, nct_id),
                      details={"trial": stored_facts(store, nct_id), "in_registry": in_registry[nct_id]})
        for rejoined in result.rejoined:
            add_event(store, key=f"{rejoined}:new:{watch.name}:r{run_id}", nct_id=rejoined, kind="new",
                      watch=watch.name, detected_at=now, run_id=run_id,
                      new_version_id=latest_api_version_id(store, rejoined),
                      details={"trial": stored_facts(store, rejoined), "rejoined": True})
        if harvest.skipped:  # the window stays where it was, so the skipped records are asked for again next run
            watches.record_attempt(watch, run_id=run_id, error=f"{harvest.skipped} unreadable record(s) skipped")
        else:
            watches.record_success(watch, run_id=run_id, started_at=started_at,
                                   data_timestamp=harvest.data_timestamp, full=complete)
    if harvest.skipped:
        logger.warning("watch %s: %d unreadable record(s) skipped; its window was not moved past them",
                       watch.name, harvest.skipped)
    return result


def _fetch_dropped(store: Store, source: StudySource, nct_id: NctId, harvest: HarvestSummary,
                   result: WatchResult) -> bool:
    """Store the current record of a trial the watch no longer matches; False when the registry no longer has it."""
    try:
        record = source.fetch_study(nct_id)
    except StudyNotFound:
        return False
    with store.transaction():
        stored_id, outcome = store_record(store, record, fetched_at=utc_now(), api_url=source.base_url,
                                          data_timestamp=harvest.data_timestamp, run_id=harvest.run_id)
    result.count(outcome)
    if stored_id != nct_id:
        logger.info("%s is now %s in the registry (an alias)", nct_id, stored_id)
    return True
