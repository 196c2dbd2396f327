"""Test doubles for time, HTTP and the registry, shared by the client, page-fetcher, harvest and refresh tests.

mypy checks this file (pyproject's ``[tool.mypy] files``), so a double that no longer fits what it stands in for
(`RecordedSource` for a `StudySource`) fails the type check, not only the tests that use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import httpx

from harvester.errors import StudyNotFound
from harvester.registry import DEFAULT_API_URL
from harvester.registry.client import RegistryVersion, StudyPage, StudyQuery
from harvester.registry.parse import record_nct_id
from harvester.terms import NctId

if TYPE_CHECKING:
    from harvester.registry.source import StudySource


class FakeClock:
    """Monotonic seconds that move only when slept on; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class SpyTransport(httpx.BaseTransport):
    """Keeps every request, then sends it through a real HTTPTransport (which vcrpy replaces)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()

    def params(self) -> list[dict[str, str]]:
        return [dict(request.url.params) for request in self.requests]


class RecordedSource:
    """A `StudySource` that answers from records in memory: every listing returns all `listed` records,
    `query.page_size` a page (it applies no filter), and `fetch_study` finds any record it was given, listed or not.
    `queries` and `fetched` keep what was asked."""

    def __init__(self, listed: Iterable[dict[str, Any]], *, unlisted: Iterable[dict[str, Any]] = (),
                 data_timestamp: str | None = "2025-09-11T09:15:04", base_url: str = DEFAULT_API_URL) -> None:
        self.listed = list(listed)
        self.unlisted = list(unlisted)
        self.data_timestamp = data_timestamp
        self.base_url = base_url
        self.queries: list[StudyQuery] = []
        self.fetched: list[NctId] = []

    def version(self) -> RegistryVersion:
        return RegistryVersion(api_version="2.0.5", data_timestamp=self.data_timestamp)

    def iter_pages(self, query: StudyQuery) -> Iterator[StudyPage]:
        self.queries.append(query)
        size = query.page_size
        starts = range(0, len(self.listed), size) or range(1)
        for number, start in enumerate(starts, 1):
            last = start + size >= len(self.listed)
            yield StudyPage(number=number, studies=self.listed[start:start + size],
                            next_page_token=None if last else f"page-{number + 1}",
                            total_count=len(self.listed) if number == 1 and query.count_total else None)

    def interruptible(self) -> AbstractContextManager[Callable[[], None]]:
        """Nothing to cut short: its pages are in memory."""
        return nullcontext(lambda: None)

    def fetch_study(self, nct_id: NctId) -> dict[str, Any]:
        self.fetched.append(nct_id)
        for record in (*self.listed, *self.unlisted):
            if record_nct_id(record) == nct_id:
                return record
        raise StudyNotFound(f"ClinicalTrials.gov has no study {nct_id}")


if TYPE_CHECKING:  # what mypy checks here: the double is accepted where the code takes a StudySource
    _source: StudySource = RecordedSource([])
