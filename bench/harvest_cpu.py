"""CPU of harvesting, per record: decoding a 1000-record page body and storing its records (a script, not a test).

A page is made of the real records in ../shared/data/ctgov (`corpus.real_records`: 526 distinct studies), repeated
to 1000 (DERIVED: each record is a real one; a repeat gets an NCT id of its own, NCT9xxxxxxx, so that every record
of a page is a new study, as in a first harvest), serialised as the API sends it. Timed steps, CPU seconds of this
process, every thread (median of `--rounds`):

- yardstick: `orjson.loads` of the page body, the collector running (what `decode` was before it paused the
  collector): the machine's speed, for ratios between runs;
- decode: the page body (bytes) to records, as `harvester.registry.http` reads a response;
- store, new: every record stored in a fresh store (validate, serialise, canonical hash, gzip, insert);
- store, unchanged: the same page again (what a daily refresh mostly sees: hashing, no insert);
- harvest end to end: `harvest_query` over `--pages` such pages (distinct studies) served from memory through
  httpx (no network, no spacing): the client, decoding in the prefetching thread, storing; then the same harvest
  again (all unchanged, as a refresh).

    nice .venv/bin/python bench/harvest_cpu.py --rounds 3
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from corpus import real_records

from harvester.jsoncodec import decode_json
from harvester.registry.client import RegistryClient, StudyQuery
from harvester.registry.harvest import HarvestSummary, _store_batch, harvest_query
from harvester.registry.http import HttpSettings, PoliteClient
from harvester.store.store import Store

PAGE_SIZE = 1000


def distinct_records(count: int) -> list[dict[str, Any]]:
    """`count` real records, cycled; every repeat renamed NCT9xxxxxxx (DERIVED), so that no two are one study."""
    real, records = real_records(), []
    for number, record in enumerate(itertools.islice(itertools.cycle(real), count)):
        if number >= len(real):
            record = copy.deepcopy(record)
            record["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{number:07d}"
        records.append(record)
    return records


def serving(bodies: list[bytes]) -> httpx.MockTransport:
    """/version, then the pages in order (the page token is the next page's number)."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/version"):
            return httpx.Response(200, json={"apiVersion": "2.0.5", "dataTimestamp": "2026-11-24T09:00:00"})
        return httpx.Response(200, content=bodies[int(request.url.params.get("pageToken", "0"))],
                              headers={"Content-Type": "application/json"})

    return httpx.MockTransport(answer)


def end_to_end(bodies: list[bytes], rounds: int) -> tuple[float, float]:
    """CPU-ms per record of `harvest_query` over the pages into a fresh store, then again (all unchanged)."""
    records = PAGE_SIZE * len(bodies)
    new_times, unchanged_times = [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as work, Store.open(Path(work)) as store:
            for times in (new_times, unchanged_times):
                http = PoliteClient(HttpSettings(min_interval=0), transport=serving(bodies))
                with RegistryClient(http=http) as client:
                    started = time.process_time()
                    summary = harvest_query(client, store, StudyQuery(term="x"))
                    times.append((time.process_time() - started) * 1000 / records)
                    http.close()
                assert summary.fetched == records, summary.line()
    return statistics.median(new_times), statistics.median(unchanged_times)


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
    parser.add_argument("--pages", type=int, default=3, help="pages of the end-to-end harvest")
    args = parser.parse_args()

    everything = distinct_records(PAGE_SIZE * args.pages)
    bodies = []
    for number in range(args.pages):
        page: dict[str, Any] = {"studies": everything[number * PAGE_SIZE: (number + 1) * PAGE_SIZE]}
        if number + 1 < args.pages:
            page["nextPageToken"] = str(number + 1)
        bodies.append(json.dumps(page, ensure_ascii=False).encode())
    body = bodies[0]
    print(f"harvest CPU benchmark: python {sys.version.split()[0]}, pages of {PAGE_SIZE} distinct studies"
          f" ({len(body) / 1e6:.1f} MB each), median of {args.rounds} rounds")

    yardstick = cpu_ms_per_record(lambda: orjson.loads(body), PAGE_SIZE, args.rounds)
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
    print(f"yardstick: orjson.loads  {yardstick:6.2f} CPU-ms/record")
    print(f"decode the page          {decode:6.2f} CPU-ms/record")
    print(f"store, new records       {new:6.2f} CPU-ms/record")
    print(f"store, unchanged records {unchanged:6.2f} CPU-ms/record")
    print(f"harvest, new             {decode + new:6.2f} CPU-ms/record (decode + store; target <= 1)")
    print(f"refresh, unchanged       {decode + unchanged:6.2f} CPU-ms/record (decode + store)")
    harvest_new, harvest_unchanged = end_to_end(bodies, args.rounds)
    print(f"harvest_query end to end, {args.pages} pages: new {harvest_new:.2f}, unchanged {harvest_unchanged:.2f}"
          " CPU-ms/record (every thread)")


if __name__ == "__main__":
    main()
