"""POST each refresh's new events to a URL as JSON (the schema of ``changes --format json``).

This module is the delivery only: it words nothing. The caller passes the `EventPayload` that turns an event into
its JSON object (the CLI passes `search.views.change.change_json`, the view the feeds and the web page render), so
a webhook says what ``changes --format json`` says.

The payload is stored first (``webhook_deliveries``), then every undelivered payload is tried, oldest first, with a
timeout and a few polite retries. A failure is logged and recorded and the payload stays for the next run: a
delivery never fails the refresh nor loses events.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from harvester.history.events import Event
from harvester.store.store import Store, utc_now

__all__ = ["USER_AGENT", "DeliveryReport", "EventPayload", "deliver_pending", "queue_events"]

logger = logging.getLogger(__name__)

#: an event as the JSON object the receiver gets
EventPayload = Callable[[Event], Mapping[str, Any]]

USER_AGENT = "trialwatch-webhook"


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    failed: int

    def line(self) -> str:
        return f"webhook: {self.delivered} delivered, {self.failed} to retry next run"


def queue_events(store: Store, url: str, events: Sequence[Event], render: EventPayload) -> None:
    """Keep the run's events, each as `render` makes it, as one payload for `url` (nothing when there are none)."""
    if not events:
        return
    payload = json.dumps([render(event) for event in events], ensure_ascii=False)
    with store.transaction():
        store.add_delivery(url=url, payload=payload, created_at=utc_now())


def deliver_pending(store: Store, *, timeout: float = 10.0, retries: int = 2, backoff: float = 1.0,
                    transport: httpx.BaseTransport | None = None,
                    sleep: Callable[[float], None] | None = None) -> DeliveryReport:
    # looked up at call time, not bound as a default, so a patched `time.sleep` takes effect
    sleep = sleep or (lambda seconds: time.sleep(seconds))
    delivered = failed = 0
    with httpx.Client(timeout=timeout, transport=transport, headers={"user-agent": USER_AGENT}) as client:
        for delivery in store.pending_deliveries():
            error = _post(client, delivery["url"], delivery["payload"], retries=retries, backoff=backoff, sleep=sleep)
            with store.transaction():
                store.record_delivery_attempt(delivery["id"], when=utc_now(), error=error)
            if error is None:
                delivered += 1
            else:
                failed += 1
                logger.warning("webhook delivery %d to %s failed (kept for the next run): %s", delivery["id"],
                               delivery["url"], error)
    return DeliveryReport(delivered, failed)


def _post(client: httpx.Client, url: str, payload: str, *, retries: int, backoff: float,
          sleep: Callable[[float], None]) -> str | None:
    """None when the receiver accepted the payload (2xx), else the last error in words."""
    error = "not tried"
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            response = client.post(url, content=payload.encode(), headers={"content-type": "application/json"})
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
            continue
        if response.is_success:
            return None
        error = f"HTTP {response.status_code}"
        if response.status_code < 500 and response.status_code not in (408, 429):
            break  # the receiver refuses this payload; asking again now will not help
    return error
