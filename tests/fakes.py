"""Test doubles for time and HTTP, shared by the client and page-fetcher tests."""

from __future__ import annotations

import httpx


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
