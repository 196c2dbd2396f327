"""Issue 15, killed runs and damaged data dirs, made on the fly: the next run recovers, every fault is one line.

The data dirs are copies of the bundled snapshot's (`snapshot_template`); no CLI output here may hold a traceback.
"""

from __future__ import annotations

import ast
import gc
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester.store.store import Store
from index.status import index_status
from index.storage import IndexLocation
from tests.datadirs import copy_of, store_changed_version
from trialwatch.cli import cli

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


def run(data_dir: Path, *args: str):
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(data_dir)])
    assert "Traceback" not in result.output and not (
        result.exception and not isinstance(result.exception, SystemExit)), result.output
    return result


def one_error_line(result) -> str:
    """The error line of a failed command, checking it is the only line of its stderr that is one."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("trialwatch: error:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


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
    for _ in range(3):  # kill it while its writer processes run (a small rebuild may finish first)
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


# --- searches beside a run that is storing trials -----------------------------------------------------------------


def test_a_search_beside_a_running_harvest_reads_the_index_as_it_is(snapshot_template, tmp_path):
    data_dir = copy_of(snapshot_template, tmp_path / "data")
    with Store.open(data_dir) as store:
        run_id = store.start_run("harvest", {"ids": ["NCT04267848"]})
        store.update_run(run_id, message="running as pid 1")  # as if run by a process that is alive (init)
    store_changed_version(data_dir, "NCT04267848", overallStatus="COMPLETED")
    result = run(data_dir, "search", "keytruda")
    assert result.exit_code == 0, result.output
    assert ("trialwatch: a harvest is storing trials: using the index as it is, which catches up when the"
            " harvest ends") in result.stderr
    assert "[recruiting]" in result.stdout  # the index as it was
    from tests.test_web import TestClient  # imported there without starlette's httpx warning
    from trialwatch.web.app import create_app

    page = TestClient(create_app(data_dir)).get("/search", params={"q": "keytruda", "status": "any"}).text
    assert "A harvest is storing new registry data: these results catch up with it\n    when it ends." in page
    with Store.open(data_dir) as store:
        assert index_status(data_dir, store.max_version_id()) == "stale"  # no search wrote anything


# --- a damaged index --------------------------------------------------------------------------------------------


def live_file(data_dir: Path, suffix: str) -> Path:
    generation = IndexLocation.of(data_dir).current()
    return next(path for path in generation.iterdir() if path.name.endswith(suffix))


def test_a_truncated_index_segment_is_rebuilt_from_the_store_saying_so(snapshot_template, tmp_path):
    data_dir = copy_of(snapshot_template, tmp_path / "data")
    segment = live_file(data_dir, ".trm")
    with open(segment, "r+b") as file:
        file.truncate(segment.stat().st_size // 2)
    result = run(data_dir, "search", "keytruda")
    assert result.exit_code == 0, result.output
    assert f"is damaged ({segment.name} is" in result.stderr and "rebuilding it from the store" in result.stderr
    with Store.open(data_dir) as store:
        assert f"index: rebuilt, {store.count_trials()} trials" in result.stderr
    assert result.stdout.startswith("NCT04267848")


# Whoosh leaves the files of the reader it failed to open to the garbage collector, which warns of them
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_web_search_on_an_overwritten_segment_rebuilds_the_index(snapshot_template, tmp_path, caplog):
    from tests.test_web import TestClient  # imported there without starlette's httpx warning
    from trialwatch.web.app import create_app

    data_dir = copy_of(snapshot_template, tmp_path / "data")
    segment = live_file(data_dir, ".trm")
    damaged = bytearray(segment.read_bytes())
    damaged[:4] = b"\0\0\0\0"  # same size: only reading it shows the damage
    segment.write_bytes(damaged)
    response = TestClient(create_app(data_dir)).get("/search", params={"q": "keytruda", "status": "any"})
    assert response.status_code == 200 and "NCT04267848" in response.text
    assert "is damaged (FileFormatError" in caplog.text and "index: rebuilt" in caplog.text
    gc.collect()  # those files, while this test ignores the warnings


# --- a damaged store --------------------------------------------------------------------------------------------


def test_a_version_that_does_not_decompress_is_one_line_and_intact_trials_still_show(snapshot_template, tmp_path):
    data_dir = copy_of(snapshot_template, tmp_path / "data")
    with sqlite3.connect(data_dir / "trialwatch.sqlite") as db:
        db.execute("UPDATE versions SET raw = ? WHERE nct_id = 'NCT00184067'", (b"\x1f\x8b\x08\0broken",))
    damaged = run(data_dir, "show", "NCT00184067")
    assert damaged.exit_code == 1
    assert one_error_line(damaged).startswith(f"trialwatch: error: the store {data_dir / 'trialwatch.sqlite'} is"
                                              " damaged (version ")
    assert f"(hint: check it with: sqlite3 {data_dir / 'trialwatch.sqlite'} 'PRAGMA integrity_check')" in \
        damaged.stderr
    intact = run(data_dir, "show", "NCT04267848")
    assert intact.exit_code == 0 and "Keytruda" in intact.stdout
    index = run(data_dir, "index")
    assert index.exit_code == 1 and "is damaged" in one_error_line(index)


def test_a_damaged_sqlite_page_is_one_line_naming_the_integrity_check(snapshot_template, tmp_path):
    data_dir = copy_of(snapshot_template, tmp_path / "data")
    path = data_dir / "trialwatch.sqlite"
    with sqlite3.connect(path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'versions_by_trial'").fetchone()[0]
    with open(path, "r+b") as file:  # the index's root page, but for its 8-byte header, overwritten
        file.seek((root - 1) * page_size + 8)
        file.write(b"\xff" * (page_size - 8))
    result = run(data_dir, "show", "NCT04267848")
    assert result.exit_code == 1
    assert one_error_line(result) == (f"trialwatch: error: the store {path} is damaged (database disk image is"
                                      f" malformed) (hint: check it with: sqlite3 {path} 'PRAGMA integrity_check')")


# --- file-system surprises --------------------------------------------------------------------------------------


def test_an_index_dir_that_is_a_file_is_one_line(snapshot_template, tmp_path):
    data_dir = copy_of(snapshot_template, tmp_path / "data")
    shutil.rmtree(data_dir / "index")
    (data_dir / "index").write_text("not a directory")
    for args in (["search", "lupus"], ["index"]):
        result = run(data_dir, *args)
        assert result.exit_code == 1
        assert f"{data_dir / 'index'}" in one_error_line(result)


READ_ONLY_SCRIPT = """
import sys
from click.testing import CliRunner
from trialwatch.cli import cli

for args in (["search", "keytruda"], ["show", "NCT04267848"], ["changes", "--since", "all"],
             ["changes", "--since", "all", "--format", "atom"], ["harvest", "NCT04267848"], ["refresh"],
             ["index"], ["watch", "add", "x", "--term", "a"]):
    result = CliRunner().invoke(cli, [*args, "--data-dir", sys.argv[1]])
    print(repr((args[0], result.exit_code, result.stdout[:200], result.stderr)))
"""


def test_a_read_only_data_dir_is_searched_shown_and_listed_and_refuses_writes_in_one_line(snapshot_template,
                                                                                          tmp_path):
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to mount a read-only copy")
    data_dir = copy_of(snapshot_template, tmp_path / "data")
    store_changed_version(data_dir, "NCT04267848", overallStatus="COMPLETED")  # the index lags the store
    script = tmp_path / "read_only.py"
    script.write_text(READ_ONLY_SCRIPT)
    mounted = subprocess.run(
        ["unshare", "-rm", "sh", "-c", 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && '
         f'! touch "$1/probe" 2>/dev/null && exec {shlex.quote(sys.executable)} "$0" "$1"', str(script),
         str(data_dir)], capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    if mounted.returncode != 0 or not mounted.stdout:
        pytest.skip(f"cannot mount a read-only copy here: {mounted.stderr.strip()}")
    results = {args: (code, out, err) for args, code, out, err in map(ast.literal_eval, mounted.stdout.splitlines())}
    assert "Traceback" not in mounted.stdout
    code, out, err = results["search"]
    assert code == 0 and out.startswith("NCT04267848") and "is read-only: using its index as it is" in err
    assert results["show"][0] == 0 and results["show"][1].startswith("NCT04267848  Testing the Addition")
    assert results["changes"][0] == 0
    for command in ("harvest", "refresh", "index", "watch"):
        code, _, err = results[command]
        errors = [line for line in err.splitlines() if line.startswith("trialwatch: error:")]
        assert code == 1 and len(errors) == 1 and "read-only" in errors[0].lower(), (command, err)
