"""`trialwatch show`: one stored trial, readable or as JSON."""

from __future__ import annotations

import click

from harvester.terms import NctId
from trialwatch.config import Settings
from trialwatch.options import common_options, open_store

__all__ = ["show"]


@click.command()
@click.argument("nct_id")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json prints the parsed model (the model's own serialization).")
@click.option("--history", is_flag=True, help="Print the trial's status timeline from its stored versions instead.")
@click.option("--sources", is_flag=True,
              help="List the trial's stored versions (registry record, trial page) and their findings instead.")
@click.option("--near", metavar="PLACE",
              help="List the sites nearest this city first, with distances, and the nearest site's contacts first.")
@common_options
def show(nct_id: str, output_format: str, history: bool, sources: bool, near: str | None, settings: Settings) -> None:
    """Print one stored trial: status, sponsor, drugs, who can and cannot join, whom to contact, places.

    \b
    Example:
      trialwatch show NCT04267848
      trialwatch show NCT04267848 --near Boston
      trialwatch show NCT04267848 --format json | jq .central_contacts
    """
    from harvester.models import normalize_nct_id
    from harvester.store.trials import load_trial
    from search.views.trial import trial_view
    from trialwatch.render import render_trial, terminal_width

    nct_id = normalize_nct_id(nct_id)
    if history:
        _show_history(nct_id, output_format, settings)
        return
    if sources:
        _show_sources(nct_id, output_format, settings)
        return
    place = None
    if near is not None:
        from search.models import checked_text
        from search.nearby import resolve_near

        place = resolve_near(checked_text("--near", near), None, open_sites_only=False)
        click.echo(f"trialwatch: near {place.note}", err=True)
    with open_store(settings) as store:
        trial = load_trial(store, nct_id)
    if output_format == "json":
        click.echo(trial.model_dump_json(indent=2))
    else:
        click.echo(render_trial(trial_view(trial, near=place), terminal_width()))
    if trial.provenance.source == "page":  # the next step, on stderr: stdout is the trial as a patient reads it
        click.echo(f"trialwatch: `trialwatch harvest {nct_id}` stores its registry record, when it has one", err=True)


def _show_history(nct_id: NctId, output_format: str, settings: Settings) -> None:
    import json

    from harvester.history.timeline import status_timeline
    from harvester.store.trials import load_trial
    from trialwatch.render import render_timeline, terminal_width

    with open_store(settings) as store:
        timeline = status_timeline(store, load_trial(store, nct_id))
    if output_format == "json":
        click.echo(json.dumps(timeline.as_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_timeline(timeline, terminal_width()))


def _show_sources(nct_id: NctId, output_format: str, settings: Settings) -> None:
    import json

    from search.views.sources import sources_json, trial_sources
    from trialwatch.render import render_sources, terminal_width

    with open_store(settings) as store:
        found = trial_sources(store, nct_id)
    if output_format == "json":
        click.echo(json.dumps(sources_json(found), indent=2, ensure_ascii=False))
    else:
        click.echo(render_sources(found, terminal_width()))
