"""Search results as text for a terminal or as CSV: pure functions of a `SearchResponse` (JSON: its `to_json`)."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Callable

from harvester.statuses import status_label
from search.models import SearchResponse, SearchResult

WIDTH = 100
#: interventions listed per result in text; the rest are counted
MAX_DRUGS_SHOWN = 6
CSV_COLUMNS = ("nct_id", "status", "title", "sponsor", "drugs", "last_update", "score", "snippet", "nearest_site",
               "distance_km")


def _plain(word: str) -> str:
    return word


def render_text(response: SearchResponse, mark: Callable[[str], str] = _plain) -> str:
    """One block per result: id, status and title, then sponsor, update date, drugs and the snippets.

    `mark` renders a matched word (the CLI makes it bold on a terminal).
    """
    return "\n\n".join(_result_block(result, mark) for result in response.results)


def render_csv(response: SearchResponse) -> str:
    """One row per result; the snippet column holds the first snippet as ``field: text`` with **marked** words."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result in response.results:
        first = result.snippets[0] if result.snippets else None
        writer.writerow([
            result.nct_id, result.status or "", result.title, result.sponsor or "", "; ".join(result.drugs),
            result.last_update.isoformat() if result.last_update else "", f"{result.score:.3f}",
            f"{first.field}: {first.marked()}" if first else "",
            result.nearest_site.place if result.nearest_site else "",
            f"{result.nearest_site.km:.1f}" if result.nearest_site else "",
        ])
    return buffer.getvalue()


def _result_block(result: SearchResult, mark: Callable[[str], str]) -> str:
    lines = [textwrap.fill(f"{result.nct_id}  [{status_label(result.status)}]  {result.title}", width=WIDTH,
                           subsequent_indent="  ", break_on_hyphens=False)]
    details = [f"sponsor: {result.sponsor}" if result.sponsor else None,
               f"updated {result.last_update}" if result.last_update else None]
    if any(details):
        lines.append("  " + " · ".join(detail for detail in details if detail))
    if result.nearest_site is not None:
        site = result.nearest_site
        lines.append(_wrap(f"nearest site: {site.distance} · {site.place} · {status_label(site.status)}"))
    if result.drugs:
        shown = ", ".join(result.drugs[:MAX_DRUGS_SHOWN])
        more = len(result.drugs) - MAX_DRUGS_SHOWN
        lines.append(_wrap(f"drugs: {shown}" + (f" (+{more} more)" if more > 0 else "")))
    # the title is on the first line already
    lines.extend(_wrap(f"{snippet.label}: {snippet.marked(mark)}") for snippet in result.snippets
                 if snippet.field != "title")
    return "\n".join(lines)


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=WIDTH, initial_indent="  ", subsequent_indent="    ",
                         break_long_words=False, break_on_hyphens=False)
