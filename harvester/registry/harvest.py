"""Harvest registry records into the store: one transaction per page, one run row per harvest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from harvester.errors import InvalidRecord
from harvester.jsoncodec import encode_record
from harvester.registry.client import StudyQuery
from harvester.registry.parse import read_record_key, record_nct_id
from harvester.registry.prefetch import prefetched
from harvester.registry.source import StudySource
from harvester.store.store import SNAPSHOT_SOURCE_URL, Store, canonical_api_hash, utc_now
from harvester.terms import NctId, Outcome, RunCounts

__all__ = [
    "HarvestSummary",
    "Progress",
    "add_record_version",
    "harvest_ids",
    "harvest_query",
    "record_bytes",
    "recorded_run",
    "store_record",
]

logger = logging.getLogger(__name__)

#: called after each stored page with the number of records it held and the total expected (when known)
Progress = Callable[[int, int | None], None]


@dataclass
class HarvestSummary(RunCounts):
    run_id: int
    data_timestamp: str | None = None
    total: int | None = None
    changed_ids: list[str] = field(default_factory=list)
    #: why a skipped item was skipped, for `line()`
    skip_reason: str = "without a valid NCT id"

    def stored(self, nct_id: str, outcome: Outcome) -> None:
        """Count one stored record; a new or changed one is remembered in `changed_ids`."""
        self.count(outcome)
        if outcome != "unchanged":
            self.changed_ids.append(nct_id)

    def line(self) -> str:
        text = f"fetched {self.fetched}, new {self.new}, changed {self.changed}, unchanged {self.unchanged}"
        return text + (f", skipped {self.skipped} {self.skip_reason}" if self.skipped else "")


def record_bytes(record: dict[str, Any]) -> bytes:
    """The record as stored: UTF-8 JSON; a lone surrogate (not encodable) is kept as its JSON escape."""
    return encode_record(record)


def store_record(
    store: Store,
    record: dict[str, Any],
    *,
    fetched_at: str,
    api_url: str | None,
    data_timestamp: str | None,
    run_id: int | None,
    source_url: str | None = None,
) -> tuple[str, Outcome]:
    """Validate one API record, then keep it as a version. Raises `InvalidRecord`.

    Validating reads only what the store needs (`read_record_key`: the NCT id and the last update date), which
    rejects exactly the records `parse_study` would reject; the record is parsed in full when it is indexed (its
    other fields' problems are reported then), which a harvest could not avoid and need not do twice.
    `api_url` is the registry the record came from; None means the bundled snapshot. `source_url`, when given,
    names where the record was read instead (an imported file and member). A record with the content hash of its
    trial's latest stored version is only recorded as seen (most of a refresh's records).
    """
    nct_id, content_hash = record_nct_id(record), canonical_api_hash(record)
    if nct_id is not None and store.seen_unchanged(nct_id=nct_id, source="api", content_hash=content_hash,
                                                   fetched_at=fetched_at):
        return nct_id, "unchanged"
    key = read_record_key(record)
    last_update_posted = key.last_update_posted.isoformat() if key.last_update_posted else None
    outcome = add_record_version(
        store, record, nct_id=key.nct_id, last_update_posted=last_update_posted, fetched_at=fetched_at,
        source_url=source_url or (f"{api_url}/studies/{key.nct_id}" if api_url else SNAPSHOT_SOURCE_URL),
        data_timestamp=data_timestamp, run_id=run_id, content_hash=content_hash,
    )
    return key.nct_id, outcome


def add_record_version(
    store: Store,
    record: dict[str, Any],
    *,
    nct_id: str,
    last_update_posted: str | None,
    fetched_at: str,
    source_url: str,
    data_timestamp: str | None,
    run_id: int | None,
    content_hash: str | None = None,
) -> Outcome:
    """Keep an API record already validated (`store_record` validates it; the bundled snapshot was when built).
    `content_hash`: its `canonical_api_hash`, when already computed."""
    return store.add_version(
        nct_id=nct_id,
        source="api",
        raw=record_bytes(record),
        content_hash=content_hash or canonical_api_hash(record),
        fetched_at=fetched_at,
        source_url=source_url,
        last_update_posted=last_update_posted,
        data_timestamp=data_timestamp,
        run_id=run_id,
    )


def _store_batch(store: Store, records: Iterable[dict[str, Any]], summary: HarvestSummary, api_url: str) -> None:
    fetched_at = utc_now()
    with store.transaction():
        for record in records:
            try:
                nct_id, outcome = store_record(
                    store, record, fetched_at=fetched_at, api_url=api_url,
                    data_timestamp=summary.data_timestamp, run_id=summary.run_id,
                )
            except InvalidRecord as error:
                summary.skipped += 1
                logger.warning("skipped a record: %s", error)
                continue
            summary.stored(nct_id, outcome)


def harvest_query(
    source: StudySource, store: Store, query: StudyQuery, *, progress: Progress | None = None, kind: str = "harvest"
) -> HarvestSummary:
    """Fetch every study matching `query` from `source`, page by page, and store each page in one transaction (the
    next page is fetched meanwhile, `prefetched`)."""
    summary = _begin(source, store, kind, {"query": query.to_params()})
    # the next page is fetched (and decoded) in a thread while this one is stored: one request at a time, spaced
    # as always; when storing fails or is interrupted, the thread sends nothing more and is joined
    with (recorded_run(store, summary), source.interruptible() as interrupt,
          prefetched(source.iter_pages(query), interrupt=interrupt) as pages):
        for page in pages:
            if page.total_count is not None:
                summary.total = page.total_count
            _store_batch(store, page.studies, summary, source.base_url)
            if progress:
                progress(len(page.studies), summary.total)
    return summary


def harvest_ids(
    source: StudySource, store: Store, nct_ids: Iterable[NctId], *, progress: Progress | None = None
) -> HarvestSummary:
    """Fetch the given studies from `source` one by one and store each in its own transaction."""
    ids = list(nct_ids)
    summary = _begin(source, store, "harvest", {"ids": ids})
    summary.total = len(ids)
    with recorded_run(store, summary):
        for nct_id in ids:
            _store_batch(store, [source.fetch_study(nct_id)], summary, source.base_url)
            if progress:
                progress(1, summary.total)
    return summary


def _begin(source: StudySource, store: Store, kind: str, query: dict[str, Any]) -> HarvestSummary:
    run_id = store.start_run(kind, {**query, "api_url": source.base_url})
    summary = HarvestSummary(run_id=run_id)
    try:
        summary.data_timestamp = source.version().data_timestamp
    except BaseException as error:
        _finish(store, summary, "failed", str(error))
        raise
    store.update_run(run_id, data_timestamp=summary.data_timestamp)
    return summary


@contextmanager
def recorded_run(store: Store, summary: HarvestSummary) -> Iterator[None]:
    """Record the run's outcome whatever happens; pages already committed stay committed."""
    try:
        yield
    except KeyboardInterrupt:
        _finish(store, summary, "interrupted", "interrupted")
        raise
    except BaseException as error:
        _finish(store, summary, "failed", str(error) or repr(error))
        raise
    else:
        _finish(store, summary, "ok", None)


def _finish(store: Store, summary: HarvestSummary, outcome: str, message: str | None) -> None:
    store.update_run(summary.run_id, outcome=outcome, message=message, finished_at=utc_now(), **summary.counters())
