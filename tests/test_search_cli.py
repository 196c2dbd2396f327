"""End-to-end: `trialwatch search` and `trialwatch index` through the real CLI, on temporary data dirs."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from tests.datadirs import copy_of, store_changed_version
from tests.records import snapshot_trial_count
from trialwatch.cli import cli


def run(data_dir, *args):
    return CliRunner().invoke(cli, [*args, "--data-dir", str(data_dir)])


@pytest.fixture(scope="module")
def data_dir(snapshot_template, tmp_path_factory):
    """Shared by the tests that only search."""
    return copy_of(snapshot_template, tmp_path_factory.mktemp("cli") / "data")


def test_first_search_in_an_empty_data_dir_loads_the_snapshot_and_builds_the_index(tmp_path):
    result = run(tmp_path / "new", "search", "keytruda")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("NCT04267848  [recruiting]  Testing the Addition of a Type of Drug")
    assert "Keytruda" in result.stdout
    notes = result.stderr.splitlines()
    assert notes[0].startswith("trialwatch: empty data dir") and "bundled snapshot" in notes[0]
    assert notes[1].startswith("trialwatch: building the search index in")
    assert notes[2].startswith(f"trialwatch: index: rebuilt, {snapshot_trial_count()} trials in")
    assert notes[-1] == "trialwatch: 1 trial matches"

    again = run(tmp_path / "new", "search", "keytruda")
    # no rebuild the second time; what the records say Keytruda is was searched too
    assert again.stderr.splitlines() == ["trialwatch: also searched: keytruda as 'Pembrolizumab'",
                                         "trialwatch: 1 trial matches"]


def test_options_filter_and_text_shows_the_matching_criterion(data_dir):
    result = run(data_dir, "search", "--exclusion", "pregnant", "--status", "open", "--age", "15", "--sex", "female")
    assert result.exit_code == 0, result.output
    blocks = {block.split()[0]: block for block in result.stdout.split("\n\n")}
    assert blocks["NCT05602779"].startswith("NCT05602779  [recruiting]  Leverage Noninvasive Transcutaneous Vagus")
    assert "  excluded if: Pregnant or breast feeding" in blocks["NCT05602779"]
    assert all("\n  excluded if: " in block for block in blocks.values())
    assert "NCT03281889" in blocks  # ages 3 to 18
    assert result.stderr.strip() == f"trialwatch: {len(blocks)} trials match"
    adult = run(data_dir, "search", "--exclusion", "pregnant", "--status", "open", "--age", "25", "--sex", "female")
    assert "NCT03281889" not in adult.stdout and "NCT05602779" not in adult.stdout  # too old for both


def test_query_words_are_joined_and_field_syntax_works(data_dir):
    result = run(data_dir, "search", "drug:cimzia", "status:completed", "--format", "json")
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert response["request"]["query"] == "drug:cimzia status:completed"
    assert [r["nct_id"] for r in response["results"]] == ["NCT02552212"]
    snippet = response["results"][0]["snippets"][0]
    assert snippet["field"] == "drugs"
    start, end = snippet["highlights"][0]
    assert snippet["text"][start:end] == "Cimzia"
    assert response["results"][0]["last_update"] == "2022-08-18"


def test_csv_output(data_dir):
    result = run(data_dir, "search", "--condition", "neuroblastoma", "--limit", "2", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2
    assert {row["nct_id"] for row in rows} <= {"NCT00716976", "NCT01987596", "NCT01305200"}
    assert all(row["snippet"].startswith("conditions: ") and "**Neuroblastoma**" in row["snippet"] for row in rows)
    assert result.stderr.strip() == "trialwatch: 3 trials match, showing the first 2"


def test_misspelling_runs_the_correction_and_says_so(data_dir):
    result = run(data_dir, "search", "lenalidamide")
    assert result.exit_code == 0, result.output
    assert "trialwatch: showing results for: lenalidomide" in result.stderr
    assert result.stdout.startswith("NCT06965244  [not yet recruiting]  Lenalidomide vs Methotrexate")


def test_misspelling_with_results_gets_a_suggestion(data_dir):
    result = run(data_dir, "search", "lung", "OR", "pembrolizumb")
    assert "trialwatch: did you mean: lung OR pembrolizumab" in result.stderr
    assert "NCT04267848" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["search", 'exclusion:"pregnant'], "trialwatch: error: unclosed quote in 'exclusion:\"pregnant'"),
    (["search", "drgu:keytruda"], "trialwatch: error: unknown field 'drgu:' (hint: did you mean drug:? fields: drug,"),
])
def test_a_syntax_error_is_one_line_and_exit_2(data_dir, args, message):
    result = run(data_dir, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(message)


@pytest.mark.parametrize("query", ["updated:[x TO y]", "updated:[2024-13 TO 2025]", "NOT NOT lupus"])
def test_a_range_or_not_syntax_error_is_one_line_and_exit_2(data_dir, query):
    result = run(data_dir, "search", query)
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("trialwatch: error: cannot read the")


def test_a_query_is_capped_at_500_characters_like_the_web_form(data_dir):
    result = run(data_dir, "search", "a" * 501)
    assert result.exit_code == 2
    assert result.stderr == ("trialwatch: error: the query is too long (501 characters)"
                             " (hint: use at most 500 characters)\n")


def test_control_characters_are_stripped_before_the_words_are_echoed(data_dir):
    result = run(data_dir, "search", "lupuss\x00\x07\x1b")
    assert result.exit_code == 0, result.output
    assert "no trial mentions 'lupuss'" in result.stderr and "\x00" not in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_absurd_words_are_not_compared_with_the_vocabulary(data_dir, monkeypatch):
    from search.suggest import SpellingWords

    compared = []
    closest = SpellingWords.closest
    monkeypatch.setattr(SpellingWords, "closest", lambda self, word: compared.append(word) or closest(self, word))
    result = run(data_dir, "search", "lupuss", "x" * 60, "aaaaargh", "12345")
    assert result.exit_code == 0, result.output
    assert compared == ["lupuss"]


def test_a_bad_option_value_is_a_usage_error(data_dir):
    result = run(data_dir, "search", "--status", "recruting")
    assert result.exit_code == 2
    assert "'recruting' is not one of" in result.stderr


def test_index_command_rebuilds_and_updates(snapshot_template, tmp_path):
    data_dir = copy_of(snapshot_template, tmp_path / "data")
    rebuilt = run(data_dir, "index")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.stdout.startswith(f"index: rebuilt, {snapshot_trial_count()} trials in ")
    assert run(data_dir, "index", "--update").stdout == "index: up to date\n"


def test_search_brings_a_stale_index_up_to_date(snapshot_template, tmp_path):
    data_dir = copy_of(snapshot_template, tmp_path / "data")
    store_changed_version(data_dir, "NCT05147467", overallStatus="SUSPENDED")
    result = run(data_dir, "search", "--status", "suspended")
    assert result.exit_code == 0, result.output
    assert "trialwatch: index: updated, 1 changed trials in " in result.stderr
    assert result.stdout.startswith("NCT05147467  [suspended]")


def test_search_starts_without_loading_pydantic():
    """The statuses the search command offers come from `harvester.statuses`, which keeps pydantic out of a search."""
    import subprocess
    import sys

    from harvester.models import OverallStatus
    from trialwatch.commands.search import STATUS_CHOICES

    expected = {"open"} | {status.name.lower().replace("_", "-") for status in OverallStatus}
    assert set(STATUS_CHOICES) == expected and len(STATUS_CHOICES) == len(expected)
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, trialwatch.commands.search, search.formats; print('pydantic' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )
    assert loaded.stdout.strip() == "False"


def test_a_pasted_id_and_natural_words_are_understood_and_said_so(data_dir):
    result = run(data_dir, "search", "is", "nct06965244", "still", "recruiting?")
    assert result.exit_code == 0, result.output
    assert "understood as: trial NCT06965244" in result.stderr
    assert result.stdout.startswith("NCT06965244")


def test_best_match_keeps_trials_when_a_word_matches_nothing_and_names_it(data_dir):
    result = run(data_dir, "search", "lenalidomide", "xyzzyq")
    assert result.exit_code == 0, result.output
    assert "no trial mentions 'xyzzyq'" in result.stderr
    assert "NCT06965244" in result.stdout


def test_literal_reads_no_filters(data_dir):
    result = run(data_dir, "search", "--literal", "nct06965244")
    assert "understood as" not in result.stderr


def test_registry_vocabulary_abbreviations_and_criteria_hits(data_dir):
    sle = run(data_dir, "search", "SLE")
    assert "NCT06965244" in sle.stdout  # its keywords say Systemic Lupus Erythematosus
    belimumab = run(data_dir, "search", "belimumab")
    assert "NCT06965244" in belimumab.stdout and "excluded if:" in belimumab.stdout
    children = run(data_dir, "search", "leukaemia", "children")
    assert "understood as: leukaemia · children" in children.stderr
    assert children.stdout.strip()


def test_age_group_option_and_words(data_dir):
    import json

    option = json.loads(run(data_dir, "search", "--age-group", "child", "leukaemia", "--format", "json").stdout)
    words = json.loads(run(data_dir, "search", "leukaemia in children", "--format", "json").stdout)
    assert option["request"]["age_groups"] == words["request"]["age_groups"] == ["child"]
    assert [r["nct_id"] for r in option["results"]] == [r["nct_id"] for r in words["results"]] != []
    result = run(data_dir, "search", "--age-group", "toddler", "leukaemia")
    assert result.exit_code == 2 and "toddler" in result.stderr
