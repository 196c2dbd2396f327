"""PageFetcher: cassette replays (robots.txt, 200, 404, 429-then-success, disallowed) and robots.txt rules.

The page cassettes serve RECONSTRUCTED HTML and DERIVED answers (cassettes/README.md); they are never re-recorded.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import httpx
import pytest

from harvester.errors import FetchDisallowed, RegistryUnavailable, StudyNotFound, UsageError
from harvester.pages.fetch import PageFetcher
from harvester.pages.parse import parse_trial_page
from harvester.registry.http import HttpSettings, PoliteClient
from harvester.terms import normalize_nct_id
from tests.fakes import FakeClock, SpyTransport

PAGE = "https://clinconnect.io/trials/NCT06965244"


@pytest.fixture
def fetcher(clock: FakeClock, spy: SpyTransport) -> Iterator[PageFetcher]:
    """A fetcher on the cassettes (through the spy) and the fake clock, one request a second."""
    settings = HttpSettings(min_interval=1.0, max_attempts=2)
    with PoliteClient(settings, sleep=clock.sleep, clock=clock, transport=spy, rng=random.Random(0)) as client:
        yield PageFetcher(client)


def urls(spy: SpyTransport) -> list[str]:
    return [str(request.url) for request in spy.requests]


def test_robots_txt_first_then_the_page(fetcher, spy, clock, cassette):
    with cassette("page_clinconnect.yaml", recordable=False) as cass:
        page = fetcher.fetch(normalize_nct_id("nct06965244"))
    assert cass.all_played
    assert urls(spy) == ["https://clinconnect.io/robots.txt", PAGE]
    assert spy.requests[1].headers["User-Agent"].startswith("trialwatch/")
    assert clock.sleeps == [1.0]  # the page waited its turn after robots.txt
    assert (page.nct_id, page.url) == ("NCT06965244", PAGE)
    assert parse_trial_page(page.html, page.url).overall_status == "NOT_YET_RECRUITING"


def test_robots_txt_is_read_once_per_site(fetcher, spy, cassette):
    with cassette("page_clinconnect.yaml", recordable=False):
        fetcher.fetch("NCT06965244")
        assert fetcher.allowed("https://clinconnect.io/trials/NCT00000001")
    assert len(spy.requests) == 2


def test_429_then_success_honours_retry_after(fetcher, spy, clock, cassette):
    with cassette("page_429_then_ok.yaml", recordable=False) as cass:
        page = fetcher.fetch("NCT06965244")
    assert cass.all_played
    assert urls(spy) == ["https://clinconnect.io/robots.txt", PAGE, PAGE]
    assert clock.sleeps == [1.0, 1.0]  # spacing before the page, then Retry-After: 1 (the spacing is then met)
    assert "Launched by" in page.html


def test_a_missing_page_raises_study_not_found_and_a_missing_robots_txt_allows_all(fetcher, spy, cassette):
    with cassette("page_404.yaml", recordable=False) as cass, pytest.raises(StudyNotFound, match="NCT99999999"):
        fetcher.fetch("NCT99999999")
    assert cass.all_played  # robots.txt answered 404, so the page was asked for


def test_a_page_disallowed_by_robots_txt_is_never_requested(fetcher, spy, cassette):
    with cassette("page_robots_disallowed.yaml", recordable=False), \
            pytest.raises(FetchDisallowed, match="robots.txt does not allow fetching " + PAGE):
        fetcher.fetch("NCT06965244")
    assert urls(spy) == ["https://clinconnect.io/robots.txt"]


# --- robots.txt rules against httpx.MockTransport --------------------------------------------------------------


def site(robots: httpx.Response, clock: FakeClock, **settings: float) -> tuple[PageFetcher, list[str]]:
    """A fetcher on a mock site whose robots.txt answers `robots` and whose pages answer a tiny trial page."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/robots.txt":
            return robots
        return httpx.Response(200, text="<h2>Trial Information</h2><p>Recruiting</p>")

    client = PoliteClient(HttpSettings(**{"min_interval": 0.0, "max_attempts": 2, **settings}), sleep=clock.sleep,
                          clock=clock, transport=httpx.MockTransport(handler), rng=random.Random(0))
    return PageFetcher(client, "https://example.org/study/{nct_id}"), seen


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_a_robots_txt_client_error_allows_every_page(clock, status):
    fetcher, seen = site(httpx.Response(status), clock)
    fetcher.fetch("NCT06965244")
    assert seen == ["/robots.txt", "/study/NCT06965244"]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_robots_txt_that_cannot_be_read_stops_the_fetch(clock, status):
    fetcher, seen = site(httpx.Response(status), clock)
    with pytest.raises(RegistryUnavailable):
        fetcher.fetch("NCT06965244")
    assert seen == ["/robots.txt", "/robots.txt"]  # retried, and the page never asked for


def test_rules_for_trialwatch_and_for_everyone(clock):
    robots = httpx.Response(200, text="User-agent: *\nDisallow: /\n\nUser-agent: trialwatch\nDisallow: /private/\n")
    fetcher, _ = site(robots, clock)
    assert fetcher.allowed("https://example.org/study/NCT06965244")  # trialwatch's own group replaces the * group
    assert not fetcher.allowed("https://example.org/private/NCT06965244")


def test_a_crawl_delay_slows_the_client_down_but_never_speeds_it_up(clock):
    fetcher, _ = site(httpx.Response(200, text="User-agent: *\nCrawl-delay: 5\n"), clock, min_interval=1.0)
    fetcher.fetch("NCT06965244")
    fetcher.fetch("NCT06965245")
    assert clock.sleeps == [5.0, 5.0]  # every request after robots.txt waits the crawl delay
    slow_clock = FakeClock()
    slow, _ = site(httpx.Response(200, text="User-agent: *\nCrawl-delay: 0.5\n"), slow_clock, min_interval=2.0)
    slow.fetch("NCT06965244")
    assert slow_clock.sleeps == [2.0]


@pytest.mark.parametrize("template", ["https://clinconnect.io/trials/", "https://x.org/{id}", "ftp://x.org/{nct_id}",
                                      "/trials/{nct_id}", "https://x.org/{nct_id}/{0}"])
def test_a_bad_url_template_is_a_usage_error(clock, template):
    with pytest.raises(UsageError, match="bad page URL template"):
        PageFetcher(PoliteClient(HttpSettings(), sleep=clock.sleep, clock=clock), template)


def test_the_url_template_places_the_id(clock):
    fetcher = PageFetcher(PoliteClient(HttpSettings(), sleep=clock.sleep, clock=clock),
                          "http://127.0.0.1:8000/p?id={nct_id}&lang=en")
    assert fetcher.url_for("NCT06965244") == "http://127.0.0.1:8000/p?id=NCT06965244&lang=en"

