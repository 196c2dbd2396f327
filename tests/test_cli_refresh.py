"""End-to-end: `trialwatch refresh`, `watch`, `changes` and `show --history` against a local API v2 server.

The server serves real records; between refreshes it is given other records (`set_records`): a later version of
NCT06714279 derived in cassettes/make_cassettes.py (status, criteria, a site; see cassettes/README.md), a new
trial, a trial that drops out. Faults: 429/503 mid-refresh, a refresh killed before its events or its index
update, two refreshes at once, a lock left by a killed run.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from cassettes.make_cassettes import later_nct06714279
from harvester.store.runlock import LOCK_FILENAME, RefreshLock
from harvester.store.store import Store
from index.storage import IndexLocation, read_state
from tests.records import snapshot_record
from tests.registry_server import FakeRegistry
from trialwatch.cli import cli

FAST = ["--min-interval", "0", "--retries", "1"]
NIGHT_1, NIGHT_2, NIGHT_3 = "2025-01-06T09:00:00", "2025-09-11T09:15:04", "2025-09-12T09:10:00"
FIRST = ["NCT00184067", "NCT04523987", "NCT06714279"]
TRIALWATCH = Path(sys.executable).with_name("trialwatch")


def run(data_dir, *args, api_url=None):
    options = ["--data-dir", str(data_dir)] + (["--api-url", api_url] if api_url else [])
    return CliRunner().invoke(cli, [*args, *options])


def refresh(data_dir, registry, *args):
    return run(data_dir, "refresh", *args, *FAST, api_url=registry.url)


def changes(data_dir, *args):
    result = run(data_dir, "changes", "--since", "all", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def kinds(events):
    return sorted((event["nct_id"], event["kind"]) for event in events)


def second_night_records():
    """NCT04523987 dropped out, NCT06714279 changed (derived), NCT03934567 is new (last update 2025-04-10)."""
    later = later_nct06714279(snapshot_record("NCT06714279"))
    return [snapshot_record("NCT00184067"), later, snapshot_record("NCT03934567")]


@pytest.fixture
def registry():
    with FakeRegistry([snapshot_record(nct_id) for nct_id in FIRST], data_timestamp=NIGHT_1) as server:
        yield server


@pytest.fixture
def data_dir(tmp_path):
    """A data dir with a watch the local server answers ("a" appears in every record)."""
    result = run(tmp_path, "watch", "add", "all", "--term", "a")
    assert result.exit_code == 0, result.output
    return tmp_path


def test_two_refreshes_record_exactly_the_changes_and_a_full_listing_finds_the_dropout(data_dir, registry):
    first = refresh(data_dir, registry)
    assert (first.exit_code, first.stdout, first.stderr) == (0, "", "")  # quiet for cron
    assert kinds(changes(data_dir)) == [(nct_id, "new") for nct_id in FIRST]

    registry.set_records(second_night_records())
    registry.data_timestamp = NIGHT_2
    second = refresh(data_dir, registry, "--summary")
    assert second.exit_code == 0, second.output
    assert second.stderr == ""
    assert second.stdout.count("\n") == 1
    assert second.stdout.startswith("refresh: 2 watches (0 complete listings), fetched 2: new 1, changed 1,")
    incremental = [path for path in registry.requests if "filter.advanced" in path]
    assert incremental and all("RANGE%5B2025-01-05%2CMAX%5D" in path for path in incremental)
    events = changes(data_dir)
    assert kinds(events[3:]) == [("NCT03934567", "new"), ("NCT06714279", "criteria"), ("NCT06714279", "dates"),
                                 ("NCT06714279", "sites"), ("NCT06714279", "status")]  # no "dropped": an
    # incremental run cannot know

    registry.data_timestamp = NIGHT_3
    third = refresh(data_dir, registry, "--full", "--summary")
    assert third.exit_code == 0, third.output
    assert "2 complete listings" in third.stdout and "1 no longer matched" in third.stdout
    (dropped,) = changes(data_dir)[8:]
    assert (dropped["nct_id"], dropped["kind"], dropped["watch"]) == ("NCT04523987", "dropped", "all")
    assert dropped["details"]["in_registry"] is False  # the server no longer has it at all

    again = refresh(data_dir, registry, "--full")
    assert again.exit_code == 0, again.output
    assert len(changes(data_dir)) == 9  # nothing duplicated
    listed = run(data_dir, "watch", "list")
    assert "all    term \"a\"  (3 trials, refreshed" in listed.stdout


def test_a_dropped_trial_that_matches_again_is_reported(data_dir, registry):
    refresh(data_dir, registry)
    registry.set_records([snapshot_record("NCT00184067"), snapshot_record("NCT06714279")])
    refresh(data_dir, registry, "--full")
    registry.set_records([snapshot_record(nct_id) for nct_id in FIRST])
    refresh(data_dir, registry, "--full")
    back = [event for event in changes(data_dir) if event["watch"] == "all"]
    assert [(event["kind"], event["details"].get("rejoined")) for event in back] == [("dropped", None), ("new", True)]
    assert back[1]["title"] == "NCT04523987 matched again by watch all"


def test_changes_filters_and_formats(data_dir, registry):
    refresh(data_dir, registry)
    registry.set_records(second_night_records())
    registry.data_timestamp = NIGHT_2
    refresh(data_dir, registry)

    assert kinds(changes(data_dir, "--kind", "status,sites")) == [("NCT06714279", "sites"), ("NCT06714279", "status")]
    assert kinds(changes(data_dir, "--kind", "criteria", "--kind", "new")) == [
        ("NCT00184067", "new"), ("NCT03934567", "new"), ("NCT04523987", "new"), ("NCT06714279", "criteria"),
        ("NCT06714279", "new")]
    assert changes(data_dir, "--watch", "lupus") == []  # the default watch matches nothing on this server
    assert len(changes(data_dir, "--watch", "all")) == 8
    assert changes(data_dir, "--since", "2999-01-01") == []
    assert changes(data_dir, "--limit", "2") == changes(data_dir)[-2:]
    assert len(run(data_dir, "changes").stdout.split("\n\n")) == 8  # default: the last 7 days

    text = run(data_dir, "changes", "--kind", "status").stdout
    assert "NCT06714279  Recruitment opened\n    recruitment status · major\n" in text  # as the changes page says it
    assert "Status verified: 2024-11 -> 2025-03" in text
    assert "https://clinicaltrials.gov/study/NCT06714279" in text

    table = list(csv.DictReader(io.StringIO(run(data_dir, "changes", "--format", "csv").stdout)))
    assert len(table) == 8
    (criteria,) = [row for row in table if row["kind"] == "criteria"]
    assert criteria["title"] == "NCT06714279 eligibility criteria changed: 2 added, 1 removed"
    assert json.loads(criteria["details"])["removed"][0]["text"] == "Patients failing to meet the above inclusion criteria."

    for args, message in ((["--since", "yesterday"], "not a time to start from"),
                          (["--kind", "weather"], "Invalid value for '--kind'"),
                          (["--watch", "nope"], "no watch named 'nope'")):
        result = run(data_dir, "changes", *args)
        assert result.exit_code == 2 and message in result.stderr, result.output


def test_the_atom_feed_is_valid_and_its_ids_are_stable(data_dir, registry):
    refresh(data_dir, registry)
    registry.set_records(second_night_records())
    registry.data_timestamp = NIGHT_2
    refresh(data_dir, registry)

    args = ["changes", "--format", "atom", "--watch", "all", "--feed-url", "https://example.org/all.atom"]
    first = run(data_dir, *args)
    assert first.exit_code == 0, first.output
    feed = feedparser.parse(first.stdout)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id.startswith("urn:uuid:")
    assert feed.feed.title == "trialwatch: changes to all trials"
    assert feed.feed.author == "trialwatch"
    assert {link.rel: link.href for link in feed.feed.links} == {
        "self": "https://example.org/all.atom", "alternate": "https://clinicaltrials.gov/search?term=a"}
    assert len(feed.entries) == 8
    assert len({entry.id for entry in feed.entries}) == 8
    assert all(entry.id.startswith("urn:uuid:") for entry in feed.entries)
    assert all(entry.link == f"https://clinicaltrials.gov/study/{entry.title[-12:-1]}" for entry in feed.entries)
    (status,) = [entry for entry in feed.entries if entry.tags[0].term == "status"]
    assert status.title.startswith("Recruitment opened: ") and status.title.endswith(" (NCT06714279)")
    assert [tag.term for tag in status.tags] == ["status", "major"]
    (dates,) = [entry for entry in feed.entries if entry.tags[0].term == "dates"]
    assert dates.title.startswith("Start moved from 2025-01 to 2025-03-03: ")
    assert [tag.term for tag in dates.tags] == ["dates", "notable"]
    assert "Status verified: 2024-11 -&gt; 2025-03" in status.content[0].value or \
        "Status verified: 2024-11 -> 2025-03" in status.content[0].value
    assert feed.entries[0].updated_parsed >= feed.entries[-1].updated_parsed  # newest first

    registry.data_timestamp = NIGHT_3
    refresh(data_dir, registry, "--full")
    later = feedparser.parse(run(data_dir, *args).stdout)
    assert later.bozo == 0
    assert later.feed.id == feed.feed.id
    assert {entry.id for entry in feed.entries} < {entry.id for entry in later.entries}  # same events, same ids
    assert later.entries[0].title.startswith("No longer matched by watch all: ")
    assert later.entries[0].title.endswith(" (NCT04523987)")

    empty = feedparser.parse(run(data_dir, "changes", "--format", "atom", "--since", "2999-01-01").stdout)
    assert (empty.bozo, len(empty.entries)) == (0, 0)


def test_show_history_is_the_status_timeline(data_dir, registry):
    refresh(data_dir, registry)
    registry.set_records(second_night_records())
    registry.data_timestamp = NIGHT_2
    refresh(data_dir, registry)
    text = run(data_dir, "show", "NCT06714279", "--history")
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    lines = lines[lines.index(""):]  # after the title, however it wraps
    assert lines[1:3] == ["Status history (2 stored registry versions; dates are the registry's last update",
                          "posted):"]
    assert lines[3].startswith("  2024-12-03  not yet recruiting  verified 2024-11")
    assert lines[4].startswith("  2025-03-04  recruiting          verified 2025-03")
    data = json.loads(run(data_dir, "show", "NCT06714279", "--history", "--format", "json").stdout)
    assert [period["status"] for period in data["statuses"]] == ["NOT_YET_RECRUITING", "RECRUITING"]
    one = json.loads(run(data_dir, "show", "NCT00184067", "--history", "--format", "json").stdout)
    assert (one["versions"], [period["status"] for period in one["statuses"]]) == (1, ["TERMINATED"])


def test_watch_add_list_remove(tmp_path):
    listed = run(tmp_path, "watch", "list")
    assert listed.stdout == 'lupus  condition "lupus OR cutaneous lupus erythematosus"  (not refreshed yet)\n'
    added = run(tmp_path, "watch", "add", "nephritis", "--condition", "lupus nephritis", "--status", "recruiting",
                "--status", "not-yet-recruiting")
    assert added.exit_code == 0, added.output
    assert added.stdout == ('added watch nephritis: condition "lupus nephritis",'
                            ' status recruiting|not-yet-recruiting\n')
    assert run(tmp_path, "watch", "remove", "lupus").exit_code == 0
    assert run(tmp_path, "watch", "list").stdout.startswith("nephritis  condition")  # the default stays removed
    for args, message in ((["add", "nephritis", "--condition", "x"], "already a watch named 'nephritis'"),
                          (["add", "bad name", "--condition", "x"], "not a usable watch name"),
                          (["add", "empty"], "a watch needs a condition, an intervention or a term"),
                          (["add", "x", "--term", "a", "--status", "sleeping"], "Invalid value for '--status'"),
                          (["remove", "lupus"], "no watch named 'lupus'")):
        result = run(tmp_path, "watch", *args)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert "Traceback" not in result.output


def test_refresh_of_an_unknown_watch_is_a_usage_error(data_dir, registry):
    result = refresh(data_dir, registry, "--watch", "nope")
    assert result.exit_code == 2
    assert result.stderr.startswith("trialwatch: error: no watch named 'nope'")


# --- faults ---------------------------------------------------------------------------------------------------


def store_state(data_dir):
    with Store.open(data_dir) as store:
        return [(version.nct_id, version.content_hash) for version in store.versions_after(0, limit=10**9)]


@pytest.mark.parametrize("status", [429, 503])
def test_registry_failure_mid_refresh_exits_75_and_the_next_run_catches_up(data_dir, registry, status):
    # page 1 (one record) is served, then the registry fails on page 2 and on its retry
    registry.fail_next(status, times=2, headers={"Retry-After": "0"}, after=2)
    failed = refresh(data_dir, registry, "--page-size", "1")
    assert failed.exit_code == 75, failed.output
    (line,) = failed.stderr.splitlines()
    assert line.startswith(f"trialwatch: error: HTTP {status}")
    assert [nct_id for nct_id, _ in store_state(data_dir)] == ["NCT00184067"]  # page 1, whole
    with Store.open(data_dir) as store:
        assert store.runs(kind="refresh")[0].outcome == "failed"
    assert "not refreshed yet" in run(data_dir, "watch", "list").stdout  # its window did not advance

    caught_up = refresh(data_dir, registry, "--page-size", "1")
    assert caught_up.exit_code == 0, caught_up.output
    assert sorted(nct_id for nct_id, _ in store_state(data_dir)) == FIRST
    assert kinds(changes(data_dir)) == [(nct_id, "new") for nct_id in FIRST]


def test_retries_that_succeed_stay_quiet_unless_verbose(data_dir, registry):
    registry.fail_next(503, headers={"Retry-After": "0"})
    quiet = refresh(data_dir, registry)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    registry.fail_next(429, headers={"Retry-After": "0"})
    verbose = refresh(data_dir, registry, "-v")
    assert verbose.exit_code == 0, verbose.output
    assert "WARNING: HTTP 429 Too Many Requests from GET" in verbose.stderr
    assert "INFO: watch all (updated since 2025-01-06): fetched 0" in verbose.stderr
    assert verbose.stdout.startswith("refresh: 2 watches (0 complete listings), fetched 0:")


def test_unreachable_registry_exits_75(data_dir, waits):
    result = run(data_dir, "refresh", *FAST, api_url="http://127.0.0.1:9/api/v2")
    assert result.exit_code == 75
    (line,) = result.stderr.splitlines()
    assert line.startswith("trialwatch: error: connection failed")


def test_a_rejected_query_fails_its_watch_only_with_exit_1(data_dir, registry):
    registry.fail_next(400, after=1)  # watch "all": /version answered, then /studies rejected
    result = refresh(data_dir, registry)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line == "trialwatch: error: watch all failed: status 400"
    listed = run(data_dir, "watch", "list").stdout
    assert "last attempt failed: status 400" in listed
    assert "lupus" in listed and "(0 trials, refreshed" in listed  # the other watch went on


def test_a_second_refresh_finds_the_lock_and_exits_75_at_once(data_dir, registry):
    with RefreshLock(data_dir):
        started = time.monotonic()
        result = refresh(data_dir, registry)
        assert time.monotonic() - started < 2
    assert result.exit_code == 75
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"trialwatch: error: another trialwatch refresh is running on this data dir (pid {os.getpid()}")
    assert registry.requests == []
    assert refresh(data_dir, registry).exit_code == 0  # released


def test_two_refresh_processes_at_once(data_dir, registry):
    env = {**os.environ, "TRIALWATCH_DATA": str(data_dir), "TRIALWATCH_API_URL": registry.url}
    lock_file = data_dir / LOCK_FILENAME
    registry.hold()  # the first refresh waits on its first request, holding the lock, until released
    # the context manager closes the pipes (and waits) however the test ends
    with subprocess.Popen([str(TRIALWATCH), "refresh", *FAST], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as slow:
        try:
            deadline = time.monotonic() + 20
            while not (lock_file.exists() and lock_file.read_text().strip()):
                assert time.monotonic() < deadline and slow.poll() is None, slow.communicate()
                time.sleep(0.05)
            second = subprocess.run([str(TRIALWATCH), "refresh", *FAST], env=env, capture_output=True, text=True,
                                    timeout=20)
            assert slow.poll() is None  # the first one is still at work
            assert second.returncode == 75
            assert second.stderr.startswith(f"trialwatch: error: another trialwatch refresh is running on this data"
                                            f" dir (pid {slow.pid},")
            registry.release()
            output, errors = slow.communicate(timeout=30)
            assert slow.returncode == 0, (output, errors)
        finally:
            registry.release()
            if slow.poll() is None:
                slow.kill()
    assert lock_file.read_text() == ""  # released cleanly
    assert kinds(changes(data_dir)) == [(nct_id, "new") for nct_id in FIRST]


def test_a_stale_lock_of_a_dead_process_is_taken_over(data_dir, registry):
    (data_dir / LOCK_FILENAME).write_text("999999999 2025-01-01T03:17:00+00:00\n")
    result = refresh(data_dir, registry, "-v")
    assert result.exit_code == 0, result.output
    assert "took over the refresh lock left by pid 999999999 (started 2025-01-01T03:17:00+00:00), which was killed" \
        in result.stdout
    assert (data_dir / LOCK_FILENAME).read_text() == ""


KILLER = textwrap.dedent("""
    import os, signal, sys
    import harvester.history.refresh
    import trialwatch.commands.refresh as command

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if sys.argv[1] == "before-index":  # every version and event stored, the index not updated
        command._index_update = die
    else:  # "before-events": the first watch's versions stored, their events not derived yet
        real, calls = harvester.history.refresh.derive_pending_events, []
        def derive(store, **kwargs):
            calls.append(1)
            return die() if len(calls) == 2 else real(store, **kwargs)
        harvester.history.refresh.derive_pending_events = derive
    from trialwatch.cli import cli
    cli.main(args=sys.argv[2:], prog_name="trialwatch")
""")


@pytest.mark.parametrize("point", ["before-events", "before-index"])
def test_a_killed_refresh_leaves_a_consistent_store_and_the_next_run_catches_up(data_dir, registry, tmp_path, point):
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    killed = subprocess.run([sys.executable, str(script), point, "refresh", "--data-dir", str(data_dir), *FAST,
                             "--api-url", registry.url], capture_output=True, text=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert sorted(nct_id for nct_id, _ in store_state(data_dir)) == FIRST  # every page committed whole
    assert (data_dir / LOCK_FILENAME).read_text().split()[0].isdigit()  # the dead run's pid is still written there
    with Store.open(data_dir) as store:
        assert store.runs(kind="refresh")[0].outcome == "running"
        derived = store.count_events()
    assert derived == (0 if point == "before-events" else 3)
    assert IndexLocation.of(data_dir).current() is None  # killed before the first index was built

    result = refresh(data_dir, registry, "-v")
    assert result.exit_code == 0, result.output
    assert "which was killed" in result.stdout
    assert kinds(changes(data_dir)) == [(nct_id, "new") for nct_id in FIRST]  # each event exactly once
    with Store.open(data_dir) as store:
        assert [run.outcome for run in store.runs(kind="refresh")] == ["ok", "killed"]
        state = read_state(IndexLocation.of(data_dir).current())
        assert state.store_version_id == store.max_version_id()
        from index.storage import open_index

        assert open_index(data_dir).doc_count() == 3
