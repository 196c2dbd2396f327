"""`prefetched` (a source read one item ahead in a thread) and the harvest that fetches the next page with it while
it stores the current one: order, bounded read-ahead, errors raised where the item would have been, and a consumer
that stops (a failure, an interrupt) stopping the thread, with no request after it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from harvester.errors import BadResponse
from harvester.registry import harvest
from harvester.registry.client import RegistryClient, StudyQuery
from harvester.registry.harvest import harvest_query
from harvester.registry.http import HttpSettings, PoliteClient
from harvester.registry.prefetch import prefetched
from tests.records import snapshot_ids, snapshot_record


def prefetch_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "prefetch"]


class Source:
    """Counts, yielding 0, 1, 2 ... up to `stop`; notes how far the consumer had got when each item was read."""

    def __init__(self, stop: int | None = None, *, fail_at: int | None = None) -> None:
        self.stop, self.fail_at = stop, fail_at
        self.consumed = 0
        self.read_when: list[int] = []
        self.closed = False

    def items(self) -> Iterator[int]:
        number = 0
        try:
            while self.stop is None or number < self.stop:
                if number == self.fail_at:
                    raise BadResponse(f"item {number} is unreadable")
                self.read_when.append(self.consumed)
                yield number
                number += 1
        finally:
            self.closed = True


@pytest.mark.parametrize("ahead", [1, 3])
def test_every_item_comes_in_order_and_the_source_is_never_read_more_than_ahead_items_ahead(ahead):
    source = Source(50)
    received = []
    with prefetched(source.items(), ahead) as items:
        for item in items:
            received.append(item)
            source.consumed += 1
            time.sleep(0.001 if item % 7 == 0 else 0)  # a slow consumer now and then: the source waits
    assert received == list(range(50))
    assert all(number - consumed <= ahead for number, consumed in enumerate(source.read_when))
    assert source.closed and prefetch_threads() == []


def test_an_error_of_the_source_is_raised_where_its_item_would_have_been():
    source = Source(fail_at=3)
    received = []
    items = prefetched(source.items())
    with pytest.raises(BadResponse, match="item 3 is unreadable") as raised:
        for item in items:
            received.append(item)
    assert received == [0, 1, 2]
    assert any(frame.name == "items" for frame in raised.traceback)  # raised with the source's own traceback
    assert not items.running and source.closed
    assert list(items) == []  # raised once; then the items are over


def test_a_consumer_that_stops_early_stops_the_source_and_leaves_no_thread():
    source = Source()  # endless
    with prefetched(source.items()) as items:
        for item in items:
            source.consumed += 1
            if item == 4:
                break
    assert not items.running and prefetch_threads() == []
    assert source.closed  # the generator was closed, in its own thread
    assert len(source.read_when) <= 6  # the five consumed and at most the one read ahead


def test_a_consumer_failing_while_the_source_waits_interrupts_the_wait_and_joins_at_once():
    waiting, woken = threading.Event(), threading.Event()

    def slow() -> Iterator[int]:
        yield 0
        waiting.set()
        woken.wait(60)  # a politeness or backoff wait, cut short only by the interrupt
        yield 1

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), prefetched(slow(), interrupt=woken.set) as items:
        for _ in items:
            waiting.wait(10)
            raise KeyboardInterrupt
    assert time.monotonic() - started < 10 and woken.is_set()
    assert not items.running and prefetch_threads() == []


def test_ahead_must_be_positive():
    with pytest.raises(ValueError, match="ahead must be 1 or more"):
        prefetched(iter([]), 0)


# --- the harvest ------------------------------------------------------------------------------------------------

IDS = snapshot_ids()[:6]


def paged_registry(requests: list[str]) -> httpx.MockTransport:
    """/version and three pages of two real records each (DERIVED: real records, pages of this test's own)."""

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request.url.params.get("pageToken", request.url.path.rsplit("/", 1)[-1]))
        if request.url.path.endswith("/version"):
            return httpx.Response(200, json={"apiVersion": "2.0.5", "dataTimestamp": "2026-11-24T09:00:00"})
        page = int(request.url.params.get("pageToken", "0"))
        body = {"studies": [snapshot_record(nct_id) for nct_id in IDS[2 * page: 2 * page + 2]]}
        if page < 2:
            body["nextPageToken"] = str(page + 1)
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    return httpx.MockTransport(answer)


def test_a_harvest_with_the_next_page_fetched_meanwhile_stores_every_page_in_order(store):
    requests: list[str] = []
    http = PoliteClient(HttpSettings(min_interval=0), transport=paged_registry(requests))
    with RegistryClient(http=http) as client:
        summary = harvest_query(client, store, StudyQuery(condition="x", page_size=2))
    assert requests == ["version", "studies", "1", "2"]
    assert summary.line() == "fetched 6, new 6, changed 0, unchanged 0" and summary.changed_ids == IDS
    assert prefetch_threads() == []


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_a_store_failure_stops_the_fetching_with_no_request_after_it_and_keeps_the_pages_committed(
    store, monkeypatch, failure
):
    """The second page fails to store while the thread waits its turn (1 min apart) to ask for the third: the wait
    is cut short, the third page is never asked for, the first stays stored, the run is recorded."""
    requests: list[str] = []
    resting = threading.Event()
    rests: list[float] = []
    real_rest = PoliteClient._rest

    def rest(client: PoliteClient, seconds: float) -> None:
        rests.append(seconds)
        if len(rests) == 3:  # before the third page (the first two waits are skipped, as the `waits` fixture does)
            resting.set()
            real_rest(client, seconds)

    monkeypatch.setattr(PoliteClient, "_rest", rest)
    real_store_batch = harvest._store_batch
    batches = []

    def store_batch(*args, **kwargs) -> None:
        batches.append(1)
        if len(batches) == 2:
            assert resting.wait(10)
            raise failure
        real_store_batch(*args, **kwargs)

    monkeypatch.setattr(harvest, "_store_batch", store_batch)
    http = PoliteClient(HttpSettings(min_interval=60), transport=paged_registry(requests))
    started = time.monotonic()
    with RegistryClient(http=http) as client, pytest.raises(type(failure)):
        harvest_query(client, store, StudyQuery(condition="x", page_size=2))
    assert time.monotonic() - started < 30  # not the minute's wait
    assert requests == ["version", "studies", "1"]
    assert prefetch_threads() == []
    assert store.nct_ids() == sorted(IDS[:2])
    run = store.runs()[0]
    assert run.outcome == ("interrupted" if isinstance(failure, KeyboardInterrupt) else "failed") and run.new == 2
    # the client was not left interrupted: it asks again, and is answered
    assert RegistryClient(http=http).version().api_version == "2.0.5" and requests[-1] == "version"
