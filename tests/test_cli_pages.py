"""End-to-end: `trialwatch harvest-pages` from cassettes and a local site, `show`, `show --sources`, findings."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harvester.store.store import Store
from tests.page_server import PageServer
from tests.pages import SEED_ID, derived_page, reconstructed
from tests.records import snapshot_record
from tests.registry_server import FakeRegistry

FAST = ["--min-interval", "0", "--retries", "1"]
API_ID = "NCT04267848"  # RECRUITING in the registry


def run(data_dir, *args):
    from trialwatch.cli import cli

    return CliRunner().invoke(cli, [*args, "--data-dir", str(data_dir)])


def test_harvest_a_page_then_show_it(tmp_path, cassette):
    with cassette("page_clinconnect.yaml", recordable=False):
        result = run(tmp_path, "harvest-pages", SEED_ID, *FAST)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "fetched 1, new 1, changed 0, unchanged 0"

    shown = run(tmp_path, "show", SEED_ID)
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    assert text.startswith(f"{SEED_ID}  Lenalidomide vs Methotrexate in Difficult-to-treat Cutaneous Lupus\n"
                           "  Erythematosus\n")  # 80 columns when piped, wrapped between words
    assert "Status:          not yet recruiting (not yet open)" in text
    assert "Sponsor:         Assistance Publique - Hôpitaux de Paris\n" in text
    assert ("Keywords:        Systemic Lupus Erythematosus; Cutaneous Lupus Erythematosus;\n"
            "                 Chronic Cle; Lenalidomide; Methotrexate; Resistance To Anti\n"
            "                 Malarial\n") in text
    flat = " ".join(text.split())
    assert "Trial page (clinconnect.io): current as of 2025-07-01; launched 2025-05-07; 0 patients applied" in flat
    assert "Plain-language summary:\n  This clinical trial is studying the effectiveness of lenalidomide" in text
    assert "  - Active CLE despite\n    - AMs agents used for at least 3 months" in text
    assert ("  - Medications:\n    - Previous failure of methotrexate and lenalidomide prescribed for active\n"
            "      CLE") in text  # continuation lines under the text, not under the bullet
    assert "Known only from its trial page" in text
    assert "trialwatch harvest" not in text and f"`trialwatch harvest {SEED_ID}`" in shown.stderr
    assert "trialwatch: empty data dir" not in shown.stderr  # the harvest filled it; no snapshot was loaded

    data = json.loads(run(tmp_path, "show", SEED_ID, "--format", "json").stdout)
    assert len(data["eligibility"]["criteria"]["inclusion"]) == 7
    assert len(data["eligibility"]["criteria"]["exclusion"]) == 9
    assert data["page"]["current_as_of"] == "2025-07-01" and data["findings"] == []

    sources = run(tmp_path, "show", SEED_ID, "--sources")
    assert sources.exit_code == 0, sources.output
    line = next(line for line in sources.stdout.splitlines() if line.startswith("  page"))
    assert "fetched 20" in line and "data of 2025-07-01" in line and "sha256:" in line
    assert line.endswith("by pages  https://clinconnect.io/trials/NCT06965244")
    assert "Findings: none" in sources.stdout

    with cassette("page_clinconnect.yaml", recordable=False):
        again = run(tmp_path, "harvest-pages", SEED_ID, *FAST)
    assert again.stdout.strip() == "fetched 1, new 0, changed 0, unchanged 1"


def test_429_then_success_is_retried(tmp_path, cassette, waits):
    with cassette("page_429_then_ok.yaml", recordable=False) as cass:
        result = run(tmp_path, "harvest-pages", SEED_ID, *FAST)
    assert result.exit_code == 0, result.output
    assert cass.all_played
    assert "new 1" in result.stdout
    assert 1.0 in waits  # the cassette's Retry-After: 1, asked for and not slept


def test_a_missing_page_fails_with_one_line_and_stores_nothing(tmp_path, cassette):
    with cassette("page_404.yaml", recordable=False):
        result = run(tmp_path, "harvest-pages", "NCT99999999", *FAST)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "trialwatch: error: no trial page for NCT99999999: https://clinconnect.io/trials/NCT99999999 answered 404")
    with Store.open(tmp_path) as store:
        assert store.count_trials() == 0
        run_row = store.runs(kind="pages")[0]
        assert (run_row.outcome, run_row.skipped) == ("failed", 1)


def test_a_page_disallowed_by_robots_txt_is_not_fetched(tmp_path, cassette):
    with cassette("page_robots_disallowed.yaml", recordable=False) as cass:
        result = run(tmp_path, "harvest-pages", SEED_ID, *FAST)
    assert result.exit_code == 1
    assert "robots.txt does not allow fetching https://clinconnect.io/trials/NCT06965244" in result.stderr
    assert len(cass.requests) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give NCT ids or --from-store"),
        ([SEED_ID, "--from-store"], "give NCT ids or --from-store, not both"),
        (["NCT123"], "not an NCT id: 'NCT123'"),
        ([SEED_ID, "--url-template", "https://example.org/trials/"], "bad page URL template"),
        (["--from-store"], "the store holds no trials yet"),
    ],
)
def test_usage_errors_exit_2(tmp_path, args, message):
    result = run(tmp_path, "harvest-pages", *args, *FAST)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


@pytest.fixture
def sites():
    """The registry serving NCT04267848 (RECRUITING) and a site serving a page for it that says "Not yet recruiting"
    (DERIVED from the reconstructed page: only the NCT id changed); no page for NCT04523987."""
    records = [snapshot_record(API_ID), snapshot_record("NCT04523987")]
    with FakeRegistry(records) as registry, PageServer({API_ID: derived_page(API_ID)}) as pages:
        yield registry, pages


def test_a_page_disagreeing_with_the_registry_is_reported(tmp_path, sites):
    registry, pages = sites
    harvested = run(tmp_path, "harvest", API_ID, "NCT04523987", "--api-url", registry.url, *FAST)
    assert harvested.exit_code == 0, harvested.output

    result = run(tmp_path, "harvest-pages", "--from-store", "--url-template", pages.url_template, *FAST)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "fetched 1, new 1, changed 0, unchanged 0, skipped 1 without a trial page"
    assert "skipped NCT04523987: no trial page for NCT04523987" in result.stderr
    assert pages.requests == ["/robots.txt", f"/trials/{API_ID}", "/trials/NCT04523987"]

    finding = ("status: the registry says recruiting; the trial page (as of 2025-07-01) says not yet recruiting"
               " (the registry is authoritative)")
    shown = run(tmp_path, "show", API_ID)
    assert "Status:          recruiting (open to enrolment)" in shown.stdout
    assert f"The sources disagree: {finding}" in " ".join(shown.stdout.split())  # wrapped to the terminal width

    sources = run(tmp_path, "show", API_ID, "--sources")
    rows = [line.split()[0] for line in sources.stdout.splitlines() if line.startswith("  ") and "fetched" in line]
    assert rows == ["api", "page"]
    assert f"Findings: - {finding}" in " ".join(sources.stdout.split())  # wrapped to the terminal width
    data = json.loads(run(tmp_path, "show", API_ID, "--sources", "--format", "json").stdout)
    assert [v["source"] for v in data["versions"]] == ["api", "page"]
    assert data["findings"][0]["page_value"] == "NOT_YET_RECRUITING"


def test_the_bundled_snapshot_has_the_seed_trial_from_its_page(tmp_path):
    shown = run(tmp_path, "show", SEED_ID)
    assert shown.exit_code == 0, shown.output
    assert "and 1 trial page" in shown.stderr
    assert "Status:          not yet recruiting" in shown.stdout
    sources = run(tmp_path, "show", SEED_ID, "--sources")
    assert "by snapshot  https://clinconnect.io/trials/NCT06965244" in sources.stdout
    assert reconstructed().count("Inclusion Criteria:") == 1
