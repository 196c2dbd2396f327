"""`trialwatch harvest-pages`: fetch patient-facing trial pages into the store, next to the registry records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from harvester.pages import DEFAULT_URL_TEMPLATE
from trialwatch.config import Settings
from trialwatch.options import common_options, http_options, open_store, update_search_index

if TYPE_CHECKING:
    from harvester.registry.http import HttpSettings

__all__ = ["URL_TEMPLATE_ENV", "harvest_pages"]

URL_TEMPLATE_ENV = "TRIALWATCH_PAGE_URL_TEMPLATE"


@click.command("harvest-pages")
@click.argument("nct_ids", nargs=-1)
@click.option("--from-store", is_flag=True, help="Fetch the page of every trial already in the store.")
@click.option("--url-template", envvar=URL_TEMPLATE_ENV, show_envvar=True, default=DEFAULT_URL_TEMPLATE,
              show_default=True, help="Page URL, with {nct_id} where the NCT id goes.")
@http_options
@common_options
def harvest_pages(
    nct_ids: tuple[str, ...], from_store: bool, url_template: str, http_settings: HttpSettings, settings: Settings
) -> None:
    """Fetch trial pages (ClinConnect's by default) and keep every new version in the store.

    Requests are spaced like the registry's (--min-interval) and the site's robots.txt is obeyed. A trial
    without a page is skipped with a warning. The registry record stays authoritative: where a page shows
    another status, `trialwatch show` reports it as a finding. Ends with one summary line.

    \b
    Examples:
      trialwatch harvest-pages NCT06965244
      trialwatch harvest-pages --from-store --min-interval 2
    """
    from harvester.errors import RegistryUnavailable, UsageError
    from harvester.models import normalize_nct_id
    from harvester.pages.fetch import PageFetcher
    from harvester.pages.harvest import harvest_pages as harvest
    from harvester.registry.http import PoliteClient

    if bool(nct_ids) == from_store:
        raise UsageError("give NCT ids or --from-store" + (", not both" if from_store else ""))
    ids = [normalize_nct_id(value) for value in nct_ids]
    with open_store(settings, load_snapshot=False) as store, PoliteClient(http_settings) as client:
        fetcher = PageFetcher(client, url_template)
        if from_store:
            ids = store.nct_ids()
            if not ids:
                raise UsageError("the store holds no trials yet", hint="run trialwatch harvest first")
        try:
            summary = harvest(fetcher, store, ids)
        except RegistryUnavailable as error:
            error.hint = "check your network or --url-template, then try again later"
            raise
        update_search_index(store, settings)
    click.echo(summary.line())
