"""The local web app: a search form, a results list and a plain-language page per trial.

Starlette routes rendering Jinja2 templates (autoescape on: nothing from a record is ever marked safe). Every page
is a GET that works without JavaScript. Errors become plain pages: 400 for bad parameters, 404 for unknown trials and
paths, 500 (logged, no traceback shown) for anything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harvester.errors import IndexDamaged, InvalidNctId, NotInStore, SearchIndexError, TrialwatchError, UsageError
from harvester.models import normalize_nct_id
from search.models import MAX_AGE, clean_text
from search.views.contacts import NEAREST_SITES_SHOWN
from trialwatch.web import forms, searching, views
from trialwatch.web.chart import watch_chart
from trialwatch.web.searching import SearchPage

__all__ = ["HERE", "SECURITY_HEADERS", "SecurityHeaders", "create_app", "prepare_data", "template_environment"]

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

#: no scripts, no frames, no third-party anything: the pages need only their own stylesheet
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}

_REASONS = {
    400: "This search cannot be run",
    404: "Page not found",
    405: "Method not allowed",
    500: "Something went wrong",
    503: "Search is not ready",
}


_PLAIN_500 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
    'content="width=device-width, initial-scale=1"><title>Something went wrong · trialwatch</title></head>'
    "<body><main><h1>Something went wrong</h1><p>The page could not be shown. The error was logged where "
    'trialwatch runs.</p><p><a href="/">Start a new search</a></p></main></body></html>'
)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


def template_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its name: record text is always escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(views.jinja_filters())
    environment.globals.update(
        status_choices=forms.STATUS_CHOICES,
        sex_choices=forms.SEX_CHOICES,
        sort_choices=forms.SORT_CHOICES,
        max_age=MAX_AGE,
    )
    return environment


class SecurityHeaders:
    """Add `SECURITY_HEADERS` to every response, error pages included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(data_dir: Path, *, search: Callable[[Path, forms.SearchForm], SearchPage] | None = None) -> Starlette:
    """The app over the store and index in `data_dir`.

    The data dir should already hold data and an index (`prepare_data`); `trialwatch serve` does that at start.
    Each request opens the store (SQLite connections stay in their thread) and the index's live generation anew, so
    a harvest or an index rebuild running beside the server shows on the next page. `search` replaces the search
    function, for tests.
    """
    environment = template_environment()
    run_search = search or searching.run_search

    def render(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        html = environment.get_template(name).render(request=request, **context)
        return HTMLResponse(html, status_code=code)

    def error_page(request: Request, status_code: int, message: str, hint: str | None = None, *,
                   reason: str | None = None) -> HTMLResponse:
        return render(request, "error.html", status_code, status_code=status_code,
                      reason=reason or _REASONS.get(status_code, "Error"), message=message, hint=hint)

    def home(request: Request) -> Response:
        return render(request, "search.html", form=forms.SearchForm(), results=None, error=None)

    def search_page(request: Request) -> Response:
        form = forms.SearchForm.from_query(request.query_params)
        try:
            try:
                results = run_search(data_dir, form)
            except IndexDamaged as damage:
                from index.build import rebuild_damaged

                logger.warning("%s; rebuilding it from the store", str(damage))
                logger.warning(rebuild_damaged(data_dir).line())
                results = run_search(data_dir, form)
        except UsageError as error:
            # the form is fine but the words (or the place, or the distance) cannot be read: show the form again,
            # filled in, with the reason
            return render(request, "search.html", 400, form=form, results=None,
                          error={"reason": _REASONS[400], "message": _sentence(str(error)), "hint": error.hint})
        if results.named_trial:
            return RedirectResponse(request.url_for("trial", nct_id=results.named_trial).path, status_code=303)
        return render(request, "search.html", form=form, results=results, error=None)

    def trial_page(request: Request) -> Response:
        given = request.path_params["nct_id"]
        nct_id = normalize_nct_id(given)
        if nct_id != given:
            return RedirectResponse(request.url_for("trial", nct_id=nct_id).path, status_code=301)
        from harvester.store.store import Store
        from harvester.store.trials import load_trial
        from search.views.trial import trial_view

        near_asked = clean_text(request.query_params.get("near", ""))[:200]
        near, near_error = None, ""
        if near_asked:
            from search.nearby import resolve_near

            try:
                near = resolve_near(near_asked, None, open_sites_only=False)
            except UsageError as error:
                near_error = _sentence(str(error)) + (f" ({_sentence(error.hint)[:-1]})." if error.hint else "")
        with Store.open(data_dir) as store:
            view = trial_view(load_trial(store, nct_id), store, near=near)
        return render(request, "trial.html", view=view, trial=view.trial, near_asked=near_asked,
                      near_error=near_error, nearest_shown=NEAREST_SITES_SHOWN)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = {404: f"There is no page at {request.url.path}.",
                   405: f"{request.method} is not allowed here."}.get(exc.status_code, str(exc.detail))
        response = error_page(request, exc.status_code, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def usage_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, TrialwatchError)
        if isinstance(exc, NotInStore):
            nct_id = request.path_params.get("nct_id", "")
            # the operator's next step goes to the server log; the patient's page speaks plainly
            logger.info("%s asked for but not stored: run `trialwatch harvest %s` to add it", nct_id, nct_id)
            return error_page(request, 404, f"No trial {nct_id} in this data.",
                              "This trial has not been collected here yet. Its registry record may be on "
                              "ClinicalTrials.gov.")
        if isinstance(exc, SearchIndexError):
            # what to run is for the operator, in the server log; the patient is told to come back
            logger.error("search index: %s (%s)", exc, exc.hint)
            return error_page(request, 503, "Search is being prepared on this computer.",
                              "Please try again in a few minutes.")
        if isinstance(exc, UsageError):
            if isinstance(exc, InvalidNctId) and "nct_id" in request.path_params:
                return error_page(request, 400, f"{request.path_params['nct_id']!r} is not a trial id.", exc.hint,
                                  reason="Not a trial id")
            return error_page(request, 400, _sentence(str(exc)), exc.hint)
        logger.error("%s: %s", request.url.path, exc)
        return error_page(request, 500, str(exc).splitlines()[0] if str(exc) else type(exc).__name__, exc.hint)

    async def server_error(request: Request, exc: Exception) -> Response:
        logger.error("error serving %s", request.url.path, exc_info=exc)
        message = "The page could not be shown. The error was logged where trialwatch runs."
        try:
            return error_page(request, 500, message)
        except Exception:  # the error page itself failed: still no traceback for the browser
            logger.exception("error rendering the error page")
            return HTMLResponse(_PLAIN_500, status_code=500)

    def _changes(request: Request) -> tuple[Any, Any, list[Any], str | None]:
        from harvester.history.events import derive_pending_events
        from harvester.history.watches import Watches
        from harvester.store.store import Store
        from search.views.change import select_changes
        from trialwatch.commands.changes import parse_since
        from trialwatch.web.changes import ChangeFilters

        filters = ChangeFilters.from_query(request.query_params)
        start = parse_since(filters.since)
        with Store.open(data_dir) as store:
            watches = Watches(store)
            watch = watches.get(filters.watch) if filters.watch else None
            derive_pending_events(store)
            views = select_changes(store, since=start, watch=watch, kinds=filters.kinds,
                                   severities=filters.severities)
            chart = watch_chart(store, watch) if watch is not None else None
            context = {"watch_names": [w.name for w in watches.all()], "chart": chart}
        return filters, context, views, start

    def _conditional(request: Request, body: str, media_type: str, newest: str | None) -> Response:
        from trialwatch.web.changes import not_modified, validators

        headers = validators(body.encode(), newest)
        if not_modified(request.headers, headers):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=media_type, headers=headers)

    def changes_page(request: Request) -> Response:
        from search.views.change import group_by_trial
        from trialwatch.web.changes import SHOWN_KINDS

        filters, context, views, start = _changes(request)
        return render(request, "changes.html", filters=filters, groups=group_by_trial(views), count=len(views),
                      start=start, shown_kinds=SHOWN_KINDS, **context)

    def changes_atom(request: Request) -> Response:
        from harvester.history.events import feed_namespace
        from harvester.store.store import Store
        from trialwatch.feeds import render_atom

        filters, _context, views, start = _changes(request)
        with Store.open(data_dir) as store:
            namespace = feed_namespace(store)
        view_of = {view.event.id: view for view in views}
        body = render_atom(
            [view.event for view in views], namespace=namespace, feed_key=filters.feed_key,
            title=f"trialwatch: changes to {filters.watch + ' trials' if filters.watch else 'watched trials'}",
            self_url=str(request.url), alternate_url=str(request.url_for("changes")) + filters.query(),
            now=start or "1970-01-01T00:00:00+00:00", view_of=lambda event: view_of[event.id],
        )
        return _conditional(request, body, "application/atom+xml", views[0].event.detected_at if views else None)

    def changes_json(request: Request) -> Response:
        from trialwatch.feeds import render_json

        _filters, _context, views, _start = _changes(request)
        body = render_json(views)
        return _conditional(request, body, "application/json", views[0].event.detected_at if views else None)

    routes = [
        Route("/", home, name="home"),
        Route("/changes", changes_page, name="changes"),
        Route("/changes.atom", changes_atom, name="changes_atom"),
        Route("/changes.json", changes_json, name="changes_json"),
        Route("/search", search_page, name="search"),
        Route("/trials/{nct_id}", trial_page, name="trial"),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: http_error, TrialwatchError: usage_error, Exception: server_error},
    )


def prepare_data(data_dir: Path) -> tuple[str | None, str | None]:
    """Load the bundled snapshot into an empty data dir and bring the search index up to date.

    Returns (a line about the snapshot when one is in use, a line about the index).
    """
    from harvester.store.snapshot import ensure_data_note
    from harvester.store.store import Store
    from index.status import bring_up_to_date

    with Store.open(data_dir) as store:
        note = ensure_data_note(store)
        freshness = bring_up_to_date(store, data_dir)
    return note, freshness.line() or "index: up to date"
