"""`trialwatch harvest`: fetch registry records into the versioned store."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from harvester.statuses import STATUS_OPTIONS, status_from_option
from trialwatch.config import Settings
from trialwatch.options import common_options, http_options, open_store, update_search_index

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from harvester.registry.http import HttpSettings

__all__ = ["STATUS_CHOICES", "TerminalProgress", "harvest"]

STATUS_CHOICES = STATUS_OPTIONS


class TerminalProgress:
    """A progress bar on an interactive terminal, started once the total is known; silent under cron or a pipe."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._bar: ProgressBar[int] | None = None
        self._enabled = sys.stderr.isatty()

    def __call__(self, count: int, total: int | None) -> None:
        if not self._enabled:
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total or count, label=self._label, file=sys.stderr, show_pos=True)
            self._bar.__enter__()
        self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


@click.command()
@click.argument("nct_ids", nargs=-1)
@click.option("--condition", help="Condition or disease (query.cond), e.g. lupus.")
@click.option("--intervention", help="Drug or other intervention (query.intr), e.g. lenalidomide.")
@click.option("--term", help="Other terms (query.term), Essie syntax allowed.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUS_CHOICES, case_sensitive=False),
              help="Only trials with this overall status (repeatable).")
@click.option("--advanced", help="An Essie filter.advanced expression, e.g. AREA[StartDate]RANGE[2024-01-01,MAX].")
@click.option("--page-size", type=click.IntRange(1, 1000), default=100, show_default=True)
@http_options
@common_options
def harvest(
    nct_ids: tuple[str, ...],
    condition: str | None,
    intervention: str | None,
    term: str | None,
    statuses: tuple[str, ...],
    advanced: str | None,
    page_size: int,
    http_settings: HttpSettings,
    settings: Settings,
) -> None:
    """Fetch trials from ClinicalTrials.gov and keep every new version in the store.

    Give NCT ids, or a query (--condition, --intervention, --term, --status). Ends with one summary line.

    \b
    Examples:
      trialwatch harvest --condition lupus --status recruiting --status not-yet-recruiting
      trialwatch harvest NCT04267848 NCT02513394
    """
    from harvester.errors import UsageError
    from harvester.models import normalize_nct_id
    from harvester.registry.client import RegistryClient, StudyQuery
    from harvester.registry.harvest import harvest_ids, harvest_query

    has_query = any((condition, intervention, term, statuses, advanced))
    if nct_ids and has_query:
        raise UsageError("give NCT ids or a query, not both")
    if not nct_ids and not has_query:
        raise UsageError("nothing to harvest", hint="give NCT ids or a query such as --condition lupus")
    ids = [normalize_nct_id(value) for value in nct_ids]
    query = StudyQuery(
        condition=condition, intervention=intervention, term=term, advanced=advanced, page_size=page_size,
        statuses=tuple(status_from_option(value) for value in statuses), count_total=True,
    ) if has_query else None

    with open_store(settings, load_snapshot=False) as store, \
            RegistryClient(settings.api_url, http_settings) as client:
        progress = TerminalProgress("harvesting")
        try:
            if query is not None:
                summary = harvest_query(client, store, query, progress=progress)
            else:
                summary = harvest_ids(client, store, ids, progress=progress)
        finally:
            progress.close()
        update_search_index(store, settings)
    click.echo(summary.line())
