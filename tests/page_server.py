"""A small local web site serving trial pages and a robots.txt, for end-to-end tests of `harvest-pages`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PageServer:
    """Serves ``/trials/{NCT id}`` from `pages` (404 for others) and `robots` at ``/robots.txt`` (404 if None)."""

    def __init__(self, pages: dict[str, str], robots: str | None = "User-agent: *\nAllow: /\n") -> None:
        self.pages = pages
        self.robots = robots
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url_template(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/trials/{{nct_id}}"

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.requests.append(self.path)
                if self.path == "/robots.txt" and site.robots is not None:
                    self._send(200, site.robots, "text/plain; charset=utf-8")
                elif self.path.startswith("/trials/") and self.path[8:] in site.pages:
                    self._send(200, site.pages[self.path[8:]], "text/html; charset=utf-8")
                else:
                    self._send(404, "<h1>Not found</h1>", "text/html; charset=utf-8")

            def _send(self, status: int, text: str, content_type: str) -> None:
                body = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
