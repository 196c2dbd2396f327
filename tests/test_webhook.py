"""`refresh --notify-url`: the run's new events POSTed as JSON to a loopback HTTP server; a failed delivery is
kept and sent on the next run, and never fails the refresh."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harvester.store.store import Store
from tests.records import snapshot_record
from tests.registry_server import FakeRegistry
from tests.test_cli_refresh import FIRST, NIGHT_1, NIGHT_2, changes, refresh, run, second_night_records


class Receiver:
    def __init__(self, port: int = 0, status: int = 204) -> None:
        received = self.received = []
        self.status = status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                received.append((self.headers["content-type"], json.loads(body)))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def registry():
    with FakeRegistry([snapshot_record(nct_id) for nct_id in FIRST], data_timestamp=NIGHT_1) as server:
        yield server


def test_new_events_are_posted_and_a_failed_delivery_waits_for_the_next_run(tmp_path, registry, waits):
    assert run(tmp_path, "watch", "add", "all", "--term", "a").exit_code == 0
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"

    first = refresh(tmp_path, registry, "--notify-url", url)  # nobody listens yet
    assert first.exit_code == 0, first.output
    with Store.open(tmp_path) as store:
        (pending,) = store.pending_deliveries()
        assert pending["attempts"] == 1 and "ConnectError" in pending["last_error"]
    assert waits  # the failed post was retried after a backoff within the run

    receiver = Receiver(port)
    try:
        registry.set_records(second_night_records())
        registry.data_timestamp = NIGHT_2
        second = refresh(tmp_path, registry, "--notify-url", url)
        assert second.exit_code == 0, second.output
        assert len(receiver.received) == 2  # the kept payload first, then this run's
        (content_type, first_batch), (_, second_batch) = receiver.received
        assert content_type == "application/json"
        everything = changes(tmp_path)
        assert first_batch + second_batch == everything  # same schema as `changes --format json`, nothing lost
        assert {event["kind"] for event in second_batch} >= {"status", "sites", "criteria"}
        with Store.open(tmp_path) as store:
            assert store.pending_deliveries() == []
        quiet = refresh(tmp_path, registry, "--notify-url", url)
        assert quiet.exit_code == 0 and len(receiver.received) == 2  # no new events: nothing posted
    finally:
        receiver.close()


def test_a_refused_payload_is_recorded_not_fatal(tmp_path, registry):
    assert run(tmp_path, "watch", "add", "all", "--term", "a").exit_code == 0
    receiver = Receiver(status=400)
    try:
        result = refresh(tmp_path, registry, "--notify-url", receiver.url)
        assert result.exit_code == 0, result.output
        assert len(receiver.received) == 1  # a 4xx is not retried within the run
        with Store.open(tmp_path) as store:
            (pending,) = store.pending_deliveries()
            assert pending["last_error"] == "HTTP 400"
    finally:
        receiver.close()


def test_a_watch_has_its_own_webhook(tmp_path, registry):
    assert run(tmp_path, "watch", "add", "all", "--term", "a").exit_code == 0
    receiver = Receiver()
    try:
        assert run(tmp_path, "watch", "notify", "all", receiver.url).exit_code == 0
        assert run(tmp_path, "watch", "notify", "all", "ftp://x").exit_code == 2
        result = refresh(tmp_path, registry)
        assert result.exit_code == 0, result.output
        ((_, batch),) = receiver.received
        assert sorted(event["nct_id"] for event in batch) == FIRST
        assert run(tmp_path, "watch", "notify", "all").exit_code == 0
        registry.set_records(second_night_records())
        registry.data_timestamp = NIGHT_2
        assert refresh(tmp_path, registry).exit_code == 0
        assert len(receiver.received) == 1  # turned off
    finally:
        receiver.close()
