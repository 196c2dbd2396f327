"""`refresh --notify-url`: the run's new events POSTed as JSON to a loopback HTTP server; a failed delivery is
kept and sent on the next run, and never fails the refresh. The payload words each change as the feeds and the
web page do."""

from __future__ import annotations

import html
import json
import re
import socket
import threading
import uuid
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from harvester.history.events import feed_namespace
from harvester.store.store import Store
from tests.records import snapshot_record
from tests.registry_server import FakeRegistry
from tests.test_cli_refresh import FIRST, NIGHT_1, NIGHT_2, NIGHT_3, changes, refresh, run, second_night_records
from trialwatch.web.app import create_app
from trialwatch.web.changes import SHOWN_KINDS


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


#: one change on the /changes page: its summary, severity and kind label
PAGE_CHANGE = re.compile(r'<li class="change change--(?P<class>\w+)">\s*<p><strong>(?P<summary>.*?)</strong> '
                         r'<span class="severity">(?P<severity>\w+)</span> <span class="kind">(?P<kind>.*?)</span>')


def test_the_webhook_the_feed_and_the_web_page_word_each_change_alike(tmp_path, registry):
    """Each posted event has the summary, shown kind and severity of its Atom entry (`changes --format atom`) and
    of its line on the /changes page: all three are rendered from the one change view."""
    assert run(tmp_path, "watch", "add", "all", "--term", "a").exit_code == 0
    receiver = Receiver()
    try:
        assert refresh(tmp_path, registry, "--notify-url", receiver.url).exit_code == 0
        registry.set_records(second_night_records())
        registry.data_timestamp = NIGHT_2
        assert refresh(tmp_path, registry, "--notify-url", receiver.url).exit_code == 0
        registry.data_timestamp = NIGHT_3
        assert refresh(tmp_path, registry, "--notify-url", receiver.url, "--full").exit_code == 0
    finally:
        receiver.close()
    posted = [event for _, batch in receiver.received for event in batch]
    assert {event["shown_kind"] for event in posted} == {"first_seen", "status", "criteria", "sites", "dates",
                                                         "dropped"}

    atom = run(tmp_path, "changes", "--since", "all", "--format", "atom")
    assert atom.exit_code == 0, atom.output
    entries = {entry.id: entry for entry in feedparser.parse(atom.stdout).entries}
    with Store.open(tmp_path) as store:
        namespace = feed_namespace(store)
    page = TestClient(create_app(tmp_path)).get("/changes", params={"since": "all", "kind": ",".join(SHOWN_KINDS)})
    on_page = [{key: html.unescape(value) for key, value in match.groupdict().items()}
               for match in PAGE_CHANGE.finditer(page.text)]
    assert len(on_page) == len(posted) == len(entries)

    for event in posted:
        entry = entries[f"urn:uuid:{uuid.uuid5(namespace, 'event:' + event['key'])}"]
        title = event["details"]["trial"]["title"]
        assert entry.title == f"{event['summary']}: {title} ({event['nct_id']})"
        (kind,) = [tag for tag in entry.tags if tag.scheme is None]
        (severity,) = [tag.term for tag in entry.tags if tag.scheme is not None]
        assert (kind.term, severity) == (event["shown_kind"], event["severity"])
        shown = {"class": event["severity"], "summary": event["summary"], "severity": event["severity"],
                 "kind": kind.label}
        assert shown in on_page, shown
