"""Issue 15 end to end: the real CLI against the loopback registry in fault modes (tests/registry_server.py).

Bad records are labelled variants derived from real records (tests/faults.py), served in a page with good ones.
No CLI output here may hold a traceback.
"""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from cassettes.make_cassettes import later_nct06714279
from harvester.store.store import Store
from tests.faults import BASE_ID, LONE_STRINGS, UNREADABLE, WRONG_TYPED, _set, variant
from tests.records import snapshot_record
from tests.registry_server import FakeRegistry
from trialwatch.cli import cli

FAST = ["--min-interval", "0", "--retries", "1"]
GOOD = ["NCT00184067", "NCT04523987"]
NIGHT_1, NIGHT_2 = "2025-01-06T09:00:00", "2025-09-11T09:15:04"
FIRST = ["NCT00184067", "NCT04523987", "NCT06714279"]


def run(data_dir, *args, api_url=None):
    options = ["--data-dir", str(data_dir)] + (["--api-url", api_url] if api_url else [])
    result = CliRunner().invoke(cli, [*args, *options])
    assert "Traceback" not in result.output and not (
        result.exception and not isinstance(result.exception, SystemExit)), result.output
    return result


def harvest_page_with(tmp_path, bad):
    with FakeRegistry([snapshot_record(nct_id) for nct_id in GOOD] + [bad]) as registry:
        return run(tmp_path, "harvest", "--term", "a", "--page-size", "3", *FAST, api_url=registry.url)


@pytest.mark.parametrize("label", sorted(WRONG_TYPED))
def test_a_wrong_typed_field_drops_that_field_and_keeps_every_record(tmp_path, label):
    result = harvest_page_with(tmp_path, variant(WRONG_TYPED[label]))
    assert result.exit_code == 0, result.output
    assert "fetched 3, new 3" in result.stdout
    assert BASE_ID in result.stderr  # the warning names the record (and the field)
    with Store.open(tmp_path) as store:
        assert store.nct_ids() == sorted([*GOOD, BASE_ID])
    shown = run(tmp_path, "show", BASE_ID, "--format", "json")
    assert shown.exit_code == 0, shown.output


@pytest.mark.parametrize("label", sorted(LONE_STRINGS))
def test_a_lone_string_for_a_list_of_strings_is_one_item_never_letters(tmp_path, label):
    path, text = LONE_STRINGS[label]
    result = harvest_page_with(tmp_path, variant(_set(path, text)))
    assert result.exit_code == 0, result.output
    shown = json.loads(run(tmp_path, "show", BASE_ID, "--format", "json").stdout)
    values = json.dumps(shown)
    assert json.dumps(text) in values and '"L", "u"' not in values and '["P", "H"' not in values


@pytest.mark.parametrize("label", sorted(UNREADABLE))
def test_an_unreadable_record_is_skipped_and_reported_and_the_others_stored(tmp_path, label):
    result = harvest_page_with(tmp_path, variant(UNREADABLE[label]))
    assert result.exit_code == 0, result.output
    assert "fetched 2, new 2" in result.stdout and "skipped 1" in result.stdout
    with Store.open(tmp_path) as store:
        assert store.nct_ids() == GOOD


# --- refresh --------------------------------------------------------------------------------------------------


@pytest.fixture
def registry():
    with FakeRegistry([snapshot_record(nct_id) for nct_id in FIRST], data_timestamp=NIGHT_1) as server:
        yield server


@pytest.fixture
def data_dir(tmp_path, registry):
    assert run(tmp_path, "watch", "add", "all", "--term", "a").exit_code == 0
    first = run(tmp_path, "refresh", *FAST, api_url=registry.url)
    assert first.exit_code == 0, first.output
    return tmp_path


def events(data_dir):
    return json.loads(run(data_dir, "changes", "--since", "all", "--format", "json").stdout)


def refresh(data_dir, registry, *args):
    return run(data_dir, "refresh", "--summary", *FAST, *args, api_url=registry.url)


def test_skipped_records_in_an_incremental_window_are_reported_and_asked_for_again(data_dir, registry):
    later = later_nct06714279(snapshot_record("NCT06714279"))  # derived: a later version, updated in the window
    unreadable = json.loads(json.dumps(later))
    unreadable["protocolSection"]["identificationModule"]["nctId"] = None  # derived: its id lost
    registry.set_records([snapshot_record("NCT00184067"), snapshot_record("NCT04523987"), unreadable])
    registry.data_timestamp = NIGHT_2
    skipped = refresh(data_dir, registry)
    assert skipped.exit_code == 75, skipped.output
    assert "skipped 1 unreadable" in skipped.stdout and "skipped" in skipped.stderr
    with Store.open(data_dir) as store:
        assert store.runs(kind="refresh")[0].skipped == 1
    windows = {path.split("RANGE%5B")[1][:10] for path in registry.requests if "RANGE%5B" in path}

    registry.requests.clear()
    registry.set_records([snapshot_record("NCT00184067"), snapshot_record("NCT04523987"), later])
    clean = refresh(data_dir, registry)
    assert clean.exit_code == 0, clean.output
    again = {path.split("RANGE%5B")[1][:10] for path in registry.requests if "RANGE%5B" in path}
    # the window that skipped a record is asked for again (a watch that skipped nothing moves on)
    assert windows <= again
    assert ("NCT06714279", "status") in {(event["nct_id"], event["kind"]) for event in events(data_dir)}


def test_a_complete_listing_with_skipped_records_concludes_no_dropout(data_dir, registry):
    lost = snapshot_record("NCT06714279")
    lost["protocolSection"]["identificationModule"]["nctId"] = 12345  # derived: a wrong-typed id
    registry.set_records([snapshot_record("NCT00184067"), snapshot_record("NCT04523987"), lost])
    partial = refresh(data_dir, registry, "--full")
    assert partial.exit_code == 75, partial.output
    assert "0 no longer matched" in partial.stdout

    registry.set_records([snapshot_record(nct_id) for nct_id in FIRST])
    assert refresh(data_dir, registry, "--full").exit_code == 0
    assert sorted(event["kind"] for event in events(data_dir)) == ["new"] * 3  # no false dropped, no false new


@pytest.mark.parametrize("mode", ["same", "empty"])
def test_endless_paging_is_a_registry_fault_exit_75_keeping_what_was_stored(data_dir, registry, mode):
    registry.endless_paging(mode)
    started = time.monotonic()
    result = refresh(data_dir, registry, "--full", "--page-size", "1")
    assert result.exit_code == 75, result.output
    assert "paging stopped" in result.stderr
    assert len(registry.requests) < 30 and time.monotonic() - started < 10
    with Store.open(data_dir) as store:
        assert store.nct_ids() == FIRST


@pytest.mark.parametrize("retry_after", ["86400", "Thu, 31 Dec 2099 23:59:59 GMT"])
def test_a_retry_after_of_a_day_makes_refresh_exit_75_at_once(data_dir, registry, retry_after):
    registry.fail_next(429, times=5, headers={"Retry-After": retry_after})
    started = time.monotonic()
    result = refresh(data_dir, registry)
    assert result.exit_code == 75, result.output
    assert "asks to wait" in result.stderr and time.monotonic() - started < 5


@pytest.mark.parametrize("body", [b'{"studies": [', b"<html>proxy error</html>", b"[" * 5000 + b"]" * 5000])
def test_garbage_bodies_are_transient_in_refresh(data_dir, registry, body, waits):
    registry.raw_next(body, times=10)
    result = refresh(data_dir, registry)
    assert result.exit_code == 75, result.output
    assert waits  # retried after a backoff, as for any transient failure


def test_an_invalid_api_url_is_a_usage_error(tmp_path):
    result = run(tmp_path, "harvest", "NCT00184067", api_url="not a url")
    assert result.exit_code == 2 and "--api-url" in result.output
