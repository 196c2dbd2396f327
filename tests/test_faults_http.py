"""Issue 15 faults at the HTTP and paging layer: long Retry-After, DNS, oversized and deep bodies, endless paging.

Pages are built from real snapshot records; the endless-paging tokens are derived faults, not registry data.
"""

from __future__ import annotations

import random

import httpx
import pytest

from harvester.errors import BadResponse, RateLimited, RegistryUnavailable
from harvester.registry.client import RegistryClient, StudyQuery
from harvester.registry.http import HttpSettings, PoliteClient
from tests.records import snapshot_ids, snapshot_record

API = "https://clinicaltrials.gov/api/v2"


def client_for(handler, clock, **settings) -> RegistryClient:
    http = PoliteClient(HttpSettings(min_interval=0.0, **settings), sleep=clock.sleep, clock=clock,
                        transport=httpx.MockTransport(handler), rng=random.Random(0))
    return RegistryClient(API, http=http)


@pytest.mark.parametrize("retry_after", ["86400", "Wed, 09 Dec 2026 00:00:00 GMT"])
def test_a_retry_after_beyond_max_wait_gives_up_at_once_naming_the_wait(clock, retry_after):
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(429, headers={"Retry-After": retry_after, "Date": "Tue, 08 Dec 2026 00:00:00 GMT"})

    with client_for(handler, clock) as client, pytest.raises(RateLimited) as raised:
        client.version()
    assert len(calls) == 1 and clock.sleeps == []
    assert "asks to wait 24.0 h" in str(raised.value) and "--max-wait" in str(raised.value)


def test_a_dns_failure_is_not_retried(clock):
    import socket

    calls = []

    def handler(request):
        calls.append(request)
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as error:
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from error

    with client_for(handler, clock) as client, pytest.raises(RegistryUnavailable, match="cannot resolve"):
        client.version()
    assert len(calls) == 1 and clock.sleeps == []


def test_a_body_over_the_limit_is_refused_without_reading_it_whole(clock):
    streamed = []

    def chunks():
        for _ in range(1000):
            streamed.append(1)
            yield b"x" * 1024

    handler = lambda request: httpx.Response(200, content=chunks())  # noqa: E731 (chunked: no Content-Length)
    with client_for(handler, clock, max_body_bytes=10_000) as client, pytest.raises(BadResponse, match="limit"):
        client.version()
    assert len(streamed) < 20  # stopped soon after the limit, not after 1,000 chunks


def test_json_nested_too_deep_is_an_unreadable_page_retried_then_reported(clock):
    body = b"[" * 5000 + b"]" * 5000
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    with client_for(handler, clock, max_attempts=3) as client, pytest.raises(BadResponse, match="nested"):
        list(client.iter_pages(StudyQuery(term="lupus")))
    assert len(calls) == 3


def _paging(studies_for, clock, pages_seen, total=None):
    def handler(request):
        number = len(pages_seen) + 1
        pages_seen.append(request)
        page = {"studies": studies_for(number), "nextPageToken": f"token-{number}"}
        if total is not None and number == 1:
            page["totalCount"] = total
        return httpx.Response(200, json=page)

    return client_for(handler, clock)


REAL = [snapshot_record(nct_id) for nct_id in snapshot_ids()[:4]]


@pytest.mark.parametrize("label, studies_for", [
    ("the same studies on every page", lambda number: REAL[:2]),
    ("empty pages", lambda number: []),
])
def test_pages_without_new_studies_stop_paging(clock, label, studies_for):
    pages_seen: list = []
    yielded = []
    with _paging(studies_for, clock, pages_seen) as client, pytest.raises(BadResponse, match="no new study"):
        for page in client.iter_pages(StudyQuery(term="lupus", page_size=2)):
            yielded.append(page)
    assert len(pages_seen) <= 5 and yielded  # what came before the guard was handed on


def test_a_repeated_token_stops_paging(clock):
    pages = iter([{"studies": REAL[:1], "nextPageToken": "a"}, {"studies": REAL[1:2], "nextPageToken": "a"}])
    with (
        client_for(lambda request: httpx.Response(200, json=next(pages)), clock) as client,
        pytest.raises(BadResponse, match="repeated page token"),
    ):
        list(client.iter_pages(StudyQuery(term="lupus")))


def test_more_studies_than_the_first_page_counted_stops_paging(clock):
    def distinct(number):  # each page a real record under a fresh (derived) id, so every page brings a new one
        record = snapshot_record(REAL[0]["protocolSection"]["identificationModule"]["nctId"])
        record["protocolSection"]["identificationModule"]["nctId"] = f"NCT{number:08d}"
        return [record]

    pages_seen: list = []
    with _paging(distinct, clock, pages_seen, total=3) as client, pytest.raises(BadResponse, match="more than"):
        list(client.iter_pages(StudyQuery(term="lupus", page_size=1, count_total=True)))
    assert len(pages_seen) < 10
