"""Options every command shares, and the helpers commands use to open the data dir."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from harvester.registry import DEFAULT_API_URL
from trialwatch.config import API_URL_ENV, DATA_ENV, Settings, default_data_dir

__all__ = ["common_options", "http_options", "open_store", "update_search_index"]

logger = logging.getLogger(__name__)


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --data-dir and --api-url to a command; it receives them as one `settings` argument."""

    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar=DATA_ENV,
        show_envvar=True,
        default=default_data_dir,
        show_default="$XDG_DATA_HOME/trialwatch",
        help="Where the store and index live.",
    )
    @click.option(
        "--api-url",
        envvar=API_URL_ENV,
        show_envvar=True,
        default=DEFAULT_API_URL,
        show_default=True,
        help="ClinicalTrials.gov API v2 base URL (or a mirror, proxy or test server).",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, data_dir: Path, api_url: str, **kwargs: Any) -> Any:
        _check_api_url(api_url)
        settings = Settings(data_dir=data_dir, api_url=api_url.rstrip("/"))
        return command(*args, settings=settings, **kwargs)

    return wrapper


def _check_api_url(api_url: str) -> None:
    """An --api-url that cannot be an HTTP(S) base URL is a usage error (exit 2), found before any request."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(api_url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in api_url)
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:
        valid = False
    if not valid:
        raise click.BadParameter(f"not an http(s) URL: {api_url!r}", param_hint="'--api-url'")


def open_store(settings: Settings, *, load_snapshot: bool = True):
    """Open the data dir's store; an empty one gets the bundled snapshot, and stderr says so."""
    from harvester.store.snapshot import ensure_data_note
    from harvester.store.store import Store

    store = Store.open(settings.data_dir)
    if load_snapshot and (note := ensure_data_note(store)):
        click.echo(f"trialwatch: {note}", err=True)
    return store


def http_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --min-interval, --retries and --timeout; the command receives them as `http_settings`."""

    @click.option("--min-interval", type=click.FloatRange(0), default=1.0, show_default=True,
                  help="Seconds between requests (the registry's robots.txt asks for 1).")
    @click.option("--retries", type=click.IntRange(0, 20), default=4, show_default=True,
                  help="Retries after a 429, a 5xx, a timeout or a connection error, with exponential backoff.")
    @click.option("--timeout", type=click.FloatRange(1), default=30.0, show_default=True,
                  help="Seconds to wait for each phase of a request.")
    @click.option("--max-wait", type=click.FloatRange(0), default=300.0, show_default=True,
                  help="Give up at once when the server asks (Retry-After) to wait longer than this many seconds.")
    @functools.wraps(command)
    def wrapper(*args: Any, min_interval: float, retries: int, timeout: float, max_wait: float,
                **kwargs: Any) -> Any:
        from harvester.registry.http import HttpSettings

        settings = HttpSettings(min_interval=min_interval, max_attempts=retries + 1, timeout=timeout,
                                max_wait=max_wait)
        return command(*args, http_settings=settings, **kwargs)

    return wrapper


def update_search_index(store, settings: Settings) -> None:
    """Re-index the trials a command just stored; a busy index is left for the next search or refresh."""
    from index.status import bring_up_to_date

    freshness = bring_up_to_date(store, settings.data_dir)
    if freshness.busy:
        logger.warning("the search index is busy; the next search or refresh brings it up to date")
    elif line := freshness.line():
        logger.info(line)
