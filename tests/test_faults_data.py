"""Issue 15, killed runs and damaged data dirs, made on the fly: the next run recovers, every fault is one line.

The data dirs are copies of the bundled snapshot's (`snapshot_template`); no CLI output here may hold a traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harvester.store.store import Store
from index.storage import IndexLocation
from tests.datadirs import copy_of

TRIALWATCH = Path(sys.executable).parent / "trialwatch"


def writer_processes(pid: int) -> list[int]:
    """The children of a process (Linux /proc)."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    return condition()


def trialwatch(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(TRIALWATCH), *args, "--data-dir", str(data_dir)], capture_output=True, text=True,
                            timeout=60)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def killed_mid_build(data_dir: Path) -> list[int]:
    """Start `trialwatch index` with two writer processes and SIGKILL it once they run; their pids ([] if too late)."""
    build = subprocess.Popen([str(TRIALWATCH), "index", "--processes", "2", "--data-dir", str(data_dir)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    writers: list[int] = []
    while build.poll() is None and not writers:
        writers = writer_processes(build.pid)
        time.sleep(0.005)
    if writers:
        os.kill(build.pid, signal.SIGKILL)
    build.wait()
    return writers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_rebuild_killed_mid_build_blocks_no_later_run(snapshot_template, tmp_path):
    data_dir = copy_of(snapshot_template, tmp_path / "data")
    location = IndexLocation.of(data_dir)
    live = location.current()
    for _ in range(3):  # kill it while its writer processes run (a rebuild of 32 trials may finish first)
        writers = killed_mid_build(data_dir)
        if writers:
            break
    else:
        pytest.fail("every rebuild finished before its writer processes could be seen")

    assert until(lambda: not any(alive(pid) for pid in writers)), "the writer processes outlived the killed build"
    assert location.current() == live  # the killed build published nothing

    again = trialwatch(data_dir, "index", "--update")  # at once: no lock left held, nothing to wait for
    assert again.returncode == 0, again.stderr
    assert again.stdout == "index: up to date\n"
    assert "an index build that was killed before it finished" in again.stderr
    assert [path for path in location.root.iterdir() if path.is_dir()] == [live]  # the half-built one is gone


def test_a_killed_harvest_run_is_marked_killed_by_the_next_run(tmp_path):
    with Store.open(tmp_path) as store:
        run_id = store.start_run("harvest", {"ids": ["NCT00184067"]})
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        store.update_run(run_id, message=f"running as pid {dead.stdout.strip()}")  # as if that process ran it
        alive_run = store.start_run("harvest", {"ids": ["NCT04523987"]})  # this process: alive
        store.start_run("harvest", {"ids": ["NCT06714279"]})
        outcomes = {run.id: (run.outcome, run.message) for run in store.runs()}
    assert outcomes[run_id] == ("killed", "the process ended without finishing the run")
    assert outcomes[alive_run] == ("running", f"running as pid {os.getpid()}")
