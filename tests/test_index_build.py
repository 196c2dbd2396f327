"""Building the index from the store: full rebuild, incremental update, atomic swap, one writer at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

import index.build
from harvester.errors import LockedError
from harvester.store.store import Store
from index.build import rebuild_index, update_index
from index.lock import writer_lock
from index.schema import SCHEMA_VERSION
from index.status import index_status
from index.storage import IndexLocation, IndexState, open_index, read_state, write_state
from tests.datadirs import copy_of, store_changed_version


def stored_ids(data_dir: Path) -> list[str]:
    with Store.open(data_dir) as store:
        return store.nct_ids()


def nct_ids_with(data_dir: Path, field: str, term: str) -> set[str]:
    from whoosh.query import Term

    with open_index(data_dir).searcher() as searcher:
        return {hit["nct_id"] for hit in searcher.search(Term(field, term), limit=None)}


@pytest.fixture
def data_dir(snapshot_template: Path, tmp_path: Path) -> Path:
    return copy_of(snapshot_template, tmp_path / "data")


def test_first_update_builds_every_stored_trial(data_dir):
    index_dir = IndexLocation.of(data_dir)
    generation = index_dir.current()
    with Store.open(data_dir) as store:
        version_id = store.max_version_id()
    assert read_state(generation) == IndexState(store_version_id=version_id, schema_version=SCHEMA_VERSION)
    with open_index(data_dir).searcher() as searcher:
        assert sorted(searcher.lexicon("nct_id")) == [nct_id.encode() for nct_id in stored_ids(data_dir)]
    assert index_status(data_dir, version_id) == "current"


def test_update_without_new_versions_does_nothing(data_dir):
    with Store.open(data_dir) as store:
        summary = update_index(store, data_dir)
    assert (summary.action, summary.documents) == ("unchanged", 0)
    assert summary.line() == "index: up to date"


def test_update_reindexes_only_the_trials_with_new_versions(data_dir, monkeypatch):
    store_changed_version(data_dir, "NCT05147467", overallStatus="COMPLETED")
    with Store.open(data_dir) as store:
        assert index_status(data_dir, store.max_version_id()) == "stale"
        indexed: list[str] = []
        document = index.build.trial_document
        monkeypatch.setattr(index.build, "trial_document",
                            lambda trial: indexed.append(trial.nct_id) or document(trial))
        summary = update_index(store, data_dir)
        assert index_status(data_dir, store.max_version_id()) == "current"
    assert indexed == ["NCT05147467"]
    assert (summary.action, summary.documents) == ("updated", 1)
    assert summary.line().startswith("index: updated, 1 changed trials in ")
    assert "NCT05147467" in nct_ids_with(data_dir, "status", "completed")
    assert "NCT05147467" not in nct_ids_with(data_dir, "status", "recruiting")
    with open_index(data_dir).searcher() as searcher:
        assert searcher.doc_count() == len(stored_ids(data_dir))  # replaced, not added


def test_update_rebuilds_an_index_of_another_schema_version(data_dir):
    generation = IndexLocation.of(data_dir).current()
    write_state(generation, IndexState(store_version_id=10**6, schema_version=SCHEMA_VERSION - 1))
    with Store.open(data_dir) as store:
        summary = update_index(store, data_dir)
    assert (summary.action, summary.documents) == ("rebuilt", len(stored_ids(data_dir)))
    assert IndexLocation.of(data_dir).current() != generation


def test_a_searcher_opened_before_a_rebuild_keeps_working(data_dir):
    location = IndexLocation.of(data_dir)
    first = location.current()
    searcher = open_index(data_dir).searcher()
    try:
        with Store.open(data_dir) as store:
            rebuild_index(store, data_dir)
            second = location.current()
            assert second != first and first.is_dir()  # the replaced generation is kept for readers like this one
            from whoosh.query import Term

            assert [hit["nct_id"] for hit in searcher.search(Term("drugs", "keytruda"))] == ["NCT04267848"]
            rebuild_index(store, data_dir)
    finally:
        searcher.close()
    generations = sorted(path.name for path in location.root.iterdir() if path.is_dir())
    assert generations == [second.name, location.current().name]  # older generations are removed


def test_a_failed_rebuild_leaves_the_live_index_alone(data_dir, monkeypatch):
    location = IndexLocation.of(data_dir)
    live = location.current()
    document, seen = index.build.trial_document, []

    def fail_on_the_tenth(trial):
        seen.append(trial.nct_id)
        if len(seen) == 10:
            raise RuntimeError("disk on fire")
        return document(trial)

    monkeypatch.setattr(index.build, "trial_document", fail_on_the_tenth)
    with Store.open(data_dir) as store, pytest.raises(RuntimeError, match="disk on fire"):
        rebuild_index(store, data_dir)
    assert location.current() == live
    assert sorted(path for path in location.root.iterdir() if path.is_dir()) == [live]  # the half-built one is gone
    assert "NCT04267848" in nct_ids_with(data_dir, "drugs", "keytruda")


def test_a_second_writer_waits_then_fails_clearly(data_dir):
    location = IndexLocation.of(data_dir)
    with Store.open(data_dir) as store, writer_lock(location.lock_path):
        with pytest.raises(LockedError) as raised:
            update_index(store, data_dir, lock_timeout=0.2)
        with pytest.raises(LockedError):
            rebuild_index(store, data_dir, lock_timeout=0.2)
    assert "being written by another trialwatch process (pid " in str(raised.value)
    assert "waited 0.2 s)" in str(raised.value)
    assert raised.value.hint
    with Store.open(data_dir) as store:  # the lock is free again, and the index was not touched
        assert update_index(store, data_dir, lock_timeout=0.2).action == "unchanged"


def test_a_second_writer_in_another_process_is_refused(data_dir):
    import subprocess
    import sys

    # the context manager closes the pipe and waits for the killed holder
    with subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from index.lock import writer_lock\n"
         f"with writer_lock(Path({str(IndexLocation.of(data_dir).lock_path)!r})):\n"
         "    print('locked', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent,
    ) as holder:
        try:
            assert holder.stdout.readline().strip() == "locked"
            with Store.open(data_dir) as store, pytest.raises(LockedError):
                update_index(store, data_dir, lock_timeout=0.3)
        finally:
            holder.kill()
    with Store.open(data_dir) as store:  # a killed holder leaves no stale lock behind
        assert update_index(store, data_dir, lock_timeout=1).action == "unchanged"


def test_a_trial_that_cannot_be_read_is_left_out_with_a_warning(data_dir, caplog):
    with Store.open(data_dir) as store, store.transaction():
        store.add_version(nct_id="NCT09999999", source="page", raw=b"<html><body>Not a trial</body></html>",
                          content_hash="sha256:unreadable", fetched_at="2026-03-07T00:00:00+00:00",
                          source_url="https://example.org/trial")
    with Store.open(data_dir) as store:
        summary = rebuild_index(store, data_dir)
    assert summary.documents == len(stored_ids(data_dir)) - 1
    assert "left NCT09999999 out of the search index" in caplog.text
    assert "NCT04267848" in nct_ids_with(data_dir, "drugs", "keytruda")


@pytest.mark.parametrize(("machine_gb", "processes", "expected_mb"), [
    (24, 2, 3072), (8, 2, 1024), (64, 2, 4096), (1, 2, 256), (8, 1, 2048),
])
def test_writer_memory_is_a_share_of_the_machine_within_bounds(monkeypatch, machine_gb, processes, expected_mb):
    sizes = {"SC_PHYS_PAGES": machine_gb * 2**30 // 4096, "SC_PAGE_SIZE": 4096}
    monkeypatch.setattr(index.build.os, "sysconf", sizes.__getitem__)
    assert index.build.writer_memory_mb(processes) == expected_mb
