"""Data dirs for index and search tests: the bundled snapshot with its index, copies of it, changed versions."""

from __future__ import annotations

import shutil
from pathlib import Path

from harvester.registry.harvest import store_record
from harvester.store.snapshot import ensure_data
from harvester.store.store import Store
from index.build import update_index
from tests.records import snapshot_record


def build_snapshot_data_dir(data_dir: Path) -> Path:
    """A data dir holding the bundled snapshot and its index."""
    with Store.open(data_dir) as store:
        ensure_data(store)
        update_index(store, data_dir)
    return data_dir


def store_changed_version(data_dir: Path, nct_id: str, **status_changes: str) -> None:
    """Store a new version of a snapshot record, as a harvest would, with statusModule fields changed."""
    record = snapshot_record(nct_id)
    record["protocolSection"]["statusModule"].update(status_changes)
    with Store.open(data_dir) as store, store.transaction():
        store_record(store, record, fetched_at="2026-03-07T00:00:00+00:00", api_url="http://registry.test",
                     data_timestamp=None, run_id=None)


def copy_of(data_dir: Path, target: Path) -> Path:
    shutil.copytree(data_dir, target)
    return target
