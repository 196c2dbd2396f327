"""Import studies from registry download files into the store: one transaction per batch, one run row per import."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from harvester.errors import InvalidRecord
from harvester.registry.files import FileItem, iter_file
from harvester.registry.harvest import HarvestSummary, recorded_run, store_record
from harvester.store.store import Store, utc_now

__all__ = ["BATCH_SIZE", "ImportProgress", "ImportSummary", "data_date", "import_files"]

logger = logging.getLogger(__name__)

BATCH_SIZE = 200

#: called after each stored batch with the number of items it held
ImportProgress = Callable[[int], None]


@dataclass
class ImportSummary(HarvestSummary):
    skipped_items: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (f"read {self.fetched + self.skipped}, new {self.new}, changed {self.changed}, "
                f"unchanged {self.unchanged}, skipped {self.skipped}")
        return text + (f" ({', '.join(self.skipped_items)})" if self.skipped_items else "")


def data_date(record: dict[str, Any]) -> str | None:
    """The record's own data date: `derivedSection.miscInfoModule.versionHolder`."""
    derived = record.get("derivedSection")
    misc = derived.get("miscInfoModule") if isinstance(derived, dict) else None
    holder = misc.get("versionHolder") if isinstance(misc, dict) else None
    return holder if isinstance(holder, str) else None


def import_files(
    store: Store, paths: Iterable[Path], *, progress: ImportProgress | None = None, batch_size: int = BATCH_SIZE
) -> ImportSummary:
    """Store every study in `paths`; each batch in one transaction, so a rerun after a kill finishes the job.

    Raises `UsageError` (before storing anything) for a missing path or a file of unknown format.
    """
    paths = list(paths)
    for path in paths:
        next(iter_file(path), None)  # validates path and format up front
    run_id = store.start_run("import", {"files": [str(path) for path in paths]})
    summary = ImportSummary(run_id=run_id, skip_reason="")
    with recorded_run(store, summary):
        items: Iterator[FileItem] = (item for path in paths for item in iter_file(path))
        while batch := list(islice(items, batch_size)):
            _store_batch(store, batch, summary)
            if progress:
                progress(len(batch))
    return summary


def _store_batch(store: Store, batch: list[FileItem], summary: ImportSummary) -> None:
    fetched_at = utc_now()
    with store.transaction():
        for item in batch:
            if item.record is None:
                _skip(summary, item, item.error or "unreadable")
                continue
            try:
                nct_id, outcome = store_record(
                    store, item.record, fetched_at=fetched_at, api_url=None, data_timestamp=data_date(item.record),
                    run_id=summary.run_id, source_url=f"import:{item.where}",
                )
            except InvalidRecord as error:
                _skip(summary, item, str(error))
                continue
            summary.stored(nct_id, outcome)
    store.update_run(summary.run_id, **summary.counters())


def _skip(summary: ImportSummary, item: FileItem, reason: str) -> None:
    summary.skipped += 1
    summary.skipped_items.append(item.where)
    logger.warning("skipped %s: %s", item.where, reason)


