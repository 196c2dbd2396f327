"""Benchmark of trialwatch's index and search (a script, not a test).

Builds the index from (a) the bundled snapshot and (b) a corpus of N trials derived from the real records in
../shared/data/ctgov (`bench.corpus`: word-level mixing with Heaps'-law vocabulary growth), runs a patient query
mix warm, times cold `trialwatch search` processes (wall time and peak memory), measures the index on disk, and
runs the same queries against SQLite FTS5 over the same documents (`bench.fts5`). Prints everything in one run.

    .venv/bin/python bench/bench_search.py              # 20,000 derived trials
    .venv/bin/python bench/bench_search.py --docs 2000 --work-dir /tmp/twbench --keep
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fts5
from corpus import CorpusGenerator, store_records

from harvester.store.snapshot import ensure_data
from harvester.store.store import Store
from harvester.store.trials import iter_trials
from index.build import rebuild_index
from index.documents import trial_document
from index.storage import IndexLocation
from search.engine import open_searcher, run_search
from search.models import SearchRequest

#: (kind, trialwatch request, the FTS5 MATCH expression that asks the same, newest first instead of bm25)
QUERY_MIX: list[tuple[str, SearchRequest, str, bool]] = [
    ("drug", SearchRequest(drug="pembrolizumab"), "drugs : pembrolizumab", False),
    ("drug, brand name", SearchRequest(drug="Keytruda"), "drugs : keytruda", False),
    ("status filter", SearchRequest(query="lung cancer", statuses=("recruiting",)),
     "text : (lung AND cancer) AND status : recruiting", False),
    ("status filter only", SearchRequest(statuses=("open",), country="France"),
     "status : open AND countries : france", True),
    ("criterion", SearchRequest(exclusion="pregnant"), "exclusion : pregnant", False),
    ("criterion phrase", SearchRequest(criterion="breast feeding"), '{inclusion exclusion} : "breast feeding"', False),
    ("free text", SearchRequest(query="chemotherapy"), "text : chemotherapy", False),
    ("free text", SearchRequest(query="placebo"), "text : placebo", False),
    # FTS5 has no suggestions: it runs the corrected query, the one trialwatch ends up running
    ("misspelling", SearchRequest(query="neuroblastma"), "text : neuroblastoma", False),
    ("misspelled drug", SearchRequest(drug="pembrolizumb"), "drugs : pembrolizumab", False),
    ("lupus", SearchRequest(query="lupus"), "text : lupus", False),
    ("lupus, recruiting", SearchRequest(query="lupus nephritis", statuses=("recruiting",)),
     "text : (lupus AND nephritis) AND status : recruiting", False),
    ("condition, place", SearchRequest(query="breast cancer", country="United States"),
     "text : (breast AND cancer) AND countries : (united AND states)", False),
    ("condition, age and sex", SearchRequest(query="diabetes", age=45, sex="female"),
     "text : diabetes", False),
    ("misspelt condition", SearchRequest(query="diabetis"), "text : diabetes", False),
    ("patient sentence", SearchRequest(query="psoriasis trial for adults"), "text : psoriasis AND adults", False),
]
COLD_QUERY = "lupus"


@dataclass(frozen=True)
class Latency:
    p50: float
    p95: float

    @classmethod
    def of(cls, milliseconds: list[float]) -> Latency:
        ordered = sorted(milliseconds)
        return cls(statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))])

    def __str__(self) -> str:
        return f"p50 {self.p50:6.2f} ms  p95 {self.p95:6.2f} ms"


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock milliseconds of `repeat` runs after one warm-up run."""
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def directory_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def bench_corpus(label: str, data_dir: Path, repeat: int) -> None:
    print(f"\n== {label} ==")
    with Store.open(data_dir) as store:
        started = time.perf_counter()
        trials = list(iter_trials(store))
        read_seconds = time.perf_counter() - started
        cpu_before = _cpu_seconds()
        summary = rebuild_index(store, data_dir)
        cpu = _cpu_seconds() - cpu_before
    documents = [trial_document(trial) for trial in trials]
    count = summary.documents
    print(f"index build      {count / summary.seconds:7.0f} docs/s, {1000 * cpu / count:.1f} CPU-ms/doc"
          f"  ({count} trials in {summary.seconds:.1f} s;"
          f" reading and parsing the store alone: {count / read_seconds:.0f} docs/s)")
    index_size = directory_size(IndexLocation.of(data_dir).current())

    database = data_dir / "fts5.sqlite"
    started = time.perf_counter()
    fts5.build(database, documents)
    print(f"FTS5 build       {count / (time.perf_counter() - started):7.0f} docs/s  (from the same documents)")
    print(f"size on disk     whoosh {megabytes(index_size)}, FTS5 {megabytes(database.stat().st_size)}"
          f" (ratio {index_size / database.stat().st_size:.1f}x)")

    whoosh_all, whoosh_counted, fts_all = [], [], []
    with open_searcher(data_dir) as searcher, sqlite3.connect(database) as db:
        print(f"{'query':<62} {'whoosh p50':>10} {'FTS5 p50':>9} {'ratio':>6}  top result (whoosh / FTS5)")
        for kind, request, match, newest_first in QUERY_MIX:
            top10 = dataclasses.replace(request, count=False)
            whoosh_times = timed(functools.partial(run_search, searcher, top10), repeat)
            whoosh_counted += timed(functools.partial(run_search, searcher, request), repeat)
            fts_times = timed(functools.partial(fts5.search, db, match, newest_first=newest_first), repeat)
            whoosh_all += whoosh_times
            fts_all += fts_times
            top = run_search(searcher, top10).results
            fts_top = fts5.search(db, match, newest_first=newest_first)
            w50, f50 = statistics.median(whoosh_times), statistics.median(fts_times)
            print(f"{kind + ': ' + _describe(request):<62} {w50:8.2f}ms {f50:7.2f}ms {w50 / f50:5.1f}x  "
                  f"{top[0].nct_id if top else '-'} / {fts_top[0][0] if fts_top else '-'}")
    whoosh, counted, fts = Latency.of(whoosh_all), Latency.of(whoosh_counted), Latency.of(fts_all)
    print(f"whoosh, top 10 with snippets      {whoosh}")
    print(f"whoosh, + count of all matches    {counted}")
    print(f"FTS5, top 10 with snippets        {fts}")
    print(f"ratio whoosh / FTS5               p50 {whoosh.p50 / fts.p50:.1f}x  p95 {whoosh.p95 / fts.p95:.1f}x")


def bench_cold_cli(data_dir: Path, runs: int) -> None:
    """Median wall time of fresh `trialwatch search` processes (the first run, which may build the index, excluded)."""
    command = [str(Path(sys.executable).parent / "trialwatch"), "search", COLD_QUERY, "--data-dir", str(data_dir)]
    subprocess.run(command, capture_output=True, check=True)
    times, peaks = [], []
    for _ in range(runs):
        # started by a small launcher process: a child forked (or vforked) from this big one would count this
        # process's memory in its own peak until its exec
        launched = subprocess.run([sys.executable, "-c", _LAUNCHER, *command], capture_output=True, text=True)
        status, seconds, peak_kb = (float(value) for value in launched.stdout.split())
        times.append(seconds)
        peaks.append(int(peak_kb) * 1024)  # kilobytes on Linux
        if status:
            raise SystemExit(f"{' '.join(command)} failed: status {status}")
    print(f"cold `trialwatch search {COLD_QUERY}`   median {statistics.median(times):.2f} s, max {max(times):.2f} s,"
          f" peak memory median {megabytes(int(statistics.median(peaks)))} ({runs} runs)")


#: runs argv[1:] with output discarded; prints its exit status, wall seconds and peak memory (kB)
_LAUNCHER = """import os, sys, time, subprocess
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(status, time.perf_counter() - started, usage.ru_maxrss)"""


def prepare_scaled(data_dir: Path, documents: int) -> None:
    """Store the derived corpus, unless a kept work dir already holds it."""
    with Store.open(data_dir) as store:
        if store.count_trials() == documents:
            return
    shutil.rmtree(data_dir)
    print(f"storing {documents} derived trials ...", flush=True)
    generator = CorpusGenerator()
    print(f"corpus: {generator.describe_sources()}")
    store_records(data_dir, generator.records(documents))
    print(f"corpus: {generator.describe_generated()}")


def _cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (the index writer processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _describe(request: SearchRequest) -> str:
    parts = [repr(request.query)] if request.query else []
    parts += [f"--{name} {value!r}" for name in ("drug", "criterion", "exclusion", "country")
              if (value := getattr(request, name))]
    parts += [f"--status {status}" for status in request.statuses]
    parts += [f"--{name} {value}" for name in ("age", "sex") if (value := getattr(request, name)) is not None]
    return " ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000, help="trials in the derived corpus")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each query")
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--work-dir", type=Path, help="where the data dirs go (default: a temporary dir)")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (and reuse its stored corpus)")
    args = parser.parse_args()

    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="trialwatch-bench-"))
    print(f"trialwatch search benchmark: python {sys.version.split()[0]}, {os.cpu_count()} CPUs,"
          f" load average {os.getloadavg()[0]:.2f}, work dir {work_dir}")
    try:
        snapshot_dir = work_dir / "snapshot"
        with Store.open(snapshot_dir) as store:
            ensure_data(store)
        bench_corpus("bundled snapshot", snapshot_dir, args.repeat)
        bench_cold_cli(snapshot_dir, args.cold_runs)

        scaled_dir = work_dir / f"derived-{args.docs}"
        prepare_scaled(scaled_dir, args.docs)
        bench_corpus(f"{args.docs} trials derived from the real records", scaled_dir, args.repeat)
        bench_cold_cli(scaled_dir, args.cold_runs)
    finally:
        if not args.keep:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
