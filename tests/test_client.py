"""RegistryClient and PoliteClient: cassette replays of the API, and retry logic against httpx.MockTransport.

Golden values (NCT ids, tokens, totals) hold for the shipped cassettes; re-recorded ones will differ.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from collections.abc import Callable, Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harvester.errors import (
    BadRequest,
    BadResponse,
    RateLimited,
    RegistryError,
    RegistryUnavailable,
    StudyNotFound,
    UsageError,
)
from harvester.models import OverallStatus
from harvester.registry.client import RegistryClient, RegistryVersion, StudyQuery
from harvester.registry.http import HttpSettings, PoliteClient, backoff_delay, parse_retry_after
from harvester.terms import normalize_nct_id
from tests.fakes import FakeClock, SpyTransport

API = "https://clinicaltrials.gov/api/v2"
SEARCH = StudyQuery(condition="lupus", intervention="lenalidomide", page_size=2)
COUNTED = StudyQuery(condition="lupus", intervention="lenalidomide", page_size=1, count_total=True)


def _registry(clock: FakeClock, spy: SpyTransport, *, live: bool) -> Iterator[RegistryClient]:
    timing = {} if live else {"sleep": clock.sleep, "clock": clock}
    with PoliteClient(HttpSettings(min_interval=1.0), transport=spy, rng=random.Random(0), **timing) as http:
        yield RegistryClient(http=http)


@pytest.fixture
def registry(clock: FakeClock, spy: SpyTransport, recording: bool) -> Iterator[RegistryClient]:
    """A RegistryClient on the cassettes, waiting on the fake clock (for real when ``--record`` goes live)."""
    yield from _registry(clock, spy, live=recording)


@pytest.fixture
def replay_registry(clock: FakeClock, spy: SpyTransport) -> Iterator[RegistryClient]:
    """A RegistryClient on the fake clock, for the cassettes that are never re-recorded."""
    yield from _registry(clock, spy, live=False)


Handler = Callable[[httpx.Request], httpx.Response]


def mock_http(handler: Handler, clock: FakeClock, **settings: float) -> PoliteClient:
    """A PoliteClient on an httpx.MockTransport; no spacing between requests unless `min_interval` is given."""
    options = {"min_interval": 0.0, **settings}
    return PoliteClient(
        HttpSettings(**options), sleep=clock.sleep, clock=clock, transport=httpx.MockTransport(handler),
        rng=random.Random(0),
    )


def answers(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler giving `responses` in order, the last one forever (exceptions are raised), and its requests."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


def page(studies: list[dict], token: str | None = None) -> httpx.Response:
    body: dict = {"studies": studies}
    if token is not None:
        body["nextPageToken"] = token
    return httpx.Response(200, json=body)


RECORD = {"protocolSection": {"identificationModule": {"nctId": "NCT04267848"}}, "hasResults": False}


# --- cassettes -----------------------------------------------------------------------------------------------


def test_paging_visits_every_page_and_stops_at_the_one_without_a_token(registry, spy, cassette):
    with cassette("search_multipage.yaml"):
        pages = list(registry.iter_pages(SEARCH))

    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.next_page_token for p in pages] == ["NF0g5JCG", "NF0g5JE", None]
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for p in pages for s in p.studies]
    assert ids == ["NCT00184067", "NCT03934567", "NCT04523987", "NCT06388018"]
    assert len(ids) == sum(len(p.studies) for p in pages) == 4
    assert all(p.total_count is None for p in pages)

    first, *later = spy.params()
    assert first == {"format": "json", "markupFormat": "markdown", "query.cond": "lupus",
                     "query.intr": "lenalidomide", "pageSize": "2"}
    assert later == [{**first, "pageToken": "NF0g5JCG"}, {**first, "pageToken": "NF0g5JE"}]


def test_count_total_is_sent_once_and_an_empty_page_does_not_end_paging(registry, spy, cassette):
    with cassette("search_count_total_empty_page.yaml"):
        pages = list(registry.iter_pages(COUNTED))

    assert [p.total_count for p in pages] == [3787, None, None]
    assert [len(p.studies) for p in pages] == [1, 0, 1]
    assert pages[-1].next_page_token is None
    first, *later = spy.params()
    assert first["countTotal"] == "true"
    without_count = {name: value for name, value in first.items() if name != "countTotal"}
    assert later == [{**without_count, "pageToken": "ZVNj7o2Elu8o3lppVtqgtbrumpOQJJxuZfel0A"},
                     {**without_count, "pageToken": "DERIVEDemptyPage"}]


@pytest.mark.parametrize("given", ["NCT04267848", " nct04267848 "])
def test_fetch_study_returns_the_record_and_asks_for_json_and_markdown(registry, spy, cassette, given):
    with cassette("study_single.yaml"):
        record = registry.fetch_study(normalize_nct_id(given))  # as the command line hands it any spelling

    assert record["protocolSection"]["identificationModule"]["nctId"] == "NCT04267848"
    assert record["protocolSection"]["statusModule"]["overallStatus"] == "RECRUITING"
    assert record["derivedSection"]["miscInfoModule"]["versionHolder"] == "2025-09-11"
    (request,) = spy.requests
    assert request.url.path == "/api/v2/studies/NCT04267848"
    assert dict(request.url.params) == {"format": "json", "markupFormat": "markdown"}
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("trialwatch/")


def test_version(registry, cassette):
    with cassette("version.yaml"):
        assert registry.version() == RegistryVersion(api_version="2.0.5", data_timestamp="2025-09-11T09:15:04")


def test_unknown_study_raises_study_not_found_naming_the_id(registry, cassette):
    with cassette("study_404.yaml"), pytest.raises(StudyNotFound, match="NCT99999999") as caught:
        registry.fetch_study("NCT99999999")
    assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)
    assert caught.value.__cause__.response.status_code == 404


def test_an_alias_id_is_redirected_and_the_hop_waits_its_turn(replay_registry, spy, clock, cassette):
    with cassette("study_alias_301.yaml", recordable=False) as cass:
        record = replay_registry.fetch_study("NCT99999998")
        assert cass.all_played

    assert record["protocolSection"]["identificationModule"]["nctId"] == "NCT00973089"
    assert [r.url.path for r in spy.requests] == ["/api/v2/studies/NCT99999998", "/api/v2/studies/NCT00973089"]
    assert clock.sleeps == [1.0]


def test_429_then_success_honours_retry_after(replay_registry, clock, cassette, caplog):
    with cassette("rate_limited_429_then_ok.yaml", recordable=False) as cass:
        record = replay_registry.fetch_study("NCT00184067")
        assert cass.all_played

    assert record["protocolSection"]["identificationModule"]["nctId"] == "NCT00184067"
    assert clock.sleeps == [1.0]  # Retry-After: 1; the next request was then already due
    (warning,) = [r for r in caplog.records if r.name == "harvester.registry.http"]
    assert warning.levelno == logging.WARNING
    assert "HTTP 429" in warning.getMessage() and "attempt 1/5" in warning.getMessage()
    assert "waiting 1.0 s" in warning.getMessage()


def test_503_then_success_backs_off_with_jitter(replay_registry, clock, cassette):
    with cassette("unavailable_503_then_ok.yaml", recordable=False) as cass:
        record = replay_registry.fetch_study("NCT03934567")
        assert cass.all_played

    assert record["protocolSection"]["identificationModule"]["nctId"] == "NCT03934567"
    backoff, spacing = clock.sleeps  # a jittered backoff below backoff_base, then the rest of min_interval
    assert 0 <= backoff <= 1.0
    assert backoff + spacing == pytest.approx(1.0)


def test_400_raises_bad_request_with_the_registry_text(clock, cassette):
    with (
        PoliteClient(HttpSettings(), sleep=clock.sleep, clock=clock) as http,
        cassette("bad_request_400.yaml"),
        pytest.raises(BadRequest) as caught,
    ):
        http.get_text(f"{API}/studies/download", {"format": "csv", "query.cond": "cancer", "pageSize": 1})
    assert str(caught.value) == "Invalid prefix in parameter name: query.cond"
    assert caught.value.__cause__.response.status_code == 400
    assert clock.sleeps == []


# --- RegistryClient on a mock transport ----------------------------------------------------------------------


def test_later_pages_repeat_the_first_request_with_statuses_and_advanced_filter(clock):
    handler, seen = answers(page([RECORD], "t1"), page([], "t2"), page([RECORD]))
    query = StudyQuery(condition="lupus", statuses=["recruiting", "NOT_YET_RECRUITING"],
                       advanced="AREA[StartDate]RANGE[2024-01-01,MAX]", page_size=50, count_total=True)
    with mock_http(handler, clock) as http:
        pages = list(RegistryClient(http=http).iter_pages(query))

    assert [len(p.studies) for p in pages] == [1, 0, 1]
    first = dict(seen[0].url.params)
    assert first == {"format": "json", "markupFormat": "markdown", "query.cond": "lupus",
                     "filter.overallStatus": "RECRUITING,NOT_YET_RECRUITING",
                     "filter.advanced": "AREA[StartDate]RANGE[2024-01-01,MAX]", "pageSize": "50", "countTotal": "true"}
    del first["countTotal"]
    assert [dict(r.url.params) for r in seen[1:]] == [{**first, "pageToken": "t1"}, {**first, "pageToken": "t2"}]


@pytest.mark.parametrize("body", [{"items": []}, {"studies": "none"}, [], {"studies": [], "totalCount": "3"}])
def test_a_page_of_the_wrong_shape_is_a_bad_response(clock, body):
    handler, seen = answers(httpx.Response(200, json=body))
    with mock_http(handler, clock) as http, pytest.raises(BadResponse):
        list(RegistryClient(http=http).iter_pages(SEARCH))
    assert len(seen) == 1


def test_a_repeated_page_token_stops_paging(clock):
    handler, _ = answers(page([RECORD], "same"))
    with mock_http(handler, clock) as http, pytest.raises(BadResponse, match="same"):
        list(RegistryClient(http=http).iter_pages(SEARCH))


def test_400_on_a_search_is_not_retried_and_keeps_one_line(clock):
    text = "Error parsing query in advanced filter: Unknown area name: 'X'\nsecond line\n"
    handler, seen = answers(httpx.Response(400, text=text, headers={"Content-Type": "text/plain"}))
    with mock_http(handler, clock) as http, pytest.raises(BadRequest) as caught:
        list(RegistryClient(http=http).iter_pages(StudyQuery(advanced="AREA[X]lupus")))
    assert str(caught.value) == "Error parsing query in advanced filter: Unknown area name: 'X'"
    assert len(seen) == 1 and clock.sleeps == []


def test_version_of_the_wrong_shape_is_a_bad_response(clock):
    handler, _ = answers(httpx.Response(200, json={"dataTimestamp": "2025-09-11T09:15:04"}))
    with mock_http(handler, clock) as http, pytest.raises(BadResponse):
        RegistryClient(http=http).version()


def test_study_query_validates_statuses_and_page_size():
    assert StudyQuery(statuses=["not yet recruiting", "Recruiting"]).statuses == (
        OverallStatus.NOT_YET_RECRUITING, OverallStatus.RECRUITING)
    assert StudyQuery(condition="  ", term="lupus nephritis").to_params() == {"query.term": "lupus nephritis",
                                                                              "pageSize": 1000}
    with pytest.raises(UsageError, match="RECRUTING"):
        StudyQuery(statuses=["RECRUTING"])
    for size in (0, 1001):
        with pytest.raises(UsageError):
            StudyQuery(page_size=size)


# --- PoliteClient: retries, backoff, spacing -----------------------------------------------------------------


def test_retry_after_in_seconds_and_as_an_http_date():
    now = dt.datetime(2015, 10, 21, 7, 28, tzinfo=dt.UTC)
    assert parse_retry_after("1", now) == 1.0
    assert parse_retry_after(" 120 ", now) == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after(None, now) is None


def test_an_http_date_retry_after_is_read_against_the_server_date(clock):
    handler, _ = answers(
        httpx.Response(503, headers={"Date": "Wed, 21 Oct 2015 07:28:00 GMT",
                                     "Retry-After": "Wed, 21 Oct 2015 07:28:05 GMT"}),
        httpx.Response(200, json=RECORD),
    )
    with mock_http(handler, clock) as http:
        assert http.get_json(f"{API}/studies/NCT04267848") == RECORD
    assert clock.sleeps == [5.0]


def test_retry_after_is_capped_by_backoff_max(clock):
    handler, _ = answers(httpx.Response(429, headers={"Retry-After": "200"}), httpx.Response(200, json=RECORD))
    with mock_http(handler, clock, backoff_max=60.0) as http:
        http.get_json(f"{API}/studies/NCT04267848")
    assert clock.sleeps == [60.0]


@given(retry=st.integers(1, 40), base=st.floats(0, 10), maximum=st.floats(0, 120), seed=st.integers())
def test_full_jitter_stays_within_the_exponential_ceiling(retry, base, maximum, seed):
    settings = HttpSettings(backoff_base=base, backoff_max=maximum)
    delay = backoff_delay(retry, settings, random.Random(seed))
    assert 0.0 <= delay <= min(maximum, base * 2 ** (retry - 1))


def test_backoff_ceiling_doubles_up_to_backoff_max():
    class Highest(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    settings = HttpSettings(backoff_base=1.0, backoff_max=60.0)
    assert [backoff_delay(n, settings, Highest()) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_persistent_503_raises_registry_unavailable_after_max_attempts(clock, caplog):
    handler, seen = answers(httpx.Response(503))
    with mock_http(handler, clock, max_attempts=3) as http, pytest.raises(RegistryUnavailable) as caught:
        http.get_json(f"{API}/studies/NCT04267848")
    assert type(caught.value) is RegistryUnavailable
    assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)
    assert len(seen) == 3 and len(clock.sleeps) == 2
    assert [r.getMessage().split("(attempt ")[1][:3] for r in caplog.records] == ["1/3", "2/3"]


def test_persistent_429_raises_rate_limited(clock):
    handler, seen = answers(httpx.Response(429))
    with mock_http(handler, clock, max_attempts=2) as http, pytest.raises(RateLimited):
        http.get_json(f"{API}/studies")
    assert len(seen) == 2


@pytest.mark.parametrize("failure", [httpx.ConnectError("connection refused"), httpx.ReadTimeout("read timed out"),
                                     httpx.RemoteProtocolError("server disconnected")])
def test_a_broken_connection_or_timeout_is_retried(clock, failure):
    handler, seen = answers(failure, httpx.Response(200, json=RECORD))
    with mock_http(handler, clock) as http:
        assert http.get_json(f"{API}/studies/NCT04267848") == RECORD
    assert len(seen) == 2 and len(clock.sleeps) == 1


def test_a_connection_that_keeps_failing_raises_registry_unavailable_from_the_httpx_error(clock):
    handler, _ = answers(httpx.ConnectError("connection refused"))
    with mock_http(handler, clock, max_attempts=2) as http, pytest.raises(RegistryUnavailable) as caught:
        http.get_json(f"{API}/version")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_a_truncated_json_body_is_retried(clock):
    handler, seen = answers(httpx.Response(200, content=b'{"studies": [{"protocolSection": {'),
                            page([RECORD]))
    with mock_http(handler, clock) as http:
        pages = list(RegistryClient(http=http).iter_pages(SEARCH))
    assert len(seen) == 2 and pages[0].studies == [RECORD]


def test_a_body_that_is_never_json_raises_bad_response(clock):
    handler, seen = answers(httpx.Response(200, text="<html>maintenance</html>"))
    with mock_http(handler, clock, max_attempts=3) as http, pytest.raises(BadResponse) as caught:
        http.get_json(f"{API}/studies")
    assert isinstance(caught.value.__cause__, json.JSONDecodeError)
    assert len(seen) == 3


def test_other_client_errors_are_not_retried(clock):
    handler, seen = answers(httpx.Response(403, text="Forbidden"))
    with mock_http(handler, clock) as http, pytest.raises(RegistryError, match="403"):
        http.get_text("https://clinconnect.io/trials/NCT06965244")
    assert len(seen) == 1


def test_requests_are_spaced_by_min_interval(clock):
    def handler(request: httpx.Request) -> httpx.Response:
        clock.now += 0.25  # the server takes a quarter second to answer
        return httpx.Response(200, json=RECORD)

    with mock_http(handler, clock, min_interval=1.0) as http:
        sent_at = []
        for _ in range(3):
            http.get_json(f"{API}/version")
            sent_at.append(clock.now - 0.25)
    assert clock.sleeps == [0.75, 0.75]
    assert sent_at == [0.0, 1.0, 2.0]


def test_every_request_has_the_timeout_and_user_agent(clock):
    handler, seen = answers(httpx.Response(200, text="<html></html>"))
    with mock_http(handler, clock, timeout=7.5) as http:
        assert http.get_text("https://clinconnect.io/trials/NCT06965244").text == "<html></html>"
    (request,) = seen
    assert request.extensions["timeout"] == {"connect": 7.5, "read": 7.5, "write": 7.5, "pool": 7.5}
    assert request.headers["User-Agent"].startswith("trialwatch/")
    assert request.headers["User-Agent"].endswith("(+https://github.com/trialwatch/trialwatch)")


def test_bad_settings_are_a_usage_error():
    with pytest.raises(UsageError):
        HttpSettings(max_attempts=0)
    with pytest.raises(UsageError):
        HttpSettings(min_interval=-1)


def test_a_malformed_url_is_a_usage_error(clock):
    handler, seen = answers(httpx.Response(200, json=RECORD))
    with mock_http(handler, clock) as http, pytest.raises(UsageError) as caught:
        http.get_json("https://clinicaltrials.gov:port/api/v2/version")
    assert isinstance(caught.value.__cause__, httpx.InvalidURL)
    assert seen == []
