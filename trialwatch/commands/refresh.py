"""`trialwatch refresh`: bring every watch up to date; built to run from cron.

Quiet on success (``--summary`` prints one line, ``-v`` tells more on stderr). On failure: one line on stderr and
exit status 1, or 75 (EX_TEMPFAIL from sysexits.h: try again later) for every fault that may pass by itself: the
registry rate-limits, cannot be reached or answers garbage or endless paging, records were skipped as unreadable
(asked for again next run), or another refresh (or an index build) holds the lock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from trialwatch.config import Settings
from trialwatch.options import common_options, http_options

if TYPE_CHECKING:
    from harvester.registry.http import HttpSettings

__all__ = ["EX_TEMPFAIL", "refresh"]

EX_TEMPFAIL = 75
logger = logging.getLogger(__name__)


@contextmanager
def _quiet_unless_verbose(verbose: int) -> Iterator[None]:
    """Cron mails whatever a job prints: below -v only the final error line may reach stderr (retries are logged
    as warnings). The package loggers' levels are restored afterwards."""
    from trialwatch.cli import configure_logging, package_loggers

    levels = {logger: logger.level for logger in package_loggers()}
    if verbose:
        configure_logging(verbose)
    elif logging.getLogger("trialwatch").getEffectiveLevel() >= logging.WARNING:  # no -v before the command
        for logger in levels:
            logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in levels.items():
            logger.setLevel(level)


@click.command()
@click.option("--watch", "names", multiple=True, metavar="NAME", help="Refresh only this watch (repeatable).")
@click.option("--full", is_flag=True,
              help="List every watch in full instead of only records updated since its last refresh; finds the"
                   " trials a watch no longer matches.")
@click.option("--full-every", type=click.IntRange(0), default=7, show_default=True, metavar="DAYS",
              help="List a watch in full when its last complete listing is this many days old (0: only with --full"
                   " and on a watch's first refresh).")
@click.option("--page-size", type=click.IntRange(1, 1000), default=100, show_default=True)
@click.option("--summary", is_flag=True, help="Print one summary line on success.")
@click.option("--notify-url", metavar="URL",
              help="POST the run's new change events to this URL as JSON (the schema of `changes --format json`);"
                   " a failed delivery is kept and retried on the next run.")
@click.option("-v", "--verbose", count=True, help="Say what each watch did (stderr); -vv for HTTP requests.")
@http_options
@common_options
def refresh(names: tuple[str, ...], full: bool, full_every: int, page_size: int, summary: bool,
            notify_url: str | None, verbose: int, http_settings: HttpSettings, settings: Settings) -> None:
    """Bring every watch up to date: fetch what changed, record change events, update the search index.

    Each watch asks the registry only for records updated since its last successful refresh (a day of overlap);
    its first refresh, --full, and every --full-every days list it in full, which is the only way to learn that
    a trial no longer matches it. Safe to run from cron: one run at a time per data dir (a second one exits
    with status 75), and a run killed at any point is caught up by the next.

    \b
    Example crontab line (03:17 every night):
      17 3 * * * TRIALWATCH_DATA=$HOME/trialwatch trialwatch refresh --summary >> $HOME/trialwatch.log 2>&1
    """
    from harvester.errors import TrialwatchError
    from harvester.history.refresh import refresh as run_refresh
    from harvester.registry.client import RegistryClient
    from harvester.store.runlock import RefreshLock
    from harvester.store.store import Store
    from trialwatch.cli import CommandFailed

    try:
        with _quiet_unless_verbose(verbose), RefreshLock(settings.data_dir) as lock:
            if lock.taken_over:
                logger.info(lock.taken_over)
            with Store.open(settings.data_dir) as store, RegistryClient(settings.api_url, http_settings) as client:
                before = _events_before(store)
                result = run_refresh(store, client, settings.data_dir, names=names, full=full,
                                     full_every_days=full_every, page_size=page_size,
                                     index_update=_index_update)
                _notify(store, notify_url, *before, names=names, http_settings=http_settings)
    except TrialwatchError as error:
        failure = CommandFailed(error)
        if error.transient:
            failure.exit_code = EX_TEMPFAIL  # type: ignore[misc]
        raise failure from error
    if summary or verbose or logger.isEnabledFor(logging.INFO):  # -v here or before the command name
        click.echo(result.line() + (f"; {lock.taken_over}" if lock.taken_over else ""))
    if result.failed:
        first = result.failed[0]
        more = f" (and {len(result.failed) - 1} more)" if len(result.failed) > 1 else ""
        failure = CommandFailed(TrialwatchError(f"watch {first.name} failed: {first.error}{more}"))
        if any(watch.transient for watch in result.failed):
            failure.exit_code = EX_TEMPFAIL  # type: ignore[misc]
        raise failure
    if skipped := result.totals().skipped:
        failure = CommandFailed(TrialwatchError(
            f"{skipped} unreadable record{'s' if skipped != 1 else ''} skipped; they are asked for again next run"))
        failure.exit_code = EX_TEMPFAIL  # type: ignore[misc]
        raise failure


def _events_before(store):
    return (store.max_event_id(),)


def _notify(store, url: str | None, last_event_id: int, *, names: tuple[str, ...],
            http_settings: HttpSettings) -> None:
    """Queue this run's new events for `url` and each refreshed watch's for its own URL, then deliver every
    pending payload; never fails the refresh. Each event is posted as its change view's JSON
    (`search.views.change.change_json`), as ``changes --format json`` (with ``--watch`` for a watch's URL) says it."""
    from harvester.errors import TrialwatchError
    from harvester.history.events import query_events
    from harvester.history.watches import Watches
    from harvester.history.webhook import deliver_pending, queue_events
    from search.views.change import change_json, watch_began

    try:
        if url:
            queue_events(store, url, query_events(store, after_id=last_event_id), change_json(watch_began(store)))
        for watch in Watches(store).all():
            if watch.notify_url and (not names or watch.name in names):
                queue_events(store, watch.notify_url, query_events(store, watch=watch, after_id=last_event_id),
                             change_json(watch_began(store, watch)))
        if store.pending_deliveries():
            logger.info(deliver_pending(store, timeout=min(http_settings.timeout, 10.0),
                                        retries=min(http_settings.max_attempts, 3) - 1,
                                        backoff=http_settings.backoff_base).line())
    except TrialwatchError as error:
        logger.error("webhook: %s (the refresh itself succeeded)", error)


def _index_update(store, data_dir):
    from index.build import update_index

    return update_index(store, data_dir)
