"""Benchmark of trialwatch's index and search (a script, not a test).

For the bundled snapshot and for corpora of N trials derived from the real records in ../shared/data/ctgov
(`bench.corpus`: word-level mixing with Heaps'-law vocabulary growth, generated streaming): builds the index from
the store `--build-runs` times (median docs/s and CPU-ms per document, the writer processes included), runs a
patient query mix warm, times cold `trialwatch search` processes (wall time and peak memory), and runs the same
queries in the same run against the yardsticks over the same documents: SQLite FTS5 (`bench.fts5`) and, when
installed (`pip install -e '.[bench]'`), tantivy as the ceiling (`bench.tantivy_ceiling`). Prints everything.

    .venv/bin/python bench/bench_search.py --docs 2000,20000,100000 --work-dir /tmp/twbench --keep
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fts5
import tantivy_ceiling
from corpus import CorpusGenerator, store_records

from harvester.store.snapshot import ensure_data
from harvester.store.store import Store
from harvester.store.trials import iter_trials
from index.build import rebuild_index
from index.documents import trial_document
from index.storage import IndexLocation
from search.engine import open_searcher, run_search
from search.models import SearchRequest


@dataclass(frozen=True)
class Query:
    """One query of the mix: what trialwatch is asked, and the same question in the yardsticks' syntax."""

    kind: str
    request: SearchRequest
    fts5: str
    tantivy: str
    #: nothing ranks the matches: newest update first instead of bm25
    newest_first: bool = False


QUERY_MIX: list[Query] = [
    Query("drug", SearchRequest(drug="pembrolizumab"), "drugs : pembrolizumab", "drugs:pembrolizumab"),
    Query("drug, brand name", SearchRequest(drug="Keytruda"), "drugs : keytruda", "drugs:keytruda"),
    Query("status filter", SearchRequest(query="lung cancer", statuses=("recruiting",)),
          "text : (lung AND cancer) AND status : recruiting", "+lung +cancer +status:recruiting"),
    Query("status filter only", SearchRequest(statuses=("open",), country="France"),
          "status : open AND countries : france", "+status:open +countries:france", newest_first=True),
    Query("criterion", SearchRequest(exclusion="pregnant"), "exclusion : pregnant", "exclusion:pregnant"),
    Query("criterion phrase", SearchRequest(criterion="breast feeding"),
          '{inclusion exclusion} : "breast feeding"', 'inclusion:"breast feeding" exclusion:"breast feeding"'),
    Query("free text", SearchRequest(query="chemotherapy"), "text : chemotherapy", "chemotherapy"),
    Query("free text", SearchRequest(query="placebo"), "text : placebo", "placebo"),
    # the yardsticks have no suggestions: they run the corrected query, the one trialwatch ends up running
    Query("misspelling", SearchRequest(query="neuroblastma"), "text : neuroblastoma", "neuroblastoma"),
    Query("misspelled drug", SearchRequest(drug="pembrolizumb"), "drugs : pembrolizumab", "drugs:pembrolizumab"),
    Query("lupus", SearchRequest(query="lupus"), "text : lupus", "lupus"),
    Query("lupus, recruiting", SearchRequest(query="lupus nephritis", statuses=("recruiting",)),
          "text : (lupus AND nephritis) AND status : recruiting", "+lupus +nephritis +status:recruiting"),
    Query("condition, place", SearchRequest(query="breast cancer", country="United States"),
          "text : (breast AND cancer) AND countries : (united AND states)",
          '+breast +cancer +countries:"united states"'),
    Query("condition, age and sex", SearchRequest(query="diabetes", age=45, sex="female"),
          "text : diabetes", "diabetes"),
    Query("misspelt condition", SearchRequest(query="diabetis"), "text : diabetes", "diabetes"),
    Query("patient sentence", SearchRequest(query="psoriasis trial for adults"),
          "text : psoriasis AND adults", "+psoriasis +adults"),
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
    """Wall-clock milliseconds of a first run, then of `repeat` runs (warm: what the first run cached helps)."""
    times = []
    for _ in range(1 + repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def directory_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def bench_build(data_dir: Path, runs: int) -> None:
    """Rebuild the index from the store `runs` times (the first run, which may build it, excluded)."""
    rates, cpu_per_doc = [], []
    with Store.open(data_dir) as store:
        for _ in range(runs):
            cpu_before = _cpu_seconds()
            summary = rebuild_index(store, data_dir)
            cpu_per_doc.append(1000 * (_cpu_seconds() - cpu_before) / summary.documents)
            rates.append(summary.documents / summary.seconds)
    print(f"index build      median {statistics.median(rates):5.0f} docs/s, {statistics.median(cpu_per_doc):.2f}"
          f" CPU-ms/doc  ({summary.documents} trials; {runs} runs: "
          + ", ".join(f"{rate:.0f}" for rate in rates) + " docs/s)")
    print(f"index on disk    {megabytes(directory_size(IndexLocation.of(data_dir).current()))}")


class Yardsticks:
    """SQLite FTS5 (and tantivy, when installed) over the documents the index holds, fed one trial at a time."""

    def __init__(self, work: Path) -> None:
        self.fts5 = fts5.Baseline(work / "fts5.sqlite")
        self.tantivy = tantivy_ceiling.Ceiling(work / "tantivy") if tantivy_ceiling.available() else None
        self.seconds = {"reading and parsing the store": 0.0, "FTS5": 0.0, "tantivy": 0.0}

    def fill(self, store: Store) -> int:
        count = 0
        started = time.perf_counter()
        for trial in iter_trials(store):
            document = trial_document(trial)
            self._clock("reading and parsing the store", started)
            started = time.perf_counter()
            self.fts5.add(document)
            started = self._clock("FTS5", started)
            if self.tantivy:
                self.tantivy.add(document)
                started = self._clock("tantivy", started)
            count += 1
        self.fts5.finish()
        started = self._clock("FTS5", started)
        if self.tantivy:
            self.tantivy.finish()
            self._clock("tantivy", started)
        return count

    def _clock(self, what: str, started: float) -> float:
        now = time.perf_counter()
        self.seconds[what] += now - started
        return now


def bench_queries(data_dir: Path, repeat: int) -> None:
    yardsticks = Yardsticks(data_dir)
    with Store.open(data_dir) as store:
        count = yardsticks.fill(store)
    builds = ", ".join(f"{what} {count / seconds:.0f} docs/s" for what, seconds in yardsticks.seconds.items()
                       if seconds)
    print(f"yardstick builds {builds}")
    sizes = f"FTS5 {megabytes(yardsticks.fts5.path.stat().st_size)}"
    if yardsticks.tantivy:
        sizes += f", tantivy {megabytes(directory_size(data_dir / 'tantivy'))}"
    print(f"yardsticks on disk {sizes}")

    pooled: dict[str, list[float]] = {"whoosh": [], "whoosh + count": [], "FTS5": [], "tantivy": []}
    # each query's first run on the open searcher: nothing of it cached yet (Whoosh's clause scores, SQLite's pages)
    first: dict[str, list[float]] = {engine: [] for engine in pooled}
    ceiling = yardsticks.tantivy
    with open_searcher(data_dir) as searcher:
        print(f"{'query':<62} {'whoosh':>8} {'FTS5':>8} {'tantivy':>8}  p50; top result (whoosh / FTS5)")
        for item in QUERY_MIX:
            top10 = dataclasses.replace(item.request, count=False)
            runs = {
                "whoosh": functools.partial(run_search, searcher, top10),
                "whoosh + count": functools.partial(run_search, searcher, item.request),
                "FTS5": functools.partial(yardsticks.fts5.search, item.fts5, newest_first=item.newest_first),
            }
            if ceiling:
                runs["tantivy"] = functools.partial(ceiling.search, item.tantivy, newest_first=item.newest_first)
            medians = {}
            for engine, run in runs.items():
                times = timed(run, repeat)
                first[engine].append(times.pop(0))
                pooled[engine] += times
                medians[engine] = statistics.median(times)
            top = run_search(searcher, top10).results
            fts_top = yardsticks.fts5.search(item.fts5, newest_first=item.newest_first)
            tantivy_p50 = f"{medians['tantivy']:6.2f}ms" if ceiling else f"{'-':>8}"
            print(f"{item.kind + ': ' + _describe(item.request):<62} {medians['whoosh']:6.2f}ms"
                  f" {medians['FTS5']:6.2f}ms {tantivy_p50}  {top[0].nct_id if top else '-'}"
                  f" / {fts_top[0][0] if fts_top else '-'}")
    yardsticks.fts5.close()
    for engine, times in first.items():
        if times:
            print(f"{engine + ', first run of each query':<36} {Latency.of(times)}")
    latencies = {engine: Latency.of(times) for engine, times in pooled.items() if times}
    for engine, latency in latencies.items():
        print(f"{engine + ', top 10 with snippets':<36} {latency}")
    whoosh, fts = latencies["whoosh"], latencies["FTS5"]
    print(f"{'ratio whoosh / FTS5':<36} p50 {whoosh.p50 / fts.p50:.1f}x  p95 {whoosh.p95 / fts.p95:.1f}x")
    if "tantivy" in latencies:
        ceiling_latency = latencies["tantivy"]
        print(f"{'ratio whoosh / tantivy':<36} p50 {whoosh.p50 / ceiling_latency.p50:.1f}x"
              f"  p95 {whoosh.p95 / ceiling_latency.p95:.1f}x")


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
    parser.add_argument("--docs", default="20000",
                        help="trials in the derived corpus; several sizes comma-separated (2000,20000,100000)")
    parser.add_argument("--build-runs", type=int, default=3, help="index builds per corpus (the median is printed)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each query")
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--work-dir", type=Path, help="where the data dirs go (default: a temporary dir)")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (and reuse its stored corpora)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.docs.split(",")]

    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="trialwatch-bench-"))
    print(f"trialwatch search benchmark: python {sys.version.split()[0]}, {os.cpu_count()} CPUs,"
          f" load average {os.getloadavg()[0]:.2f}, work dir {work_dir},"
          f" tantivy {'installed' if tantivy_ceiling.available() else 'not installed'}")
    try:
        snapshot_dir = work_dir / "snapshot"
        with Store.open(snapshot_dir) as store:
            ensure_data(store)
        corpora = [("bundled snapshot", snapshot_dir)]
        for size in sizes:
            corpora.append((f"{size} trials derived from the real records", work_dir / f"derived-{size}"))
            prepare_scaled(corpora[-1][1], size)
        for label, data_dir in corpora:
            print(f"\n== {label} (load average {os.getloadavg()[0]:.2f}) ==", flush=True)
            bench_build(data_dir, args.build_runs)
            bench_queries(data_dir, args.repeat)
            bench_cold_cli(data_dir, args.cold_runs)
    finally:
        if not args.keep:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
