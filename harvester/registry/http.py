"""A polite HTTP session: one request per interval, timeouts, retries with backoff, errors in trialwatch's tree.

Shared by the registry API client and the trial-page fetcher. Every request, redirect hops included, waits its
turn (`HttpSettings.min_interval`); 429, 5xx, timeouts, broken connections and unreadable JSON bodies are retried
with exponential backoff and full jitter (or the server's ``Retry-After``); what still fails is raised as
`RateLimited`, `RegistryUnavailable` or `BadResponse`, chained to the underlying error.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib import metadata
from types import TracebackType
from typing import Any

import httpx

from harvester.errors import BadRequest, BadResponse, RateLimited, RegistryError, RegistryUnavailable, UsageError
from harvester.jsoncodec import decode_json

__all__ = [
    "DEFAULT_USER_AGENT",
    "HttpSettings",
    "Interrupted",
    "Params",
    "PoliteClient",
    "backoff_delay",
    "parse_retry_after",
]

logger = logging.getLogger(__name__)

#: query parameters as httpx takes them
Params = Mapping[str, str | int | float | bool]


def _package_version() -> str:
    try:
        return metadata.version("trialwatch")
    except metadata.PackageNotFoundError:  # a source checkout that was never pip-installed
        return "0+unknown"


DEFAULT_USER_AGENT = f"trialwatch/{_package_version()} (+https://github.com/trialwatch/trialwatch)"


@dataclass(frozen=True)
class HttpSettings:
    """How politely to talk to a server.

    The registry publishes no rate limit; its robots.txt asks for a 1 s crawl delay, hence `min_interval`.
    `timeout` applies to each phase of a request (connect, write, read, pool).
    """

    min_interval: float = 1.0
    timeout: float = 30.0
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    #: a Retry-After longer than this many seconds is not waited for: the request fails at once
    max_wait: float = 300.0
    #: a response body longer than this is refused (read as a stream, never whole); real pages are far smaller
    max_body_bytes: int = 256 * 1024 * 1024
    user_agent: str = DEFAULT_USER_AGENT

    def __post_init__(self) -> None:
        if self.min_interval < 0:
            raise UsageError(f"min interval must be 0 s or more, not {self.min_interval}")
        if self.timeout <= 0:
            raise UsageError(f"timeout must be more than 0 s, not {self.timeout}")
        if self.max_attempts < 1:
            raise UsageError(f"max attempts must be 1 or more, not {self.max_attempts}")
        if self.backoff_base < 0 or self.backoff_max < 0 or self.max_wait < 0:
            raise UsageError("backoff and wait times must be 0 s or more")
        if self.max_body_bytes < 1:
            raise UsageError(f"the body size limit must be 1 byte or more, not {self.max_body_bytes}")


def backoff_delay(retry: int, settings: HttpSettings, rng: random.Random) -> float:
    """Seconds to wait before retry number `retry` (1 = the first retry): exponential backoff with full jitter.

    Uniform in ``[0, min(backoff_max, backoff_base * 2 ** (retry - 1))]``.
    """
    ceiling = min(settings.backoff_max, settings.backoff_base * 2.0 ** (retry - 1))
    return rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delay-seconds or HTTP-date, relative to `now`).

    None when the header is absent or unreadable; a date in the past means 0.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        when = _parse_http_date(text)
        return None if when is None else max(0.0, (when - now).total_seconds())
    return seconds if seconds >= 0 else None


def _parse_http_date(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 120 else f"{seconds:.0f} s"


def _is_name_resolution_failure(error: BaseException) -> bool:
    """Whether a connection error comes from DNS (the host name cannot be resolved)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _first_line(text: str, limit: int = 300) -> str:
    """The first non-blank line of a plain-text error body, stripped and cut to `limit` characters."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _status_error(response: httpx.Response) -> httpx.HTTPStatusError:
    """httpx's own error for a non-2xx response, to chain ours to."""
    return httpx.HTTPStatusError(
        f"HTTP {response.status_code} {response.reason_phrase} for GET {response.url}",
        request=response.request,
        response=response,
    )


class Interrupted(Exception):
    """A request refused, or a wait cut short, because the client was interrupted (`PoliteClient.interruptible`).

    Raised only to unwind a reading thread whose consumer has already stopped; it never reaches the user.
    """


@dataclass(frozen=True)
class _Failure:
    """One attempt that failed in a way a retry may fix."""

    error: type[RegistryError]  # raised when no attempt is left
    reason: str
    cause: Exception
    retry_after: float | None = None  # what the server asked for, in seconds


class PoliteClient:
    """An `httpx.Client` that spaces, times out, retries and translates every GET it makes.

    `sleep` and `clock` (monotonic seconds) are injectable so tests never wait; `rng` drives the jitter;
    `transport` replaces the network (e.g. `httpx.MockTransport`). Redirects are followed. The spacing applies
    to every request this client sends, whatever the host. Without `sleep`, a wait is cut short by an interrupt
    (`interruptible`).
    """

    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        transport: httpx.BaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings or HttpSettings()
        self._interrupted = threading.Event()
        # looked up at call time, not bound now, so that a patched `_rest` (tests) takes effect
        self._sleep = sleep or (lambda seconds: self._rest(seconds))
        self._clock = clock or (lambda: time.monotonic())
        self._rng = rng or random.Random()
        self._last_request_at: float | None = None
        self._client = httpx.Client(
            transport=transport,
            timeout=self.settings.timeout,
            follow_redirects=True,
            headers={"User-Agent": self.settings.user_agent},
            event_hooks={"request": [self._wait_turn]},
        )

    def get_json(self, url: str, params: Params | None = None, *, not_found: RegistryError | None = None) -> Any:
        """GET `url` and return its decoded JSON body.

        Raises `BadRequest` (400, with the server's message), `not_found` on a 404 if given, `RegistryError` for
        any other non-2xx answer, and after the last attempt `RateLimited`, `RegistryUnavailable` or `BadResponse`.
        """
        _, body = self._get(url, params, accept="application/json", not_found=not_found, expect_json=True)
        return body

    def get_text(
        self, url: str, params: Params | None = None, *, not_found: RegistryError | None = None
    ) -> httpx.Response:
        """GET `url` (an HTML page, say) and return the successful response; raises as `get_json` does."""
        response, _ = self._get(url, params, accept="text/html,*/*;q=0.8", not_found=not_found, expect_json=False)
        return response

    def space_requests(self, min_interval: float) -> None:
        """Keep at least `min_interval` seconds between requests from now on (e.g. a robots.txt Crawl-delay).

        Only ever slows the client down: a shorter interval than the configured one is ignored.
        """
        if min_interval > self.settings.min_interval:
            self.settings = replace(self.settings, min_interval=min_interval)

    @contextmanager
    def interruptible(self) -> Iterator[Callable[[], None]]:
        """A function that interrupts this client, safe to call from another thread, valid until the block ends.

        Once called, the wait in progress (spacing or backoff) ends at once and every request this client would
        send raises `Interrupted` instead, until the block ends; a request already sent runs its course.
        """
        try:
            yield self._interrupted.set
        finally:
            self._interrupted.clear()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _rest(self, seconds: float) -> None:
        """The default `sleep`: `seconds`, or less when the client is interrupted."""
        self._interrupted.wait(seconds)

    def _pause(self, seconds: float) -> None:
        """Sleep, then raise `Interrupted` if the client was interrupted before or meanwhile."""
        self._refuse_if_interrupted()
        self._sleep(seconds)
        self._refuse_if_interrupted()

    def _refuse_if_interrupted(self) -> None:
        if self._interrupted.is_set():
            raise Interrupted("the client was interrupted: no more requests")

    def _wait_turn(self, request: httpx.Request) -> None:
        """httpx request hook: sleep until `min_interval` has passed since the previous request (every redirect
        hop included); raises `Interrupted`, sending nothing, once the client is interrupted."""
        if self._last_request_at is not None:
            wait = self._last_request_at + self.settings.min_interval - self._clock()
            if wait > 0:
                self._pause(wait)
        self._refuse_if_interrupted()
        self._last_request_at = self._clock()

    def _get(
        self, url: str, params: Params | None, *, accept: str, not_found: RegistryError | None, expect_json: bool
    ) -> tuple[httpx.Response, Any]:
        """Send one GET with retries: the response and its JSON body (None unless `expect_json`)."""
        try:
            request = self._client.build_request("GET", url, params=params, headers={"Accept": accept})
        except httpx.InvalidURL as error:
            raise UsageError(f"not a valid URL: {url!r}") from error
        attempts = self.settings.max_attempts
        for attempt in range(1, attempts):
            outcome = self._attempt(request, not_found=not_found, expect_json=expect_json)
            if not isinstance(outcome, _Failure):
                return outcome
            if outcome.retry_after is not None and outcome.retry_after > self.settings.max_wait:
                raise outcome.error(
                    f"{outcome.reason} from GET {request.url}: the registry asks to wait"
                    f" {_duration(outcome.retry_after)}, more than the {_duration(self.settings.max_wait)}"
                    " allowed (--max-wait)"
                ) from outcome.cause
            if outcome.retry_after is not None:
                wait = min(outcome.retry_after, self.settings.backoff_max)
            else:
                wait = backoff_delay(attempt, self.settings, self._rng)
            logger.warning(
                "%s from GET %s (attempt %d/%d), waiting %.1f s", outcome.reason, request.url, attempt, attempts, wait
            )
            self._pause(wait)
        outcome = self._attempt(request, not_found=not_found, expect_json=expect_json)
        if isinstance(outcome, _Failure):
            raise outcome.error(f"{outcome.reason} from GET {request.url} ({attempts} attempts)") from outcome.cause
        return outcome

    def _attempt(
        self, request: httpx.Request, *, not_found: RegistryError | None, expect_json: bool
    ) -> tuple[httpx.Response, Any] | _Failure:
        """Send `request` once: a usable response and body, a retryable `_Failure`, or a raised final error."""
        try:
            response = self._send_capped(request)
        except httpx.TimeoutException as error:
            return _Failure(RegistryUnavailable, f"timed out ({type(error).__name__})", error)
        except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
            if _is_name_resolution_failure(error):  # retrying cannot make an unknown host known
                raise RegistryUnavailable(f"cannot resolve the host of {request.url} ({error})") from error
            return _Failure(RegistryUnavailable, f"connection failed ({error})", error)
        except httpx.DecodingError as error:
            return _Failure(BadResponse, f"undecodable response body ({error})", error)
        except httpx.TooManyRedirects as error:
            raise BadResponse(f"too many redirects from GET {request.url}") from error
        except httpx.TransportError as error:  # unsupported protocol, proxy errors: a retry will not help
            raise RegistryUnavailable(f"cannot GET {request.url}: {error}") from error

        status = response.status_code
        if status == 429 or status >= 500:
            now = _parse_http_date(response.headers.get("Date")) or dt.datetime.now(dt.UTC)
            return _Failure(
                RateLimited if status == 429 else RegistryUnavailable,
                f"HTTP {status} {response.reason_phrase}",
                _status_error(response),
                parse_retry_after(response.headers.get("Retry-After"), now),
            )
        if status == 400:
            message = _first_line(response.text) or f"HTTP 400 {response.reason_phrase}"
            raise BadRequest(message) from _status_error(response)
        if status == 404 and not_found is not None:
            raise not_found from _status_error(response)
        if not response.is_success:
            detail = _first_line(response.text)
            message = f"GET {response.url} answered HTTP {status} {response.reason_phrase}"
            raise RegistryError(f"{message}: {detail}" if detail else message) from _status_error(response)
        if not expect_json:
            return response, None
        try:
            return response, decode_json(response.content)
        except ValueError as error:  # JSONDecodeError, UnicodeDecodeError: a truncated or non-JSON body
            return _Failure(BadResponse, f"response body is not JSON ({error})", error)
        except RecursionError as error:  # JSON nested deeper than any real record
            return _Failure(BadResponse, "response body is JSON nested too deeply to read", error)

    def _send_capped(self, request: httpx.Request) -> httpx.Response:
        """Send `request` and read its body as a stream, refusing one over `max_body_bytes`."""
        limit = self.settings.max_body_bytes
        response = self._client.send(request, stream=True)
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise BadResponse(f"GET {request.url} answered a {declared}-byte body, over the {limit}-byte limit")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise BadResponse(f"GET {request.url} answered a body over the {limit}-byte limit; not read")
                chunks.append(chunk)
        finally:
            response.close()
        headers = [(name, value) for name, value in response.headers.multi_items()
                   if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks), request=response.request,
                              extensions=response.extensions)
