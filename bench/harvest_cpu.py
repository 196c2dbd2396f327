"""CPU of harvesting, per record: decoding a 1000-record page body and storing its records (a script, not a test).

The page is made of the real records in ../shared/data/ctgov (`corpus.real_records`: 526 distinct studies), repeated
to 1000 (DERIVED: only the page is assembled; each record is a real one), serialised as the API sends it. Timed
steps, CPU seconds of this process (median of `--rounds`):

- decode: the page body (bytes) to records, as `harvester.registry.http` reads a response;
- store, new: every record stored in a fresh store (parse to validate, serialise, canonical hash, gzip, insert);
- store, unchanged: the same page again (what a daily refresh mostly sees: hashing, no insert).

    .venv/bin/python bench/harvest_cpu.py --rounds 3
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from corpus import real_records

from harvester.jsoncodec import decode_json
from harvester.registry.harvest import HarvestSummary, _store_batch
from harvester.store.store import Store

PAGE_SIZE = 1000


def cpu_ms_per_record(run: Callable[[], object], records: int, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.process_time()
        run()
        times.append((time.process_time() - started) * 1000 / records)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    records = list(itertools.islice(itertools.cycle(real_records()), PAGE_SIZE))
    body = json.dumps({"studies": records, "nextPageToken": "x"}, ensure_ascii=False).encode()
    print(f"harvest CPU benchmark: python {sys.version.split()[0]}, a page of {PAGE_SIZE} records"
          f" ({len(body) / 1e6:.1f} MB), median of {args.rounds} rounds")

    decode = cpu_ms_per_record(lambda: decode_json(body), PAGE_SIZE, args.rounds)
    new_times, unchanged_times = [], []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as work, Store.open(Path(work)) as store:
            run_id = store.start_run("harvest", {})
            for times in (new_times, unchanged_times):
                page = decode_json(body)["studies"]
                summary = HarvestSummary(run_id=run_id)
                started = time.process_time()
                _store_batch(store, page, summary, "https://clinicaltrials.gov/api/v2")
                times.append((time.process_time() - started) * 1000 / PAGE_SIZE)
    new, unchanged = statistics.median(new_times), statistics.median(unchanged_times)
    print(f"decode the page          {decode:6.2f} CPU-ms/record")
    print(f"store, new records       {new:6.2f} CPU-ms/record")
    print(f"store, unchanged records {unchanged:6.2f} CPU-ms/record")
    print(f"harvest, new             {decode + new:6.2f} CPU-ms/record (target <= 1)")
    print(f"refresh, unchanged       {decode + unchanged:6.2f} CPU-ms/record")


if __name__ == "__main__":
    main()
