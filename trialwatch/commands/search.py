"""`trialwatch search`: find trials by words, drug, status, criterion, condition, sponsor, place, age and sex."""

from __future__ import annotations

import click

from harvester.errors import IndexDamaged
from harvester.statuses import OPEN, STATUS_OPTIONS
from search.models import MAX_AGE
from trialwatch.config import Settings
from trialwatch.options import common_options, open_store

__all__ = ["MEANINGS_SHOWN", "PHASE_CHOICES", "SEARCH_LOCK_TIMEOUT", "STATUS_CHOICES", "search"]

#: every registry status, plus "open" (recruiting, not yet recruiting or by invitation)
STATUS_CHOICES = [OPEN, *STATUS_OPTIONS]
PHASE_CHOICES = ["early1", "1", "2", "3", "4", "na"]
#: a search that finds the index busy waits this long for it before searching the index as it is
SEARCH_LOCK_TIMEOUT = 1.0
#: at most this many of the meanings searched besides the words are named
MEANINGS_SHOWN = 3


@click.command()
@click.argument("query", nargs=-1)
@click.option("--drug", help="Drug or other intervention, by generic, brand or code name (all words).")
@click.option("--condition", help="Condition or disease, including its MeSH terms (all words).")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUS_CHOICES, case_sensitive=False),
              help="Overall status (repeatable); 'open' means recruiting, not yet recruiting or by invitation.")
@click.option("--criterion", help="Words, in this order, in the inclusion or the exclusion criteria.")
@click.option("--inclusion", help="Words, in this order, in the inclusion criteria.")
@click.option("--exclusion", help="Words, in this order, in the exclusion criteria.")
@click.option("--sponsor", help="Lead sponsor or collaborator (all words).")
@click.option("--phase", "phases", multiple=True, type=click.Choice(PHASE_CHOICES, case_sensitive=False),
              help="Trial phase (repeatable).")
@click.option("--country", help="Country with a trial site.")
@click.option("--age", type=click.FloatRange(0, MAX_AGE), help="Only trials whose age limits admit this age (years).")
@click.option("--age-group", "age_groups", multiple=True,
              type=click.Choice(["child", "adult", "older-adult"], case_sensitive=False),
              help="Only trials for this age group, as the registry groups ages (repeatable): child (under 18), "
                   "adult (18 to 64), older-adult (65 and over).")
@click.option("--sex", type=click.Choice(["female", "male"], case_sensitive=False),
              help="Only trials open to this sex.")
@click.option("--near", metavar="PLACE",
              help="Only trials with a site near this city ('Lyon', 'Paris, TX', 'Portland, Oregon'), found offline; "
                   "of several places of that name the most populous. Each result shows its nearest site. In a "
                   "search of open trials only open sites count.")
@click.option("--within", metavar="DISTANCE",
              help="How near, with --near: kilometres ('50', '30 km') or miles ('50mi')  [default: 100 km]")
@click.option("--sort", type=click.Choice(["relevance", "distance"], case_sensitive=False), default="relevance",
              show_default=True, help="Order of the results: best match first, or (with --near) nearest site first.")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="Results to show.")
@click.option("--literal", is_flag=True,
              help="Search the words as written: read no status, phase, place, sex or NCT id out of them.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True)
@common_options
def search(
    query: tuple[str, ...],
    drug: str | None,
    condition: str | None,
    statuses: tuple[str, ...],
    criterion: str | None,
    inclusion: str | None,
    exclusion: str | None,
    sponsor: str | None,
    phases: tuple[str, ...],
    country: str | None,
    age: float | None,
    age_groups: tuple[str, ...],
    sex: str | None,
    near: str | None,
    within: str | None,
    sort: str,
    limit: int,
    literal: bool,
    output_format: str,
    settings: Settings,
) -> None:
    """Search the stored trials; best matches first, each with the part of the record that matched.

    QUERY is plain words, best match first: trials matching every word rank first, then those matching most of
    them (in titles, conditions, keywords, drugs, summary, sponsors or countries; title, condition and drug
    matches above the rest, criteria lowest). What the registry's records say a word means counts too (other
    names of drugs, MeSH terms of lay words, abbreviations); British spellings find American ones. Statuses
    ("still recruiting"), phases ("phase 3"), age groups ("children"), countries, cities after "in" or "near",
    sex words and NCT ids in the text become filters (--literal turns that off). "Quoted phrases", field:word
    (drug, condition, status, phase, criterion, inclusion, exclusion, sponsor, country, city, type, sex, nct,
    updated:[2024 TO], start:2023) and AND / OR / NOT are strict. A word found in no trial is named and gets a
    "did you mean"; the correction is run instead when it is sure, or when nothing matches.

    \b
    Examples:
      trialwatch search lupus nephritis --status open --age 34 --sex female
      trialwatch search 'drug:lenalidomide status:recruiting exclusion:pregnant'
      trialwatch search --drug Keytruda --country France --format json
      trialwatch search lupus --near 'Miami, FL' --within 50mi --sort distance
    """
    from search.engine import search as run
    from search.formats import render_csv
    from search.models import SearchRequest, checked_text
    from search.views.result import result_view
    from trialwatch.render import render_results, terminal_width

    def text(option: str, value: str | None) -> str | None:
        return checked_text(option, value) or None if value is not None else None

    request = SearchRequest(
        query=checked_text("the query", " ".join(query)), drug=text("--drug", drug),
        condition=text("--condition", condition), criterion=text("--criterion", criterion),
        inclusion=text("--inclusion", inclusion), exclusion=text("--exclusion", exclusion),
        sponsor=text("--sponsor", sponsor), statuses=tuple(s.lower() for s in statuses),
        phases=tuple(p.lower() for p in phases), country=text("--country", country), age=age,
        age_groups=tuple(group.lower().replace("-", "_") for group in age_groups), sex=sex.lower() if sex else None,  # type: ignore[arg-type]  # a click.Choice
        limit=limit, literal=literal, near=text("--near", near), within=text("--within", within),
        sort=sort.lower(),  # type: ignore[arg-type]  # a click.Choice
    )
    _prepare_index(settings)
    try:
        response = run(settings.data_dir, request)
    except IndexDamaged as damage:
        from index.build import rebuild_damaged

        click.echo(f"trialwatch: {damage}; rebuilding it from the store", err=True)
        click.echo(f"trialwatch: {rebuild_damaged(settings.data_dir).line()}", err=True)
        response = run(settings.data_dir, request)

    if response.near:
        click.echo(f"trialwatch: near {response.near}, within {response.within}", err=True)
    if response.understood:
        click.echo("trialwatch: understood as: " + " · ".join(response.understood), err=True)
    if response.meanings:
        click.echo("trialwatch: also searched: " + "; ".join(f"{words} as {meaning!r}" for words, meaning in
                                                        response.meanings[:MEANINGS_SHOWN]), err=True)
    for word in response.unmatched:
        click.echo(f"trialwatch: no trial mentions {word!r}", err=True)
    if response.suggestion is not None:
        if response.corrected:
            click.echo(f"trialwatch: showing results for: {response.suggestion.text}", err=True)
        else:
            click.echo(f"trialwatch: did you mean: {response.suggestion.text}", err=True)
    if output_format == "json":
        click.echo(response.to_json())
    elif output_format == "csv":
        click.echo(render_csv(response), nl=False)
    elif response.results:
        click.echo(render_results((result_view(result, request) for result in response.results), width=terminal_width(),
                                  mark=lambda word: click.style(word, bold=True)))
    shown = len(response.results)
    total = response.total or 0
    matches = "1 trial matches" if total == 1 else f"{total} trials match"
    click.echo(f"trialwatch: {matches}" + (f", showing the first {shown}" if shown < total else ""), err=True)
    if response.closest_outside is not None:
        site = response.closest_outside.site
        click.echo(f"trialwatch: the nearest matching trial, {response.closest_outside.nct_id}, has a site "
                   f"{site.distance} away ({site.place}); --within sets how far to look", err=True)


def _prepare_index(settings: Settings) -> None:
    """Build the index on first use, and bring it up to date when the store has changed since; say so on stderr."""
    from harvester.store.store import Store
    from index.status import bring_up_to_date, index_status

    with Store.open(settings.data_dir) as store:
        if index_status(settings.data_dir, store.max_version_id()) == "current":
            return  # the common case, without loading the snapshot or the index builder
    with open_store(settings) as store:
        if index_status(settings.data_dir, store.max_version_id()) == "missing":
            click.echo(f"trialwatch: building the search index in {settings.data_dir} (first search)", err=True)
        line = bring_up_to_date(store, settings.data_dir, wait=SEARCH_LOCK_TIMEOUT).line()
    if line:
        click.echo(f"trialwatch: {line}", err=True)
