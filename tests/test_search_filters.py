"""Totals agree with results when filters leave nothing (a whoosh-reloaded counting quirk, worked around)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.datadirs import copy_of
from trialwatch.cli import cli


def test_a_filter_no_trial_passes_reports_no_matches(snapshot_template, tmp_path):
    runner = CliRunner()
    args = ["--data-dir", str(copy_of(snapshot_template, tmp_path / "data")), "--format", "json"]
    everywhere = json.loads(runner.invoke(cli, ["search", "--drug", "Keytruda", *args]).stdout)
    assert [hit["nct_id"] for hit in everywhere["results"]] == ["NCT04267848"]
    # NCT04267848's sites are all in the United States
    in_france = json.loads(runner.invoke(cli, ["search", "--drug", "Keytruda", "--country", "France", *args]).stdout)
    assert (in_france["results"], in_france["total"]) == ([], 0)
