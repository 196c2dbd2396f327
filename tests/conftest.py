"""Shared pytest options and fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import vcr as vcrpy
from vcr.cassette import Cassette

from harvester.store.store import Store
from tests.datadirs import build_snapshot_data_dir
from tests.fakes import FakeClock, SpyTransport

CASSETTE_DIR = Path(__file__).resolve().parent.parent / "cassettes"

#: a request matches a recorded one on all of these; `query` compares the parsed, sorted parameters
MATCH_ON = ("method", "scheme", "host", "port", "path", "query")


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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def spy() -> SpyTransport:
    return SpyTransport()


@pytest.fixture(scope="session")
def snapshot_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the bundled snapshot and its index, built once: tests work on a `copy_of` it."""
    return build_snapshot_data_dir(tmp_path_factory.mktemp("snapshot-template"))


@pytest.fixture
def store() -> Iterator[Store]:
    """An empty in-memory store (`Store.in_memory()`), closed after the test."""
    with Store.in_memory() as opened:
        yield opened
