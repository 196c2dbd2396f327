"""`trialwatch index`: rebuild the search index from the store (no network)."""

from __future__ import annotations

import click

from trialwatch.config import Settings
from trialwatch.options import common_options, open_store

__all__ = ["index_command"]


@click.command("index")
@click.option("--update", is_flag=True,
              help="Re-index only the trials stored since the last index run (builds in full when there is no index).")
@click.option("--processes", type=click.IntRange(1, 16),
              help="Writer processes of a full rebuild [default: 2 for 1,000 trials or more, else 1].")
@common_options
def index_command(update: bool, processes: int | None, settings: Settings) -> None:
    """Rebuild the search index from the stored trials; searches keep using the old index until it is ready.

    \b
    Examples:
      trialwatch index
      trialwatch index --update
      trialwatch index --processes 1
    """
    from index.build import rebuild_index, update_index

    with open_store(settings) as store:
        summary = (update_index(store, settings.data_dir) if update
                   else rebuild_index(store, settings.data_dir, processes=processes))
    click.echo(summary.line())
