"""The store's schema: a data dir from an older release upgrades in place; one from a newer release is refused."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester.errors import StoreError
from harvester.history.events import query_events
from harvester.history.watches import Watches
from harvester.store.schema import SCHEMA_VERSION
from harvester.store.store import STORE_FILENAME, Store
from harvester.store.trials import load_trial
from trialwatch.cli import cli

SCHEMA_1 = Path(__file__).parent / "fixtures" / "datadirs" / "schema-1"


def rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()


def test_a_schema_1_data_dir_upgrades_in_place_with_nothing_lost(tmp_path):
    data_dir = Path(shutil.copytree(SCHEMA_1, tmp_path / "data"))
    file = data_dir / STORE_FILENAME
    before = {table: rows(file, table) for table in ("trials", "versions", "runs", "watches", "watch_trials", "events")}
    before_meta = dict(rows(file, "meta"))
    assert before_meta["schema_version"] == "1"

    with Store.open(data_dir) as store:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert store.count_trials() == 5 and store.count_versions() == 6
        assert load_trial(store, "NCT00973089").overall_status == "COMPLETED"
        assert [w.name for w in Watches(store).all()] == ["cle", "lupus"]
        assert sorted(e.kind for e in query_events(store)) == ["dropped", "new", "new", "new", "new", "status"]

    after_meta = dict(rows(file, "meta"))
    assert {**before_meta, "schema_version": str(SCHEMA_VERSION)} == after_meta
    after = {table: rows(file, table) for table in before}
    assert {row[-1] for row in after["watches"]} == {None}  # watches.notify_url, added by schema 4
    after["watches"] = [row[:-1] for row in after["watches"]]
    assert after == before


def test_a_schema_1_data_dir_without_watch_or_event_tables_gets_them(tmp_path):
    data_dir = Path(shutil.copytree(SCHEMA_1, tmp_path / "data"))
    with contextlib.closing(sqlite3.connect(data_dir / STORE_FILENAME)) as db:
        db.executescript("DROP TABLE events; DROP TABLE watch_trials; DROP TABLE watches;"
                         " DELETE FROM meta WHERE key = 'watches_defaults_created'")
    with Store.open(data_dir) as store:
        assert query_events(store) == []
        assert [w.name for w in Watches(store).all()] == ["lupus"]
        assert store.count_versions() == 6


def test_a_data_dir_from_a_newer_release_is_refused_untouched(tmp_path):
    with Store.open(tmp_path):
        pass
    file = tmp_path / STORE_FILENAME
    with contextlib.closing(sqlite3.connect(file)) as db, db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreError, match=f"newer trialwatch .schema {SCHEMA_VERSION + 1}") as raised:
        Store.open(tmp_path)
    assert "\n" not in str(raised.value)
    assert dict(rows(file, "meta"))["schema_version"] == str(SCHEMA_VERSION + 1)


def test_an_in_memory_store_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with Store.in_memory() as store:
        assert store.count_trials() == 0
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert list(tmp_path.iterdir()) == []


def test_the_cli_refuses_a_newer_data_dir_in_one_line(tmp_path):
    with Store.open(tmp_path):
        pass
    with contextlib.closing(sqlite3.connect(tmp_path / STORE_FILENAME)) as db, db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    result = CliRunner().invoke(cli, ["show", "NCT00973089", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "newer trialwatch" in result.stderr
    assert "Traceback" not in result.output
