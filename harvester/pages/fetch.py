"""Fetch trial pages politely: through `PoliteClient` and only where the site's robots.txt allows it.

Every request (robots.txt included) goes through the same `PoliteClient` as the registry API: one request per
interval, timeouts, retries with backoff on 429 / 5xx / network errors, trialwatch's User-Agent. robots.txt is read
once per site with `urllib.robotparser` and obeyed for trialwatch's User-Agent, as RFC 9309 says:

* 200: its rules apply, and a ``Crawl-delay`` longer than the client's interval slows the client down;
* any other 4xx (404 included; 429 excepted): there is no robots.txt to obey, everything is allowed;
* 5xx, 429 or a network failure that outlasts the retries: the error is raised and no page is fetched.

A disallowed page raises `FetchDisallowed` before any request for it is sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from harvester.errors import FetchDisallowed, RateLimited, RegistryError, StudyNotFound, UsageError
from harvester.pages import DEFAULT_URL_TEMPLATE
from harvester.registry.http import PoliteClient
from harvester.store.store import utc_now
from harvester.terms import NctId

__all__ = ["FetchedPage", "PageFetcher"]

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class FetchedPage:
    """One fetched trial page: the URL it was served from (after redirects), its HTML and when."""

    nct_id: str
    url: str
    html: str
    fetched_at: str


class PageFetcher:
    """Fetches the page of an NCT id from a URL template such as ``https://clinconnect.io/trials/{nct_id}``."""

    def __init__(self, client: PoliteClient, url_template: str = DEFAULT_URL_TEMPLATE) -> None:
        self._client = client
        self.url_template = url_template
        self.url_for("NCT00000000")  # validates the template
        self._robots: dict[str, RobotFileParser] = {}

    def url_for(self, nct_id: str) -> str:
        """The page URL of a trial. Raises `UsageError` for a template that does not make an http(s) URL."""
        try:
            url = self.url_template.format(nct_id=nct_id)
        except (KeyError, IndexError, ValueError) as error:
            raise UsageError(f"bad page URL template {self.url_template!r}: {error}",
                             hint="use {nct_id} where the NCT id goes") from error
        parts = urlsplit(url)
        if "{nct_id}" not in self.url_template or parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"bad page URL template {self.url_template!r}",
                             hint="an http(s) URL with {nct_id} where the NCT id goes")
        return url

    def fetch(self, nct_id: NctId) -> FetchedPage:
        """GET the trial's page. Raises `FetchDisallowed`, `StudyNotFound` (404) or the client's errors."""
        url = self.url_for(nct_id)
        if not self.allowed(url):
            raise FetchDisallowed(f"{_origin(url)}/robots.txt does not allow fetching {url}")
        not_found = StudyNotFound(f"no trial page for {nct_id}: {url} answered 404")
        response = self._client.get_text(url, not_found=not_found)
        return FetchedPage(nct_id=nct_id, url=str(response.url), html=response.text, fetched_at=utc_now())

    def allowed(self, url: str) -> bool:
        """Whether the site's robots.txt lets trialwatch's User-Agent fetch `url` (read once per site)."""
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        return self._robots[origin].can_fetch(self._client.settings.user_agent, url)

    def _read_robots(self, origin: str) -> RobotFileParser:
        robots_url = f"{origin}/robots.txt"
        robots = RobotFileParser(robots_url)
        try:
            response = self._client.get_text(robots_url)
        except RateLimited:
            raise
        except RegistryError as error:
            status = _http_status(error)
            if status is None or not 400 <= status < 500:
                raise
            logger.info("%s answered HTTP %d: no robots.txt, every page is allowed", robots_url, status)
            robots.parse([])  # no rules: every page is allowed
            return robots
        robots.parse(response.text.splitlines())
        delay = robots.crawl_delay(self._client.settings.user_agent)
        if delay:
            logger.info("%s asks for a crawl delay of %s s", robots_url, delay)
            self._client.space_requests(float(delay))
        return robots


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _http_status(error: RegistryError) -> int | None:
    """The HTTP status behind one of `PoliteClient`'s errors, if an answer (not a network failure) caused it."""
    cause = error.__cause__
    return cause.response.status_code if isinstance(cause, httpx.HTTPStatusError) else None
