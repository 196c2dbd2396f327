"""`trialwatch import`: load studies from the registry's download files, offline."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from trialwatch.commands.harvest import TerminalProgress
from trialwatch.config import Settings
from trialwatch.options import common_options, open_store, update_search_index

__all__ = ["import_command"]


@click.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@common_options
def import_command(paths: tuple[Path, ...], settings: Settings) -> None:
    """Import studies from registry downloads: a website JSON export, an API list page, a study, NDJSON or the
    bulk zip. Ends with one summary line; exit 1 if any item was skipped (the rest is imported).

    \b
    Examples:
      trialwatch import ctg-studies.json
      trialwatch import ctg-studies.json.zip page1.json
    """
    from harvester.registry.importer import import_files

    with open_store(settings, load_snapshot=False) as store:
        progress = TerminalProgress("importing")
        try:
            summary = import_files(store, paths, progress=lambda count: progress(count, None))
        finally:
            progress.close()
        update_search_index(store, settings)
    click.echo(summary.line())
    if summary.skipped:
        sys.exit(1)
