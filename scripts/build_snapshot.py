"""Build harvester/store/data/snapshot.json.gz, the bundled snapshot, from every real record in ../shared/data.

Run from the repository root: python scripts/build_snapshot.py [SHARED_DATA_DIR]

Every file under ctgov/records, ctgov/pages, ctgov/exports and ctgov/bulk is read by the reader `trialwatch import`
uses (harvester.registry.files: single studies, API list pages, website JSON exports, the bulk zip), and every study
is checked by the parser `import` stores through (harvester.registry.harvest.store_record, into an in-memory store).
Records are kept unchanged. Where a study appears in several files, the one with the newest
derivedSection.miscInfoModule.versionHolder (the registry's data date) wins, and of equally dated ones the fuller
(a field-subset export has no data date and loses to the full record). The abridged record is left out because its
text was shortened by the project that stored it.

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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harvester.registry.files import iter_file  # noqa: E402
from harvester.registry.harvest import store_record  # noqa: E402
from harvester.registry.importer import data_date  # noqa: E402
from harvester.registry.parse import parse_study  # noqa: E402
from harvester.store.store import Store  # noqa: E402

OUTPUT = ROOT / "harvester" / "store" / "data" / "snapshot.json.gz"
PAGE_FIXTURES = ROOT / "tests" / "fixtures" / "pages"
#: the shared folders read, in this order; ctgov/abridged is left out (its text was shortened)
SOURCE_FOLDERS = ("records", "pages", "exports", "bulk")
#: (NCT id, page URL, reconstructed HTML fixture, the shared text it was built from, fetched_at)
PAGES = [
    ("NCT06965244", "https://clinconnect.io/trials/NCT06965244", "NCT06965244.reconstructed.html",
     "pages/NCT06965244.clinconnect.txt", "2025-07-01T00:00:00+00:00"),
]


def _preference(record: dict[str, Any]) -> tuple[str, int]:
    return data_date(record) or "", len(record)


def collect(shared: Path) -> dict[str, tuple[dict[str, Any], str]]:
    """Every study of the shared files, by NCT id: (the record, where it was read)."""
    chosen: dict[str, tuple[dict[str, Any], str]] = {}
    with Store.in_memory() as store:
        for folder in SOURCE_FOLDERS:
            for path in sorted((shared / "ctgov" / folder).iterdir()):
                for item in iter_file(path):
                    if item.record is None:
                        raise SystemExit(f"{item.where}: {item.error}")
                    nct_id, _ = store_record(store, item.record, fetched_at="", api_url=None,
                                             data_timestamp=None, run_id=None)
                    if nct_id != item.record["protocolSection"]["identificationModule"]["nctId"]:
                        raise SystemExit(f"{item.where}: NCT id not written as the parser reads it")
                    where = f"ctgov/{folder}/{path.name}" + (f":{item.member}" if item.member else "")
                    if nct_id not in chosen or _preference(item.record) > _preference(chosen[nct_id][0]):
                        chosen[nct_id] = (item.record, where)
    return chosen


def parsed_facts(record: dict[str, Any]) -> dict[str, Any]:
    """What loading the snapshot needs from the parser, so that it does not parse the record again."""
    trial = parse_study(record)
    return {"last_update_posted": trial.last_update_posted.isoformat() if trial.last_update_posted else None}


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    chosen = collect(shared)
    records = [chosen[nct_id][0] for nct_id in sorted(chosen)]
    snapshot = {
        "description": "Real ClinicalTrials.gov API v2 records, unchanged, bundled with trialwatch for offline use,"
                       " and trial pages whose HTML was reconstructed around their captured text.",
        "built": dt.date.today().isoformat(),
        "data_date": max(data_date(record) or "" for record in records),
        "sources": {nct_id: chosen[nct_id][1] for nct_id in sorted(chosen)},
        "records": records,
        "parsed": {nct_id: parsed_facts(chosen[nct_id][0]) for nct_id in sorted(chosen)},
        "pages": [
            {"nct_id": nct_id, "url": url, "fetched_at": fetched_at, "text_source": text_source,
             "html_reconstructed_from_text": True, "html": (PAGE_FIXTURES / fixture).read_text(encoding="utf-8")}
            for nct_id, url, fixture, text_source, fetched_at in PAGES
        ],
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(gzip.compress(json.dumps(snapshot, ensure_ascii=False).encode(), compresslevel=9, mtime=0))
    summary = f"{len(records)} records, {len(PAGES)} page(s), data date {snapshot['data_date']}"
    print(f"{OUTPUT.relative_to(ROOT)}: {summary}, {OUTPUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
