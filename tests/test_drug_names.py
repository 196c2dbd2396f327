"""Brand names and drug keywords: a patient's "Revlimid" finds the lenalidomide trial."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.drug_names import brand_and_generic_names, known_drugs
from tests.datadirs import copy_of
from trialwatch.cli import cli


@pytest.fixture(scope="module")
def data_dir(snapshot_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled snapshot and its index, as a first search in an empty data dir makes them (built once)."""
    return copy_of(snapshot_template, tmp_path_factory.mktemp("drug-names") / "data")


def test_known_drugs_among_keywords():
    keywords = ["Systemic Lupus Erythematosus", "Chronic Cle", "Lenalidomide", "Methotrexate"]
    assert known_drugs(keywords) == ["Lenalidomide", "Methotrexate"]


def test_brand_and_generic_names_both_ways():
    assert brand_and_generic_names(["Revlimid"]) == ["lenalidomide", "Revlimid"]
    assert brand_and_generic_names(["Lenalidomide", "aspirin"]) == ["lenalidomide", "Revlimid"]


@pytest.mark.parametrize("words", [["--drug", "lenalidomide"], ["--drug", "Revlimid"], ["revlimid"],
                                   ["drug:methotrexate"], ["--drug", "Trexall"]])
def test_the_lupus_trial_page_is_found_by_its_drugs(data_dir, words):
    result = CliRunner().invoke(cli, ["search", *words, "--format", "json", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert [hit["nct_id"] for hit in json.loads(result.stdout)["results"]] == ["NCT06965244"]
