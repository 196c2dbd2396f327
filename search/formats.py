"""Search results as CSV: a pure function of a `SearchResponse` (JSON: its `to_json`; text: `trialwatch.render`)."""

from __future__ import annotations

import csv
import io

from search.models import SearchResponse

__all__ = ["CSV_COLUMNS", "render_csv"]

CSV_COLUMNS = ("nct_id", "status", "title", "sponsor", "drugs", "last_update", "score", "snippet", "nearest_site",
               "distance_km")


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
