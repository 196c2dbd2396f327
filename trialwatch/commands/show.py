"""`trialwatch show`: one stored trial, readable or as JSON."""

from __future__ import annotations

import click

from trialwatch.config import Settings
from trialwatch.options import common_options, open_store


@click.command()
@click.argument("nct_id")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json prints the parsed model (the model's own serialization).")
@common_options
def show(nct_id: str, output_format: str, settings: Settings) -> None:
    """Print one stored trial: status, sponsor, drugs, who can and cannot join, places.

    \b
    Example:
      trialwatch show NCT04267848
      trialwatch show NCT04267848 --format json | jq .overall_status
    """
    from harvester.models import normalize_nct_id
    from harvester.trials import load_trial
    from trialwatch.render import render_trial

    nct_id = normalize_nct_id(nct_id)
    with open_store(settings) as store:
        trial = load_trial(store, nct_id)
    if output_format == "json":
        click.echo(trial.model_dump_json(indent=2))
    else:
        click.echo(render_trial(trial))
