"""Shared pytest options and fixtures."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import vcr as vcrpy
from click.testing import CliRunner, Result
from vcr.cassette import Cassette

from harvester.store.snapshot import SNAPSHOT_FILE_ENV, bundled_snapshot_bytes, decode_snapshot
from harvester.store.store import Store
from tests.datadirs import build_snapshot_data_dir
from tests.fakes import FakeClock, SpyTransport

CASSETTE_DIR = Path(__file__).resolve().parent.parent / "cassettes"

#: a request matches a recorded one on all of these; `query` compares the parsed, sorted parameters
MATCH_ON = ("method", "scheme", "host", "port", "path", "query")


#: the bundled snapshot's sources whose records the tests' snapshot keeps: the single records and list pages
TEST_SNAPSHOT_SOURCES = ("ctgov/records/", "ctgov/pages/")
_test_snapshot_dir: str | None = None


def test_snapshot(bundled: dict[str, Any]) -> dict[str, Any]:
    """The tests' snapshot: the bundled records read from single records and list pages, the lupus trials, and the
    bundled trial pages. Indexing all ~650 bundled trials takes ~20 s, too long to do in tests more than once
    (tests/test_snapshot.py checks the whole bundled snapshot without an index)."""

    def kept(record: dict[str, Any]) -> bool:
        nct_id = record["protocolSection"]["identificationModule"]["nctId"]
        conditions = record["protocolSection"].get("conditionsModule", {}).get("conditions", [])
        return (bundled["sources"][nct_id].startswith(TEST_SNAPSHOT_SOURCES)
                or any("lupus" in condition.lower() for condition in conditions))

    records = [record for record in bundled["records"] if kept(record)]
    kept_ids = {record["protocolSection"]["identificationModule"]["nctId"] for record in records}
    sources = {nct_id: source for nct_id, source in bundled["sources"].items() if nct_id in kept_ids}
    data_date = max(record.get("derivedSection", {}).get("miscInfoModule", {}).get("versionHolder", "")
                    for record in records)
    return {**bundled, "records": records, "sources": sources, "data_date": data_date}


def pytest_configure(config: pytest.Config) -> None:
    """Every test (and every trialwatch process a test starts) loads the tests' snapshot into an empty data dir."""
    global _test_snapshot_dir
    _test_snapshot_dir = tempfile.mkdtemp(prefix="trialwatch-test-snapshot-")
    path = Path(_test_snapshot_dir) / "snapshot.json.gz"
    subset = test_snapshot(decode_snapshot(bundled_snapshot_bytes()))
    path.write_bytes(gzip.compress(json.dumps(subset, ensure_ascii=False).encode(), compresslevel=1))
    os.environ[SNAPSHOT_FILE_ENV] = str(path)


def pytest_unconfigure(config: pytest.Config) -> None:
    os.environ.pop(SNAPSHOT_FILE_ENV, None)
    if _test_snapshot_dir:
        shutil.rmtree(_test_snapshot_dir, ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record",
        action="store_true",
        default=False,
        help="re-record the live-recordable cassettes from the real ClinicalTrials.gov API (needs network)",
    )


def record_mode(record: bool) -> str:
    """vcrpy record mode: replay only, or re-record everything from the live API."""
    return "all" if record else "none"


@pytest.fixture(scope="session")
def recording(pytestconfig: pytest.Config) -> bool:
    """True under ``--record``: tests then talk to the live API and should wait for real."""
    return bool(pytestconfig.getoption("record"))


@pytest.fixture(scope="session")
def vcr(recording: bool) -> vcrpy.VCR:
    """The project's vcrpy configuration: cassettes in <repo>/cassettes, replay-only unless ``--record``."""
    return vcrpy.VCR(
        cassette_library_dir=str(CASSETTE_DIR),
        record_mode=record_mode(recording),
        match_on=MATCH_ON,
        decode_compressed_response=True,
        drop_unused_requests=recording,  # a re-recording drops stale interactions; a replay never writes
    )


@pytest.fixture
def cassette(vcr: vcrpy.VCR, recording: bool) -> Callable[..., AbstractContextManager[Cassette]]:
    """``with cassette("study_single.yaml") as cass:`` replays (or under ``--record`` re-records) a cassette.

    Pass ``recordable=False`` for cassettes the live API cannot reproduce on demand (a 429, a 503, a made-up
    alias): they are always replayed, never overwritten.
    """

    @contextmanager
    def use(name: str, *, recordable: bool = True) -> Iterator[Cassette]:
        live = recording and recordable
        with vcr.use_cassette(name, record_mode=record_mode(live), drop_unused_requests=live) as cass:
            yield cass

    return use


@pytest.fixture(autouse=True)
def no_traceback_in_cli_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every CLI run of the suite (`CliRunner.invoke`) fails its test if it ends in an exception or prints a traceback:
    bad input is a one-line error and an exit code, never a traceback (issue 15)."""
    invoke = CliRunner.invoke

    def checked(self: CliRunner, *args: Any, **kwargs: Any) -> Result:
        result = invoke(self, *args, **kwargs)
        assert "Traceback (most recent call last)" not in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"the command ended in {result.exception!r}:\n{result.output}")
        return result

    monkeypatch.setattr(CliRunner, "invoke", checked)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def spy() -> SpyTransport:
    return SpyTransport()


class _TimeWithoutSleep(ModuleType):
    """The `time` module for one module under test: every attribute is the real one, but `sleep` only records."""

    def __init__(self, waits: list[float]) -> None:
        super().__init__("time")
        self.sleep = waits.append

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds the HTTP clients (registry backoff and spacing, webhook retries) asked to wait: kept, not slept.

    For tests that go through the CLI, where no fake clock can be injected (a registry client's own wait, which an
    interrupt cuts short, and the webhook's `time.sleep`); other modules keep the real sleep.
    """
    requested: list[float] = []
    monkeypatch.setattr("harvester.registry.http.PoliteClient._rest", lambda _client, seconds: requested.append(seconds))
    monkeypatch.setattr("harvester.history.webhook.time", _TimeWithoutSleep(requested))
    return requested


@pytest.fixture(scope="session")
def snapshot_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the bundled snapshot and its index, built once: tests work on a `copy_of` it."""
    return build_snapshot_data_dir(tmp_path_factory.mktemp("snapshot-template"))


@pytest.fixture
def store() -> Iterator[Store]:
    """An empty in-memory store (`Store.in_memory()`), closed after the test."""
    with Store.in_memory() as opened:
        yield opened
