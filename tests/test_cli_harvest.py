"""End-to-end: the real CLI harvesting from a local server that speaks API v2 and serves real records."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harvester.store.snapshot import read_snapshot
from harvester.store.store import Store
from tests.records import snapshot_ids, snapshot_record
from tests.registry_server import FakeRegistry

SERVED = ["NCT04267848", "NCT04523987", "NCT00184067", "NCT03934567", "NCT02513394"]


@pytest.fixture
def registry():
    with FakeRegistry([snapshot_record(nct_id) for nct_id in SERVED]) as server:
        yield server


def run(data_dir, *args, api_url=None):
    options = ["--data-dir", str(data_dir)] + (["--api-url", api_url] if api_url else [])
    return CliRunner().invoke(__import__("trialwatch.cli", fromlist=["cli"]).cli, [*args, *options])


def test_harvest_a_query_stores_every_record_it_serves(tmp_path, registry):
    result = run(tmp_path, "harvest", "--term", "a", "--page-size", "2", "--min-interval", "0", api_url=registry.url)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "fetched 5, new 5, changed 0, unchanged 0"
    with Store.open(tmp_path) as store:
        assert store.nct_ids() == sorted(SERVED)
        run_row = store.runs(kind="harvest")[0]
        assert (run_row.outcome, run_row.fetched, run_row.data_timestamp) == ("ok", 5, "2026-11-24T09:00:00")
    pages = [path for path in registry.requests if path.startswith("/api/v2/studies?")]
    assert len(pages) == 3
    assert "countTotal=true" in pages[0] and "countTotal" not in pages[1]
    assert all("query.term=a" in path and "pageSize=2" in path for path in pages)

    again = run(tmp_path, "harvest", "--term", "a", "--page-size", "2", "--min-interval", "0", api_url=registry.url)
    assert again.stdout.strip() == "fetched 5, new 0, changed 0, unchanged 5"


def test_harvest_by_id_then_show(tmp_path, registry):
    result = run(tmp_path, "harvest", "nct04267848", "--min-interval", "0", api_url=registry.url)
    assert result.exit_code == 0, result.output
    shown = run(tmp_path, "show", "NCT04267848")
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    assert "Status:          recruiting (open to enrolment)" in text
    assert "Sponsor:         National Cancer Institute (NCI)" in text
    assert "Carboplatin" in text and "Blastocarb" in text
    assert "Who can join (inclusion criteria):" in text
    assert "  - A female of childbearing potential is a sexually mature female who:" in text
    assert "    - Has not undergone a hysterectomy or bilateral oophorectomy; or" in text


def test_show_json_is_the_model_serialization(tmp_path, registry):
    run(tmp_path, "harvest", "NCT00184067", "--min-interval", "0", api_url=registry.url)
    shown = run(tmp_path, "show", "NCT00184067", "--format", "json")
    data = json.loads(shown.stdout)
    assert data["nct_id"] == "NCT00184067"
    assert data["overall_status"] == "TERMINATED"
    assert data["lead_sponsor"] == {"name": "University of Southern California", "agency_class": "OTHER"}
    assert data["start_date"] == {"year": 2004, "month": 5, "day": None, "type": None}


def test_empty_data_dir_loads_the_bundled_snapshot_and_says_so(tmp_path):
    result = run(tmp_path, "show", "NCT04523987")
    assert result.exit_code == 0, result.output
    assert "loaded the bundled snapshot of" in result.stderr
    assert f"registry data of {read_snapshot()['data_date']}" in result.stderr
    again = run(tmp_path, "show", "NCT04523987")
    assert "using the bundled snapshot" in again.stderr
    with Store.open(tmp_path) as store:
        assert store.count_trials() >= len(snapshot_ids())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "NCT123"], "trialwatch: error: not an NCT id: 'NCT123'"),
        (["harvest", "12345678"], "trialwatch: error: not an NCT id: '12345678'"),
        (["harvest"], "trialwatch: error: nothing to harvest"),
        (["harvest", "--status", "sleeping"], "Invalid value for '--status'"),
        (["harvest", "NCT04267848", "--condition", "lupus"], "give NCT ids or a query, not both"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path, args, message):
    result = run(tmp_path, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "trialwatch.sqlite").exists() or args[0] == "show"


def test_a_malformed_id_among_good_ones_is_refused_before_any_request(tmp_path, registry):
    # ids are normalised once, where they come in; the library takes `NctId`s and never sees a malformed one
    result = run(tmp_path, "harvest", "nct04267848", "NCT123", "--min-interval", "0", api_url=registry.url)
    assert result.exit_code == 2
    assert result.stderr.strip() == ("trialwatch: error: not an NCT id: 'NCT123' (hint: an NCT id is 'NCT' followed by"
                                     " 8 digits, e.g. NCT06965244)")
    assert registry.requests == []


def test_unknown_study_is_a_runtime_error(tmp_path, registry):
    result = run(tmp_path, "harvest", "NCT99999999", "--min-interval", "0", api_url=registry.url)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("trialwatch: error: ClinicalTrials.gov has no study NCT99999999")
    with Store.open(tmp_path) as store:
        assert store.count_trials() == 0
        assert store.runs()[0].outcome == "failed"


def test_unreachable_registry_fails_cleanly_and_keeps_the_store(tmp_path, registry, waits):
    run(tmp_path, "harvest", "NCT04267848", "--min-interval", "0", api_url=registry.url)
    result = run(tmp_path, "harvest", "NCT04523987", "--min-interval", "0", "--retries", "1",
                 api_url="http://127.0.0.1:9/api/v2")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 or "WARNING" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("trialwatch: error:")
    with Store.open(tmp_path) as store:
        assert store.nct_ids() == ["NCT04267848"]


def test_server_errors_are_retried(tmp_path, registry, waits):
    registry.fail_next(503, times=2)
    result = run(tmp_path, "harvest", "NCT04523987", "--min-interval", "0", api_url=registry.url)
    assert result.exit_code == 0, result.output
    assert "fetched 1, new 1" in result.stdout
    assert len(waits) == 2 and all(wait > 0 for wait in waits)  # a backoff before each retry


def test_harvest_updates_the_search_index_for_what_it_stored(tmp_path, registry):
    run(tmp_path, "harvest", "NCT04267848", "--min-interval", "0", api_url=registry.url)
    found = run(tmp_path, "search", "--drug", "carboplatin", "--format", "json")
    assert found.exit_code == 0, found.output
    assert "building the search index" not in found.stderr
    assert [hit["nct_id"] for hit in json.loads(found.stdout)["results"]] == ["NCT04267848"]
