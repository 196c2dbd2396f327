"""Build harvester/data/snapshot.json.gz, the bundled snapshot, from the real records in ../shared/data.

Run from the repository root: python scripts/build_snapshot.py [SHARED_DATA_DIR]
Records are copied unchanged; where a study appears in several files, the one with the newest
derivedSection.miscInfoModule.versionHolder (the registry's data date) wins. The abridged record is left out
because its text was shortened by the project that stored it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "harvester" / "data" / "snapshot.json.gz"


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
        "description": "Real ClinicalTrials.gov API v2 records, unchanged, bundled with trialwatch for offline use.",
        "built": dt.date.today().isoformat(),
        "data_date": max(data_date(record) for record in records),
        "sources": {nct_id: chosen[nct_id][1] for nct_id in sorted(chosen)},
        "records": records,
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(gzip.compress(json.dumps(snapshot, ensure_ascii=False).encode(), compresslevel=9, mtime=0))
    print(f"{OUTPUT.relative_to(ROOT)}: {len(records)} records, data date {snapshot['data_date']}")


if __name__ == "__main__":
    main()
