"""Brand names and drug keywords: a patient's "Revlimid" finds the lenalidomide trial."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from index.drug_names import brand_and_generic_names, known_drugs
from trialwatch.cli import cli


def test_known_drugs_among_keywords():
    keywords = ["Systemic Lupus Erythematosus", "Chronic Cle", "Lenalidomide", "Methotrexate"]
    assert known_drugs(keywords) == ["Lenalidomide", "Methotrexate"]


def test_brand_and_generic_names_both_ways():
    assert brand_and_generic_names(["Revlimid"]) == ["lenalidomide", "Revlimid"]
    assert brand_and_generic_names(["Lenalidomide", "aspirin"]) == ["lenalidomide", "Revlimid"]


@pytest.mark.parametrize("words", [["--drug", "lenalidomide"], ["--drug", "Revlimid"], ["revlimid"],
                                   ["drug:methotrexate"], ["--drug", "Trexall"]])
def test_the_lupus_trial_page_is_found_by_its_drugs(tmp_path, words):
    result = CliRunner().invoke(cli, ["search", *words, "--format", "json", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [hit["nct_id"] for hit in json.loads(result.stdout)["results"]] == ["NCT06965244"]
