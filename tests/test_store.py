"""The versioned store: versions only on content change, transactions, the bundled snapshot."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from harvester.errors import InvalidRecord, NotInStore
from harvester.registry.harvest import store_record
from harvester.store.snapshot import ensure_data, read_snapshot, snapshot_in_use, snapshot_only
from harvester.store.store import STORE_FILENAME, Store, canonical_api_hash
from harvester.store.trials import iter_trials, load_trial
from harvester.terms import normalize_nct_id
from tests.records import fixture_record, snapshot_record


def _save(store, record, run_id=None):
    with store.transaction():
        return store_record(store, record, fetched_at="2026-11-25T00:00:00+00:00",
                            api_url="https://clinicaltrials.gov/api/v2", data_timestamp=None, run_id=run_id)


def test_newer_snapshot_with_only_volatile_differences_is_unchanged(store):
    older = fixture_record("NCT02552212.v2.vh-2023-12-12.json")
    newer = fixture_record("NCT02552212.v2.vh-2024-01-03.json")
    assert older != newer
    assert canonical_api_hash(older) == canonical_api_hash(newer)
    assert _save(store, older) == ("NCT02552212", "new")
    assert _save(store, newer) == ("NCT02552212", "unchanged")
    assert len(store.versions("NCT02552212")) == 1


def test_a_real_change_adds_a_version_and_keeps_the_old_one(store):
    record = snapshot_record("NCT04523987")
    _save(store, record)
    changed = snapshot_record("NCT04523987")  # derived: status RECRUITING -> SUSPENDED
    changed["protocolSection"]["statusModule"]["overallStatus"] = "SUSPENDED"
    assert _save(store, changed) == ("NCT04523987", "changed")
    versions = store.versions("NCT04523987")
    assert [v.json()["protocolSection"]["statusModule"]["overallStatus"] for v in versions] == ["RECRUITING", "SUSPENDED"]
    assert load_trial(store, normalize_nct_id("nct04523987")).overall_status == "SUSPENDED"
    assert versions[0].source_url == "https://clinicaltrials.gov/api/v2/studies/NCT04523987"


def test_raw_json_is_kept_compressed_and_intact(tmp_path):
    record = snapshot_record("NCT04267848")
    with Store.open(tmp_path) as store:
        _save(store, record)
        assert store.latest_version("NCT04267848").json() == record
    with contextlib.closing(sqlite3.connect(tmp_path / STORE_FILENAME)) as db:
        size = db.execute("SELECT length(raw) FROM versions").fetchone()[0]
    assert size < len(str(record)) / 4


def test_a_failed_transaction_leaves_the_store_as_it_was(store):
    _save(store, snapshot_record("NCT04523987"))
    broken = snapshot_record("NCT04267848")  # derived: nctId removed
    del broken["protocolSection"]["identificationModule"]["nctId"]
    with pytest.raises(InvalidRecord), store.transaction():
        store_record(store, snapshot_record("NCT00184067"), fetched_at="2026-11-25T00:00:00+00:00",
                     api_url=None, data_timestamp=None, run_id=None)
        store_record(store, broken, fetched_at="2026-11-25T00:00:00+00:00", api_url=None, data_timestamp=None,
                     run_id=None)
    assert store.nct_ids() == ["NCT04523987"]


def test_unknown_trial_is_reported(store):
    with pytest.raises(NotInStore, match="NCT00000001"):
        load_trial(store, "NCT00000001")


def test_changed_after_reports_only_newer_versions(store):
    _save(store, snapshot_record("NCT04523987"))
    mark = store.max_version_id()
    _save(store, snapshot_record("NCT04267848"))
    _save(store, snapshot_record("NCT04523987"))
    changed, newest = store.trials_changed_after(mark)
    assert changed == ["NCT04267848"]
    assert newest == store.max_version_id()


def test_empty_store_gets_the_bundled_snapshot_once(store):
    info = ensure_data(store)
    snapshot = read_snapshot()
    assert info.records == len(snapshot["records"])
    assert store.count_trials() == len(snapshot["records"]) + len(snapshot["pages"])  # the page trials have no record
    assert info.data_date == snapshot["data_date"]
    assert snapshot_in_use(store) == info == snapshot_only(store)
    assert ensure_data(store) is None
    assert {t.nct_id for t in iter_trials(store)} == set(store.nct_ids())
    assert store.latest_version("NCT04267848").source_url == "trialwatch:bundled-snapshot"
