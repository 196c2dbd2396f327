"""Import throughput: `trialwatch import` of the registry's bulk-download format, scaled up from the real sample.

    .venv/bin/python bench/bench_import.py [--copies 1,40] [--runs 3] [--work-dir DIR]

The real sample is ../shared/data/ctgov/bulk/ctg-studies.urology-100.zip (100 members, one NCTxxxxxxxx.json study
each). For each count C in --copies a DERIVED zip is written: C copies of those 100 members, each study's
`protocolSection.identificationModule.nctId` (and its member name) rewritten to NCT9CCCNNNN (copy CCC, member NNNN),
nothing else changed; the zip's comment says so. Each run imports the zip into a fresh data dir in a child process
(the store only: `harvester.registry.importer.import_files`, as `trialwatch import` calls it, without the search
index update that follows it) and reports wall time, studies per second, CPU time (user + system, robust to other
jobs on the machine) and the child's peak RSS (`wait4`). The yardstick, in the same run: the same child reading the
zip with the import's own reader (`harvester.registry.files.iter_file`), storing nothing. Medians of --runs runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "ctgov" / "bulk" / "ctg-studies.urology-100.zip"

#: what the child process runs: "store" imports into a fresh data dir, "read" only reads the file
CHILD = """
import sys, time
from pathlib import Path
mode, path, data_dir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
started = time.perf_counter()
if mode == "store":
    from harvester.registry.importer import import_files
    from harvester.store.store import Store
    with Store.open(data_dir) as store:
        summary = import_files(store, [path])
    studies = summary.new + summary.changed + summary.unchanged
    assert summary.skipped == 0 and summary.new == studies, summary.line()
else:
    from harvester.registry.files import iter_file
    studies = sum(1 for item in iter_file(path) if item.record is not None)
print(studies, time.perf_counter() - started)
"""


def derived_zip(copies: int, target: Path) -> int:
    """Write `copies` copies of the real sample's members with rewritten NCT ids; the number of studies."""
    written = 0
    with zipfile.ZipFile(SAMPLE) as sample, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as derived:
        derived.comment = (f"DERIVED by bench/bench_import.py: {copies} copies of the 100 real members of "
                           f"{SAMPLE.name}, protocolSection.identificationModule.nctId rewritten to NCT9CCCNNNN "
                           "(copy, member); nothing else changed").encode()
        members = [info for info in sample.infolist() if info.filename.endswith(".json")]
        for copy in range(copies):
            for number, info in enumerate(members):
                study = json.loads(sample.read(info))
                nct_id = f"NCT9{copy:03d}{number:04d}"
                study["protocolSection"]["identificationModule"]["nctId"] = nct_id
                derived.writestr(f"{nct_id}.json", json.dumps(study, ensure_ascii=False))
                written += 1
    return written


def run_child(mode: str, path: Path, data_dir: Path) -> tuple[int, float, float, float]:
    """(studies, wall seconds, peak RSS in MB, CPU seconds) of one child process (wall and CPU from its start, so
    with its imports)."""
    process = subprocess.Popen([sys.executable, "-c", CHILD, mode, str(path), str(data_dir)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{mode} run failed (exit {process.returncode})")
    studies, seconds = output.split()
    # ru_maxrss is in KB on Linux
    return int(studies), float(seconds), usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", default="1,40", help="comma-separated copy counts (100 studies each)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work-dir", type=Path, help="where the derived zips and data dirs go (default: a temp dir)")
    args = parser.parse_args()
    if not SAMPLE.exists():
        raise SystemExit(f"the real sample is not there: {SAMPLE}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory(dir=args.work_dir) as work:
        for copies in (int(value) for value in args.copies.split(",")):
            path = Path(work) / f"ctg-studies.derived-{copies}x.zip"
            studies = derived_zip(copies, path)
            print(f"\n{path.name}: {studies} studies (DERIVED from the real sample), "
                  f"{path.stat().st_size / 1e6:.1f} MB zipped")
            for mode, label in (("read", "read only (yardstick)"), ("store", "import into the store")):
                results = []
                for run in range(args.runs):
                    data_dir = Path(work) / f"data-{copies}-{mode}-{run}"
                    results.append(run_child(mode, path, data_dir))
                    assert results[-1][0] == studies
                seconds = statistics.median(result[1] for result in results)
                peak = statistics.median(result[2] for result in results)
                cpu = statistics.median(result[3] for result in results)
                print(f"  {label:24} median of {args.runs}: {seconds:6.2f} s, {studies / seconds:6.0f} studies/s, "
                      f"{cpu:6.2f} CPU-s ({studies / cpu:.0f} studies per CPU-s), peak RSS {peak:.0f} MB"
                      f"   (wall: {', '.join(f'{r[1]:.2f} s' for r in results)})")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end; finished {time.strftime('%Y-%m-%d %H:%M:%S')}")


if __name__ == "__main__":
    main()
