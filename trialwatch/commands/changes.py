"""`trialwatch changes`: what changed in the watched trials, as text, JSON, CSV or an Atom feed."""

from __future__ import annotations

import datetime as dt
import re

import click

from harvester.terms import EVENT_KINDS as KIND_CHOICES
from trialwatch.config import Settings
from trialwatch.options import common_options

__all__ = ["changes", "parse_since"]

_RELATIVE = re.compile(r"^(\d+)\s*([hdw])$", re.IGNORECASE)


def parse_since(value: str, now: dt.datetime | None = None) -> str | None:
    """``7d``, ``24h``, ``2w``, ``2025-06-01``, ``2025-06-01T12:00`` (UTC unless an offset is given) or ``all``."""
    from harvester.errors import UsageError

    text = value.strip()
    if text.lower() == "all":
        return None
    now = now or dt.datetime.now(dt.UTC)
    if match := _RELATIVE.match(text):
        amount, unit = int(match.group(1)), match.group(2).lower()
        delta = {"h": dt.timedelta(hours=amount), "d": dt.timedelta(days=amount), "w": dt.timedelta(weeks=amount)}
        return (now - delta[unit]).isoformat(timespec="seconds")
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"not a time to start from: {value!r}",
                         hint="use e.g. 7d, 24h, 2w, 2025-06-01, 2025-06-01T12:00 or all") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.isoformat(timespec="seconds")


def _kinds(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    kinds = [kind.strip().lower() for value in values for kind in value.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in KIND_CHOICES]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)} (choose from {', '.join(KIND_CHOICES)})")
    return tuple(dict.fromkeys(kinds))


@click.command()
@click.option("--since", default="7d", show_default=True,
              help="Changes detected since: 7d, 24h, 2w, a date (2025-06-01, UTC), or all.")
@click.option("--watch", "watch_name", metavar="NAME", help="Only changes to the trials of this watch.")
@click.option("--kind", "kinds", multiple=True, callback=_kinds, metavar="KIND",
              help=f"Only these kinds (repeatable or comma-separated): {', '.join(KIND_CHOICES)}.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "csv", "atom"]), default="text",
              show_default=True, help="atom writes an RFC 4287 feed a feed reader can subscribe to.")
@click.option("--limit", type=click.IntRange(1), metavar="N", help="Only the newest N changes.")
@click.option("--feed-url", metavar="URL",
              help="Where you publish the Atom feed (its rel=self link); without it the link is the feed's id.")
@common_options
def changes(since: str, watch_name: str | None, kinds: tuple[str, ...], output_format: str, limit: int | None,
            feed_url: str | None, settings: Settings) -> None:
    """Changes seen in stored trials: new trials, recruitment status, eligibility criteria, sponsors, sites, dates
    moved by more than a month, enrolment figures, and trials a watch no longer matches. Oldest first (Atom: newest
    first).

    \b
    Examples:
      trialwatch changes --since 30d --kind status
      trialwatch changes --watch lupus --format atom --feed-url https://example.org/lupus.atom > lupus.atom
    """
    from harvester.history.events import derive_pending_events, feed_namespace, query_events
    from harvester.history.watches import Watches
    from harvester.store.store import Store
    from search.views.change import view, views_of, watch_began
    from trialwatch.feeds import render_atom, render_csv, render_json
    from trialwatch.render import render_changes, terminal_width

    start = parse_since(since)
    with Store.open(settings.data_dir) as store:
        watch = Watches(store).get(watch_name) if watch_name else None
        derive_pending_events(store)  # versions stored by `harvest` since the last refresh
        events = query_events(store, since=start, watch=watch, kinds=kinds, limit=limit)
        namespace = feed_namespace(store) if output_format == "atom" else None
        began = watch_began(store, watch)
        views = views_of(store, events, watch) if output_format in ("text", "json") else []
    if output_format == "json":
        click.echo(render_json(views))
    elif output_format == "csv":
        click.echo(render_csv(events))
    elif output_format == "atom":
        assert namespace is not None  # read above for the atom format
        what = f"{watch.name} trials" if watch else "watched trials"
        alternate = _search_url(watch) if watch else "https://clinicaltrials.gov/"
        click.echo(render_atom(
            events, namespace=namespace, title=f"trialwatch: changes to {what}",
            feed_key=f"{watch.name if watch else ''}|{','.join(sorted(kinds))}", self_url=feed_url,
            alternate_url=alternate, view_of=lambda event: view(event, began),
        ))
    else:
        click.echo(render_changes(views, since=start, width=terminal_width()))


def _search_url(watch) -> str:
    """The watch's query as a search on clinicaltrials.gov (the feed's rel=alternate link)."""
    from urllib.parse import urlencode

    params = {key: value for key, value in (("cond", watch.query.condition), ("intr", watch.query.intervention),
                                            ("term", watch.query.term)) if value}
    return "https://clinicaltrials.gov/search?" + urlencode(params)
