"""A small local server speaking ClinicalTrials.gov API v2, serving real records, for end-to-end tests.

It implements what trialwatch relies on: `/version`, `/studies` (query.cond / query.intr / query.term as
case-insensitive text matches, filter.overallStatus, filter.advanced `AREA[LastUpdatePostDate]RANGE[a,b]`,
pageSize, opaque pageToken paging, countTotal on the first page) and `/studies/{nctId}` (404 for unknown ids).
Faults are scripted with `fail_next(status, ...)` (an error status, e.g. 429 with a long Retry-After),
`endless_paging(mode)` (a new `nextPageToken` on every page, with the same studies or with none),
`raw_next(body)` (a body served as is: deep or truncated JSON) and `pad_pages(size)` (oversized pages).
Records may be derived variants without a readable NCT id (see tests/faults.py); they are still served.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_RANGE = re.compile(r"AREA\[LastUpdatePostDate\]RANGE\[([^,\]]+),([^\]]+)\]")


class FakeRegistry:
    def __init__(self, records: list[dict[str, Any]], data_timestamp: str = "2026-11-24T09:00:00") -> None:
        self.set_records(records)
        self.data_timestamp = data_timestamp
        self.requests: list[str] = []
        self._faults: deque[tuple[int, dict[str, str]]] = deque()
        self._raw: deque[bytes] = deque()
        self.endless: str | None = None
        self.pad: int = 0
        #: cleared by `hold`: requests wait (up to 30 s) until `release`
        self._answering = threading.Event()
        self._answering.set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v2"

    def __enter__(self) -> FakeRegistry:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def hold(self) -> None:
        """Keep every request waiting (a registry that is slow to answer) until `release`."""
        self._answering.clear()

    def release(self) -> None:
        self._answering.set()

    def set_records(self, records: list[dict[str, Any]]) -> None:
        self.records = {_key(record, number): record for number, record in enumerate(records)}

    def endless_paging(self, mode: str | None) -> None:
        """'same': every page repeats the first page's studies with a fresh token; 'empty': empty pages."""
        self.endless = mode

    def raw_next(self, body: bytes, times: int = 1) -> None:
        """Answer the next `times` requests with `body` as application/json, whatever it is."""
        self._raw.extend([body] * times)

    def pad_pages(self, size: int) -> None:
        """Make every /studies page at least `size` bytes (a field the client does not read)."""
        self.pad = size

    def fail_next(self, status: int, times: int = 1, headers: dict[str, str] | None = None, after: int = 0) -> None:
        """Answer the next `times` requests with `status` (e.g. 429 with Retry-After, 503), after serving `after`."""
        self._faults.extend([(0, {})] * after + [(status, headers or {})] * times)

    # --- the API --------------------------------------------------------------------------------------------

    def _matching(self, params: dict[str, str]) -> list[dict[str, Any]]:
        found = []
        for nct_id in sorted(self.records):
            record = self.records[nct_id]
            text = json.dumps(record).lower()
            if any(params.get(key) and params[key].lower() not in text for key in ("query.cond", "query.intr", "query.term")):
                continue
            statuses = set(re.split(r"[,|]", params["filter.overallStatus"])) if "filter.overallStatus" in params else None
            if statuses and _status(record) not in statuses:
                continue
            if (match := _RANGE.search(params.get("filter.advanced", ""))) and not _in_range(record, *match.groups()):
                continue
            found.append(record)
        return found

    def _studies_page(self, params: dict[str, str]) -> dict[str, Any]:
        matching = self._matching(params)
        size = min(int(params.get("pageSize", 10)), 1000)
        paged = "pageToken" in params and not self.endless
        offset = int(base64.urlsafe_b64decode(params["pageToken"]).decode()) if paged else 0
        page: dict[str, Any] = {"studies": matching[offset : offset + size]}
        if params.get("countTotal") == "true" and "pageToken" not in params:
            page["totalCount"] = len(matching)
        if offset + size < len(matching):
            page["nextPageToken"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        if self.endless:
            page["studies"] = matching[:size] if self.endless == "same" else []
            page["nextPageToken"] = f"endless-{len(self.requests)}"
        if self.pad:
            page["padding"] = "x" * self.pad
        return page

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                registry._answering.wait(timeout=30)
                registry.requests.append(self.path)
                status, headers = registry._faults.popleft() if registry._faults else (0, {})
                if status:
                    self._send(status, f"status {status}".encode(), "text/plain", headers)
                    return
                if registry._raw:
                    self._send(200, registry._raw.popleft(), "application/json")
                    return
                url = urlsplit(self.path)
                params = {key: values[-1] for key, values in parse_qs(url.query).items()}
                path = url.path.removeprefix("/api/v2")
                if path == "/version":
                    body: Any = {"apiVersion": "2.0.5", "dataTimestamp": registry.data_timestamp}
                elif path == "/studies":
                    body = registry._studies_page(params)
                elif path.startswith("/studies/") and path[9:].upper() in registry.records:
                    body = registry.records[path[9:].upper()]
                elif path.startswith("/studies/"):
                    self._send(404, b"Study not found", "text/plain")
                    return
                else:
                    self._send(404, b"Not found", "text/plain")
                    return
                self._send(200, json.dumps(body).encode(), "application/json")

        return Handler


def _status(record: dict[str, Any]) -> str | None:
    try:
        return record["protocolSection"]["statusModule"]["overallStatus"]
    except (KeyError, TypeError):
        return None


def _key(record: dict[str, Any], number: int) -> str:
    try:
        nct_id = record["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        nct_id = None
    return nct_id if isinstance(nct_id, str) and nct_id else f"UNREADABLE{number:04d}"


def _in_range(record: dict[str, Any], low: str, high: str) -> bool:
    try:
        posted = record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]
    except (KeyError, TypeError):
        posted = ""
    if not isinstance(posted, str):
        posted = str(posted)
    return (low == "MIN" or posted >= low) and (high == "MAX" or posted <= high)
