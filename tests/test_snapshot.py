"""The whole bundled snapshot (not the tests' subset): what it holds, that the README says so, that it loads.

Loading all of it takes a few seconds, so it is loaded once for this module, without a search index.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from harvester.registry.parse import parse_study
from harvester.store.snapshot import SNAPSHOT_FILE_ENV, bundled_snapshot_bytes, decode_snapshot
from harvester.store.store import Store
from trialwatch.cli import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bundled() -> dict[str, Any]:
    return decode_snapshot(bundled_snapshot_bytes())


@pytest.fixture(scope="module")
def loaded_data_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A fresh data dir after `trialwatch show NCT05843643` loaded the bundled snapshot into it; and its stdout."""
    data_dir = tmp_path_factory.mktemp("bundled") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(SNAPSHOT_FILE_ENV)
        result = CliRunner().invoke(cli, ["show", "NCT05843643", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "loaded the bundled snapshot of" in result.stderr
    return data_dir, result.stdout


def nct_id(record: dict[str, Any]) -> str:
    nct: str = record["protocolSection"]["identificationModule"]["nctId"]
    return nct


def test_show_prints_the_sle_trial_on_a_fresh_data_dir(loaded_data_dir, bundled):
    _, shown = loaded_data_dir
    (record,) = [record for record in bundled["records"] if nct_id(record) == "NCT05843643"]
    assert record["protocolSection"]["conditionsModule"]["conditions"] == ["Systemic Lupus Erythematosus"]
    assert shown.startswith("NCT05843643")
    assert "Systemic Lupus Erythematosus" in shown
    assert record["protocolSection"]["identificationModule"]["briefTitle"].split()[0] in shown


def test_a_fresh_data_dir_holds_every_bundled_trial(loaded_data_dir, bundled):
    data_dir, _ = loaded_data_dir
    trials = {nct_id(record) for record in bundled["records"]} | {page["nct_id"] for page in bundled["pages"]}
    with Store.open(data_dir) as store:
        assert store.count_trials() == len(trials)
    assert len(trials) > 600  # every real record of ../shared/data/ctgov, not a sample


def test_every_record_is_a_distinct_parsable_study_from_a_named_shared_file(bundled):
    ids = [nct_id(record) for record in bundled["records"]]
    assert len(ids) == len(set(ids)) == len(bundled["sources"])
    assert all(re.fullmatch(r"ctgov/(records|pages|exports|bulk)/[^/]+", source.split(":")[0])
               for source in bundled["sources"].values())
    assert {source.split("/")[1] for source in bundled["sources"].values()} == {"records", "pages", "exports", "bulk"}
    assert [parse_study(record).nct_id for record in bundled["records"][:50]] == ids[:50]


def test_records_are_kept_as_the_registry_wrote_them(bundled):
    """The compact record of NCT04267848 in ../shared is the API's own bytes: the snapshot has the same JSON."""
    shared = ROOT.parent / "shared" / "data" / "ctgov" / "records" / "NCT04267848.v2.compact-2025-09.json"
    if not shared.exists():
        pytest.skip("../shared/data is not beside the checkout")
    (record,) = [record for record in bundled["records"] if nct_id(record) == "NCT04267848"]
    assert record == json.loads(shared.read_text(encoding="utf-8"))


def test_readme_says_what_the_snapshot_holds(bundled):
    spec = importlib.util.spec_from_file_location("describe_snapshot", ROOT / "scripts" / "describe_snapshot.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.search(r"<!-- snapshot-summary: scripts/describe_snapshot.py -->\n(.*?)\n<!-- /snapshot-summary -->",
                     readme, re.S)
    assert said, "the README's snapshot summary markers are missing"
    assert said.group(1) == module.describe(bundled)
    assert "**NCT05843643**" in said.group(1) and "**NCT06965244**" in said.group(1)
