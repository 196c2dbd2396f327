"""`trialwatch watch add|list|remove`: the saved queries `trialwatch refresh` keeps up to date."""

from __future__ import annotations

import click

from trialwatch.commands.harvest import STATUS_CHOICES
from trialwatch.config import Settings
from trialwatch.options import common_options

__all__ = ["add", "list_watches", "notify", "remove", "watch"]


def _open(settings: Settings):
    from harvester.history.watches import Watches
    from harvester.store.store import Store

    store = Store.open(settings.data_dir)
    return store, Watches(store)


@click.group()
def watch() -> None:
    """Saved queries ("watches") that `trialwatch refresh` keeps up to date.

    A fresh data dir has one watch, "lupus" (condition: lupus OR cutaneous lupus erythematosus).

    \b
    Examples:
      trialwatch watch add lupus-nephritis --condition "lupus nephritis" --status recruiting
      trialwatch watch list
      trialwatch watch remove lupus-nephritis
    """


@watch.command("add")
@click.argument("name")
@click.option("--condition", help="Condition or disease (query.cond), Essie syntax allowed, e.g. 'lupus nephritis'.")
@click.option("--intervention", help="Drug or other intervention (query.intr), e.g. anifrolumab.")
@click.option("--term", help="Other terms (query.term), Essie syntax allowed.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUS_CHOICES, case_sensitive=False),
              help="Only trials with this overall status (repeatable).")
@common_options
def add(name: str, condition: str | None, intervention: str | None, term: str | None, statuses: tuple[str, ...],
        settings: Settings) -> None:
    """Save a query as a watch; the next `trialwatch refresh` lists it in full."""
    from harvester.history.watches import check_watch_name
    from harvester.registry.client import StudyQuery
    from harvester.statuses import status_from_option

    check_watch_name(name)
    query = StudyQuery(condition=condition, intervention=intervention, term=term,
                       statuses=tuple(status_from_option(status) for status in statuses))
    store, watches = _open(settings)
    with store:
        added = watches.add(name, query)
    click.echo(f"added watch {added.name}: {added.describe()}")


@watch.command("list")
@common_options
def list_watches(settings: Settings) -> None:
    """List the watches, how many trials each matches and when each was last refreshed."""
    store, watches = _open(settings)
    with store:
        rows = [(w, watches.count_members(w)) for w in watches.all()]
    if not rows:
        click.echo("No watches. Add one: trialwatch watch add NAME --condition ...")
        return
    width = max(len(w.name) for w, _ in rows)
    for w, members in rows:
        if w.last_success_at:
            state = f"{members} trials, refreshed {w.last_success_at[:16].replace('T', ' ')} UTC"
            state += f", complete listing {w.last_full_at[:10]}" if w.last_full_at else ""
        else:
            state = "not refreshed yet"
        if w.last_error:
            state += f"; last attempt failed: {w.last_error}"
        click.echo(f"{w.name:<{width}}  {w.describe()}  ({state})")


@watch.command("notify")
@click.argument("name")
@click.argument("url", required=False)
@common_options
def notify(name: str, url: str | None, settings: Settings) -> None:
    """POST this watch's new events to URL after each refresh (JSON, as `changes --format json`); no URL stops it.

    \b
    Example:
      trialwatch watch notify lupus https://example.org/hooks/lupus
    """
    from harvester.errors import UsageError

    if url is not None and not url.startswith(("http://", "https://")):
        raise UsageError(f"not an http(s) URL: {url!r}", hint="e.g. https://example.org/hooks/lupus")
    store, watches = _open(settings)
    with store:
        watches.set_notify_url(watches.get(name), url)
    click.echo(f"watch {name}: new events go to {url}" if url else f"watch {name}: no webhook")


@watch.command("remove")
@click.argument("name")
@common_options
def remove(name: str, settings: Settings) -> None:
    """Remove a watch. The change events it recorded stay in the history."""
    store, watches = _open(settings)
    with store:
        watches.remove(name)
    click.echo(f"removed watch {name}")
