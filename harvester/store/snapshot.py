"""The bundled snapshot: real registry records shipped inside the package, for work with no network.

A snapshot file of the same format (written by scripts/build_snapshot.py) can stand in for the bundled one:
its path in the environment variable `SNAPSHOT_FILE_ENV` (the tests load a small subset of the bundled records so).

Each record's NCT id and last update date, as the parser reads them, are kept beside it (``parsed``), so loading
stores the records without parsing them again; a snapshot file without them is parsed as it loads.

It also holds trial pages (``pages``: nct_id, url, fetched_at, html), stored as page versions. The only one is
NCT06965244's ClinConnect page, whose HTML is reconstructed around its captured visible text (see
tests/fixtures/pages/README.md): no registry record of that trial was available offline.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from harvester.errors import InvalidRecord, UsageError
from harvester.pages.harvest import store_page
from harvester.registry.harvest import HarvestSummary, add_record_version, store_record
from harvester.registry.parse import record_nct_id
from harvester.store.store import SNAPSHOT_SOURCE_URL, Store, utc_now

__all__ = [
    "RUN_KIND",
    "SNAPSHOT_FILE_ENV",
    "SNAPSHOT_META_KEY",
    "SnapshotInfo",
    "bundled_snapshot_bytes",
    "decode_snapshot",
    "ensure_data",
    "ensure_data_note",
    "load_snapshot",
    "read_snapshot",
    "snapshot_in_use",
    "snapshot_only",
]

logger = logging.getLogger(__name__)

#: the kind of the run that loads the snapshot
RUN_KIND = "snapshot"
SNAPSHOT_META_KEY = "bundled_snapshot"
#: the environment variable naming a snapshot file to load instead of the bundled one
SNAPSHOT_FILE_ENV = "TRIALWATCH_SNAPSHOT"


@dataclass(frozen=True)
class SnapshotInfo:
    data_date: str
    built: str
    records: int
    pages: int = 0

    def describe(self) -> str:
        pages = f" and {self.pages} trial page{'s' if self.pages != 1 else ''}" if self.pages else ""
        return (f"bundled snapshot of {self.records} real ClinicalTrials.gov records{pages}"
                f" (registry data of {self.data_date})")


def bundled_snapshot_bytes() -> bytes:
    """The bundled snapshot file (gzipped JSON), whatever `SNAPSHOT_FILE_ENV` says."""
    return resources.files("harvester.store").joinpath("data/snapshot.json.gz").read_bytes()


def read_snapshot() -> dict[str, Any]:
    """The snapshot's content: records (API v2 JSON), trial pages, data date and sources.

    Read from the file `SNAPSHOT_FILE_ENV` names, when set, else the bundled one. Raises `UsageError` when that
    file cannot be read.
    """
    override = os.environ.get(SNAPSHOT_FILE_ENV)
    if not override:
        return decode_snapshot(bundled_snapshot_bytes())
    try:
        return decode_snapshot(Path(override).read_bytes())
    except (OSError, ValueError, EOFError) as error:
        raise UsageError(f"{SNAPSHOT_FILE_ENV}={override}: not a readable snapshot file ({error})") from error


def decode_snapshot(data: bytes) -> dict[str, Any]:
    snapshot: dict[str, Any] = json.loads(gzip.decompress(data))
    return snapshot


def load_snapshot(store: Store) -> SnapshotInfo:
    """Store every snapshot record as a version (unchanged ones are not duplicated) and remember the snapshot."""
    snapshot = read_snapshot()
    parsed: dict[str, dict[str, Any]] = snapshot.get("parsed", {})
    run_id = store.start_run(RUN_KIND, {"data_date": snapshot["data_date"]})
    summary = HarvestSummary(run_id=run_id, data_timestamp=snapshot["data_date"])
    with store.transaction():
        for record in snapshot["records"]:
            data_date = record.get("derivedSection", {}).get("miscInfoModule", {}).get("versionHolder")
            fetched_at = data_date or snapshot["built"]
            try:
                nct_id = record_nct_id(record) or ""
                if nct_id in parsed:  # parsed when the snapshot was built: parsing again would double the load time
                    outcome = add_record_version(
                        store, record, nct_id=nct_id, last_update_posted=parsed[nct_id]["last_update_posted"],
                        fetched_at=fetched_at, source_url=SNAPSHOT_SOURCE_URL, data_timestamp=data_date,
                        run_id=run_id,
                    )
                else:
                    nct_id, outcome = store_record(store, record, fetched_at=fetched_at, api_url=None,
                                                   data_timestamp=data_date, run_id=run_id)
            except InvalidRecord as error:
                summary.skipped += 1
                logger.warning("skipped a snapshot record: %s", error)
                continue
            summary.stored(nct_id, outcome)
        for page in snapshot.get("pages", []):
            nct_id, outcome = store_page(store, page["html"], page["url"], fetched_at=page["fetched_at"],
                                         nct_id=page["nct_id"], run_id=run_id)
            summary.stored(nct_id, outcome)
        info = SnapshotInfo(data_date=snapshot["data_date"], built=snapshot["built"], records=len(snapshot["records"]),
                            pages=len(snapshot.get("pages", [])))
        store.set_meta(SNAPSHOT_META_KEY, json.dumps(info.__dict__))
        store.update_run(run_id, outcome="ok", finished_at=utc_now(), **summary.counters())
    return info


def snapshot_in_use(store: Store) -> SnapshotInfo | None:
    """The snapshot loaded into this store, if any."""
    value = store.get_meta(SNAPSHOT_META_KEY)
    return SnapshotInfo(**json.loads(value)) if value else None


def snapshot_only(store: Store) -> SnapshotInfo | None:
    """The snapshot, when it is all this store holds (no harvest has succeeded yet)."""
    info = snapshot_in_use(store)
    if info is None or store.has_succeeded_run(except_kind=RUN_KIND):
        return None
    return info


def ensure_data(store: Store) -> SnapshotInfo | None:
    """Load the bundled snapshot into an empty store; returns it when it was loaded now."""
    if store.count_trials():
        return None
    return load_snapshot(store)


def ensure_data_note(store: Store) -> str | None:
    """Load the bundled snapshot into an empty store, and say what a user should know about the data in use.

    The one policy for every command and the web server: an empty data dir gets the snapshot (said once, when it
    is loaded); a data dir holding only the snapshot says so, with how to get fresh data; else None.
    """
    loaded = ensure_data(store)
    if loaded:
        return f"empty data dir {store.path.parent}: loaded the {loaded.describe()}"
    if (snapshot := snapshot_only(store)) is not None:
        return f"using the {snapshot.describe()}; `trialwatch harvest` fetches fresh data"
    return None
