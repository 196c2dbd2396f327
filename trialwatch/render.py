"""The terminal's rendering of the view models (`search.views`): wrapped to the terminal, never mid-word."""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from harvester.statuses import status_label
from search.views.result import ResultView
from search.views.words import place_text

if TYPE_CHECKING:  # type-only: a search result is worded without importing the records' models (cold searches)
    from harvester.history.timeline import StatusTimeline
    from harvester.models import Criterion, PageDetails
    from search.views.change import ChangeView
    from search.views.contacts import ContactsView
    from search.views.sources import TrialSources
    from search.views.trial import TrialView

__all__ = [
    "HASH_DIGITS",
    "LABEL_WIDTH",
    "MAX_CHANGE_LINES",
    "MAX_PLACES",
    "MAX_TREATMENTS_SHOWN",
    "MIN_WIDTH",
    "PIPE_WIDTH",
    "field_line",
    "render_changes",
    "render_results",
    "render_sources",
    "render_timeline",
    "render_trial",
    "terminal_width",
    "wrap",
]

#: the width when output goes to a pipe or a file, and the least width ever used
PIPE_WIDTH = 80
MIN_WIDTH = 40
LABEL_WIDTH = 17
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n]+\s*|\t")
MAX_PLACES = 15
#: hex digits of a content hash shown by `show --sources` (its JSON has all of them)
HASH_DIGITS = 16
#: treatments listed per search result; the rest are counted
MAX_TREATMENTS_SHOWN = 6
#: detail lines shown per change in text; `--format json` has them all
MAX_CHANGE_LINES = 12


def terminal_width() -> int:
    """``COLUMNS`` when set, else the terminal's width; 80 when stdout is no terminal."""
    return max(MIN_WIDTH, shutil.get_terminal_size((PIPE_WIDTH, 24)).columns)


def wrap(text: str, indent: str, width: int, subsequent: str | None = None) -> str:
    """Fill `text` after `indent`, breaking only between words; continuation lines line up under the text.

    Line breaks in `text` (a record's hard wraps) become spaces; runs of spaces within a line are kept.
    """
    return textwrap.fill(_LINE_BREAKS.sub(" ", text.strip()), width=width, initial_indent=indent,
                         subsequent_indent=" " * len(indent) if subsequent is None else subsequent,
                         break_long_words=False, break_on_hyphens=False)


def field_line(label: str, value: object, width: int) -> str:
    return wrap(str(value), f"{label + ':':<{LABEL_WIDTH}}", width)


def _criteria_lines(criteria: Iterable[Criterion], width: int, depth: int = 1) -> list[str]:
    lines = []
    for criterion in criteria:
        lines.append(wrap(criterion.text, "  " * depth + "- ", width))
        lines.extend(_criteria_lines(criterion.children, width, depth + 1))
    return lines


def render_trial(view: TrialView, width: int = PIPE_WIDTH) -> str:
    """A readable page for one trial: what, who runs it, what is tested, who can join, who cannot, where."""
    trial = view.trial
    lines = [wrap(f"{view.nct_id}  {view.title}", "", width, subsequent="  "), ""]
    if view.official_title:
        lines.append(field_line("Official title", view.official_title, width))
    for fact in view.facts:
        if fact.label == "Trial id":
            continue  # the first line says it
        lines.append(field_line(fact.label, fact.text, width))
    if view.who:
        lines.append(field_line("Who can join", view.who, width))
    for notice in view.notices:
        lines += ["", wrap(notice, "", width)]
    if view.treatments:
        lines += ["", "What is tested:"]
        if view.treatments_note:
            lines.append(wrap(view.treatments_note, "  ", width))
        for treatment in view.treatments:
            text = treatment.name + (f" ({treatment.kind})" if treatment.kind else "")
            if treatment.other_names:
                text += "; also called: " + ", ".join(treatment.other_names)
            lines.append(wrap(text, "  - ", width))
    if trial.brief_summary:
        lines += ["", "Summary:", wrap(trial.brief_summary, "  ", width)]
    if trial.page is not None:
        lines += _page_lines(trial.page, width)
    criteria = trial.eligibility.criteria
    for heading, items in (("Notes on eligibility:", criteria.other),
                           ("Who can join (inclusion criteria):", criteria.inclusion),
                           ("Who cannot join (exclusion criteria):", criteria.exclusion)):
        if items:
            lines += ["", heading, *_criteria_lines(items, width)]
    if view.contacts is not None:
        lines += ["", *_contact_lines(view.contacts, width)]
    if view.sites_nearest:
        lines += ["", wrap(f"Places ({len(view.sites_nearest)}), nearest to {view.near} first:", "", width)]
        for site in view.sites_nearest[:MAX_PLACES]:
            distance = f"{site.distance}: " if site.distance else "(no coordinates) "
            lines.append(wrap(f"{distance}{site.place} [{site.status}]", "  - ", width))
        if len(view.sites_nearest) > MAX_PLACES:
            lines.append(f"  ... and {len(view.sites_nearest) - MAX_PLACES} more (--format json lists all)")
    elif trial.locations:
        lines += ["", f"Places ({len(trial.locations)}):"]
        for location in trial.locations[:MAX_PLACES]:
            place = ", ".join(part for part in (place_text(location), location.country) if part)
            status = f" [{status_label(location.status)}]" if location.status else ""
            lines.append(wrap(place + status, "  - ", width))
        if len(trial.locations) > MAX_PLACES:
            lines.append(f"  ... and {len(trial.locations) - MAX_PLACES} more (--format json lists all)")
    if view.terms:
        lines += ["", "Words explained:"]
        for term in view.terms:
            source = "as the record defines it" if term.source == "the record" else term.source
            lines.append(wrap(f"{term.short}: {term.meaning} ({source})", "  - ", width))
    lines += ["", f"Registry record: {trial.registry_url}"]
    provenance = trial.provenance
    if provenance.fetched_at:
        source = provenance.source_url or provenance.source
        lines.append(wrap(f"Stored from {source}, fetched {provenance.fetched_at:%Y-%m-%d}", "", width))
    return "\n".join(lines)


def _contact_lines(contacts: ContactsView, width: int) -> list[str]:
    """Whom to contact: the nearest (or first open) site's contacts, the central ones, the people responsible."""
    lines = ["Contacts:"]
    if contacts.site is not None and contacts.site_contacts:
        distance = f"{contacts.site.distance}, " if contacts.site.distance else ""
        lines.append(wrap(f"At the {contacts.site_is}, {contacts.site.place} ({distance}{contacts.site.status}):",
                          "  ", width))
        lines += [wrap(contact.text(), "    - ", width) for contact in contacts.site_contacts]
    if contacts.central:
        lines.append("  For the whole trial:")
        lines += [wrap(contact.text(), "    - ", width) for contact in contacts.central]
    if contacts.none_note:
        lines.append(wrap(f"{contacts.none_note} The registry's page of the trial may say more, or ask the "
                          f"sponsor: {contacts.registry_url}", "  ", width))
    if contacts.officials:
        lines.append("  Responsible:")
        lines += [wrap(official, "    - ", width) for official in contacts.officials]
    return lines


def _page_lines(page: PageDetails, width: int) -> list[str]:
    """What only the trial page says: its plain-language summary, its facts, the sponsor's description."""
    facts = "; ".join(part for part in (
        f"current as of {page.current_as_of}" if page.current_as_of else "",
        f"launched {page.launched_on}" if page.launched_on else "",
        f"{page.patients_applied} patients applied" if page.patients_applied is not None else "",
    ) if part)
    lines = ["", wrap(f"Trial page ({page.site}){': ' + facts if facts else ''}", "", width)]
    for heading, text in (("Plain-language summary:", page.plain_language_summary),
                          ("About the sponsor:", page.sponsor_description)):
        if text:
            lines += [heading, *(wrap(paragraph, "  ", width) for paragraph in text.split("\n\n"))]
    return lines


def render_timeline(timeline: StatusTimeline, width: int = PIPE_WIDTH) -> str:
    lines = [wrap(f"{timeline.nct_id}  {timeline.title}", "", width, subsequent="  "), ""]
    if not timeline.versions:
        period = timeline.periods[0]
        as_of = f" (as of {period.since})" if period.since else ""
        lines.append(wrap(f"No registry record of this trial is stored; its trial page shows it as "
                          f"{status_label(period.status)}{as_of}.", "", width))
        return "\n".join(lines)
    count = timeline.versions
    lines.append(wrap(f"Status history ({count} stored registry version{'s' if count != 1 else ''};"
                      " dates are the registry's last update posted):", "", width))
    label_width = max(len(status_label(period.status)) for period in timeline.periods)
    for period in timeline.periods:
        verified = f"verified {period.status_verified}" if period.status_verified else ""
        stored = f"  (stored {period.fetched_at[:10]})" if period.fetched_at else ""
        lines.append(f"  {period.last_update_posted or '?':<10}  {status_label(period.status):<{label_width}}"
                     f"  {verified:<16}{stored}")
        if period.why_stopped:
            lines.append(wrap(f"why stopped: {period.why_stopped}", "    ", width))
    return "\n".join(lines)


def render_changes(views: list[ChangeView], *, since: str | None, width: int = PIPE_WIDTH) -> str:
    """One block per change: when, the trial and the change in one line (as the changes page says it), its kind
    and severity, what changed, and the registry link."""
    if not views:
        return f"No changes recorded since {since[:16].replace('T', ' ')} UTC." if since else "No changes recorded."
    blocks = []
    for view in views:
        about = " · ".join(part for part in (view.kind_label, view.severity,
                                             f"watch {view.event.watch}" if view.event.watch else "") if part)
        lines = [wrap(f"{view.when}  {view.event.nct_id}  {view.summary}", "", width, subsequent="    "),
                 wrap(about, "    ", width)]
        details = view.detail_lines()
        lines += [wrap(line, "    ", width, subsequent="      ") for line in details[:MAX_CHANGE_LINES]]
        if len(details) > MAX_CHANGE_LINES:
            lines.append(f"    ... and {len(details) - MAX_CHANGE_LINES} more lines (--format json has them all)")
        lines.append(f"    {view.url}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _plain(word: str) -> str:
    return word


def render_results(results: Iterable[ResultView], *, width: int = PIPE_WIDTH,
                   mark: Callable[[str], str] = _plain) -> str:
    """One block per result: id, status and title, then sponsor, update date, treatments and where it matched.

    `mark` renders a matched word (the CLI makes it bold on a terminal).
    """
    return "\n\n".join(_result_block(result, width, mark) for result in results)


def _result_block(result: ResultView, width: int, mark: Callable[[str], str]) -> str:
    lines = [wrap(f"{result.nct_id}  [{result.status_words.label}]  {result.title}", "", width, subsequent="  ")]
    details = [f"sponsor: {result.sponsor}" if result.sponsor else "",
               f"updated {result.last_update}" if result.last_update else ""]
    if any(details):
        lines.append(wrap(" · ".join(detail for detail in details if detail), "  ", width, subsequent="    "))
    if result.eligibility_note:
        lines.append(wrap(f"who can join: {result.eligibility_note}", "  ", width, subsequent="    "))
    if result.nearest_site:
        lines.append(wrap(f"nearest site: {result.nearest_site}", "  ", width, subsequent="    "))
    if result.treatments:
        shown = ", ".join(result.treatments[:MAX_TREATMENTS_SHOWN])
        more = len(result.treatments) - MAX_TREATMENTS_SHOWN
        named = f" ({result.treatments_note})" if result.treatments_note else ""
        lines.append(wrap(f"treatments{named}: {shown}" + (f" (+{more} more)" if more > 0 else ""), "  ", width,
                          subsequent="    "))
    lines.extend(wrap(f"{snippet.label}: {snippet.marked(mark)}", "  ", width, subsequent="    ")
                 for snippet in result.snippets)
    return "\n".join(lines)


def render_sources(sources: TrialSources, width: int = PIPE_WIDTH) -> str:
    """The stored versions, one row each (rows are not wrapped: each is a record of one version), then findings."""
    count = len(sources.versions)
    lines = [wrap(f"{sources.nct_id}  {sources.title}", "", width, subsequent="  "), "",
             wrap(f"Stored versions ({count}, oldest first; `show` merges the newest of each source, the registry's "
                  "first):", "", width)]
    for v in sources.versions:
        digest = v.content_hash.removeprefix("sha256:")[:HASH_DIGITS]
        data = f"  data of {v.data_timestamp[:10]}" if v.data_timestamp else ""
        lines.append(f"  {v.source:<4}  fetched {v.fetched_at[:19]}{data}  sha256:{digest}  by {v.run_kind or '?'}"
                     f"  {v.source_url or ''}".rstrip())
    lines += ["", "Findings:" if sources.findings else "Findings: none"]
    lines += [wrap(finding.describe(), "  - ", width) for finding in sources.findings]
    return "\n".join(lines)
