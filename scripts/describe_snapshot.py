"""Print what the bundled snapshot holds, as the Markdown the README shows: trials by download and topic, by status,
and its lupus trials. tests/test_snapshot.py checks that the README says exactly this.

Run from the repository root: python scripts/describe_snapshot.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harvester.store.snapshot import bundled_snapshot_bytes, decode_snapshot  # noqa: E402

#: the topic of each download, as ../shared/data/ctgov/SOURCES.md names it (the counts are computed)
TOPICS = {
    "ctgov/exports/UserZetsu__dtx-analysis__data_ctg-studies.json":
        "digital therapeutics (schizophrenia, depression, ...)",
    "ctgov/exports/unl-stat351__screencast-public-data-jesusrod44__data_ctg-studies.json": "cluster headache",
    "ctgov/exports/vrinda2019__NSCLCBench__data_ctg-studies.json": "non-small-cell lung cancer",
    "ctgov/exports/vsuptl__JSON_conversion__ctg-studies.json": "diabetes",
    "ctgov/bulk/ctg-studies.urology-100.zip": "erectile dysfunction and urology",
    "ctgov/exports/dgg32__clinical-trials-public__ctg-studies5.json": "mixed (two website exports)",
    "ctgov/exports/dgg32__clinical-trials-public__ctg-studies2.json": "mixed (two website exports)",
    "ctgov/exports/Jinash-Rouniyar__trial-match-ai__ctg-studies.json": "asthma",
}
#: single records and API list pages, kept by public projects as test data
OTHER_TOPIC = "mixed (cancer, diabetes, COVID-19, dermatology, ...): single records and API list pages"
PAGE_TOPIC = "a trial page with no registry record offline (cutaneous lupus)"


def _download(source: str) -> str:
    """The file a record came from (without the zip member)."""
    return source.split(":", 1)[0]


def _topic(source: str) -> str:
    return TOPICS.get(_download(source), OTHER_TOPIC)


def _protocol(record: dict[str, Any]) -> dict[str, Any]:
    protocol: dict[str, Any] = record["protocolSection"]
    return protocol


def describe(snapshot: dict[str, Any]) -> str:
    """The README's Markdown description of `snapshot` (the content `decode_snapshot` returns)."""
    records = snapshot["records"]
    pages = snapshot.get("pages", [])
    record_ids = {_protocol(record)["identificationModule"]["nctId"] for record in records}
    page_only = sorted({page["nct_id"] for page in pages} - record_ids)
    by_topic = Counter(_topic(snapshot["sources"][nct_id]) for nct_id in record_ids)
    by_topic.update(PAGE_TOPIC for _ in page_only)
    by_status = Counter(_protocol(record).get("statusModule", {}).get("overallStatus", "not given")
                        for record in records)
    by_status.update("NOT_YET_RECRUITING (as its page says)" for _ in page_only)
    data_dates = sorted(date for record in records
                        if (date := record.get("derivedSection", {}).get("miscInfoModule", {}).get("versionHolder")))
    def rows(counts: Counter[str]) -> list[str]:
        return [f"| {name} | {count} |" for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]

    lines = [
        f"The bundled snapshot holds **{len(record_ids) + len(page_only)} trials**: {len(record_ids)} real "
        f"ClinicalTrials.gov API v2 records (registry data dates {data_dates[0]} to {data_dates[-1]}) from "
        f"{len({_download(source) for source in snapshot['sources'].values()})} files of `../shared/data/ctgov`, "
        f"and {len(pages)} trial page{'s' if len(pages) != 1 else ''} ({', '.join(page['nct_id'] for page in pages)}).",
        "",
        "| topic | trials |",
        "|---|---|",
        *rows(by_topic),
        "",
        "| status | trials |",
        "|---|---|",
        *rows(by_status),
        "",
        _lupus_sentence(records, pages),
    ]
    return "\n".join(lines)


def _lupus_sentence(records: list[dict[str, Any]], pages: list[dict[str, Any]]) -> str:
    """Which trials are about lupus (their conditions say so), and which records only list it among many."""
    trials, listing = [], []
    for record in records:
        protocol = _protocol(record)
        conditions = protocol.get("conditionsModule", {}).get("conditions", [])
        lupus = [condition for condition in conditions if "lupus" in condition.lower()]
        if not lupus:
            continue
        nct_id, title = protocol["identificationModule"]["nctId"], protocol["identificationModule"]["briefTitle"]
        if len(conditions) > 2 * len(lupus) + 2:
            listing.append(f"{nct_id} ({title}) lists {', '.join(lupus)} among its {len(conditions)} conditions")
        else:
            trials.append(f"**{nct_id}** ({title}; conditions: {', '.join(conditions)})")
    trials.extend(f"**{page['nct_id']}** ({_page_title(page)}; a trial page, no registry record)" for page in pages
                  if "lupus" in page["html"].lower())
    sentence = f"Its lupus trials are {' and '.join(trials)}."
    return sentence + (f" {'; '.join(listing)}." if listing else "")


def _page_title(page: dict[str, Any]) -> str:
    html: str = page["html"]
    start = html.find("<h1")
    start = html.find(">", start) + 1
    return html[start:html.find("</h1>", start)].strip()


def main() -> None:
    print(describe(decode_snapshot(bundled_snapshot_bytes())))


if __name__ == "__main__":
    main()
