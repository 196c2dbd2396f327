"""Build harvester/store/data/snapshot.json.gz, the bundled snapshot, from the real records in ../shared/data.

Run from the repository root: python scripts/build_snapshot.py [SHARED_DATA_DIR]
Records are copied unchanged; where a study appears in several files, the one with the newest
derivedSection.miscInfoModule.versionHolder (the registry's data date) wins. The abridged record is left out
because its text was shortened by the project that stored it.

Trial pages go in as ``pages``. Only NCT06965244's ClinConnect page is there, and only its visible text was
captured (shared pages/NCT06965244.clinconnect.txt), so the HTML bundled is the reconstruction in
tests/fixtures/pages/ (made by make_pages.py from that text); its fetched_at is the page's "Current as of" date,
as the capture time was not recorded.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "harvester" / "store" / "data" / "snapshot.json.gz"
PAGE_FIXTURES = ROOT / "tests" / "fixtures" / "pages"
#: (NCT id, page URL, reconstructed HTML fixture, the shared text it was built from, fetched_at)
PAGES = [
    ("NCT06965244", "https://clinconnect.io/trials/NCT06965244", "NCT06965244.reconstructed.html",
     "pages/NCT06965244.clinconnect.txt", "2025-07-01T00:00:00+00:00"),
]


def data_date(record: dict) -> str:
    return record.get("derivedSection", {}).get("miscInfoModule", {}).get("versionHolder", "")


def collect(shared: Path) -> dict[str, tuple[dict, str]]:
    chosen: dict[str, tuple[dict, str]] = {}
    files = sorted((shared / "ctgov" / "records").glob("*.json")) + sorted((shared / "ctgov" / "pages").glob("*.json"))
    for path in files:
        body = json.loads(path.read_text(encoding="utf-8"))
        for record in body.get("studies", [body]):
            nct_id = record["protocolSection"]["identificationModule"]["nctId"]
            source = f"ctgov/{path.parent.name}/{path.name}"
            if nct_id not in chosen or data_date(record) > data_date(chosen[nct_id][0]):
                chosen[nct_id] = (record, source)
    return chosen


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    chosen = collect(shared)
    records = [chosen[nct_id][0] for nct_id in sorted(chosen)]
    snapshot = {
        "description": "Real ClinicalTrials.gov API v2 records, unchanged, bundled with trialwatch for offline use,"
                       " and trial pages whose HTML was reconstructed around their captured text.",
        "built": dt.date.today().isoformat(),
        "data_date": max(data_date(record) for record in records),
        "sources": {nct_id: chosen[nct_id][1] for nct_id in sorted(chosen)},
        "records": records,
        "pages": [
            {"nct_id": nct_id, "url": url, "fetched_at": fetched_at, "text_source": text_source,
             "html_reconstructed_from_text": True, "html": (PAGE_FIXTURES / fixture).read_text(encoding="utf-8")}
            for nct_id, url, fixture, text_source, fetched_at in PAGES
        ],
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(gzip.compress(json.dumps(snapshot, ensure_ascii=False).encode(), compresslevel=9, mtime=0))
    summary = f"{len(records)} records, {len(PAGES)} page(s), data date {snapshot['data_date']}"
    print(f"{OUTPUT.relative_to(ROOT)}: {summary}")


if __name__ == "__main__":
    main()
