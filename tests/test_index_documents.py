"""Unit tests: the analyzers and the pure Trial -> document function, on real snapshot records."""

from __future__ import annotations

import datetime as dt

import pytest

from harvester.registry.parse import parse_study
from index.analysis import name_analyzer, phase_term, status_term, text_analyzer
from index.documents import trial_document
from index.schema import NO_MAXIMUM_AGE, OPEN_TERM, build_schema
from tests.records import snapshot_record


def document(nct_id: str) -> dict:
    return trial_document(parse_study(snapshot_record(nct_id)))


def terms(analyzer, text: str) -> list[str]:
    return [token.text for token in analyzer(text)]


@pytest.mark.parametrize(("spelling", "term"), [
    ("NOT_YET_RECRUITING", "not_yet_recruiting"), ("not-yet-recruiting", "not_yet_recruiting"),
    ("Recruiting", "recruiting"), ("open", "open"),
])
def test_status_spellings_meet_in_one_term(spelling, term):
    assert status_term(spelling) == term


@pytest.mark.parametrize(("spelling", "term"), [
    ("PHASE2", "2"), ("phase-2", "2"), ("2", "2"), ("II", "2"), ("EARLY_PHASE1", "early1"), ("early1", "early1"),
    ("NA", "na"), ("n/a", "na"),
])
def test_phase_spellings_meet_in_one_term(spelling, term):
    assert phase_term(spelling) == term


def test_prose_is_accent_folded_and_stemmed():
    analyzer = text_analyzer()
    assert terms(analyzer, "Hôpitaux") == terms(analyzer, "hopitaux") == ["hopitaux"]
    assert terms(analyzer, "treatment-naïve patients") == ["treatment", "naiv", "pati"]
    assert terms(analyzer, "the pregnant women") == ["pregn", "women"]
    # a noun in -ancy meets its adjective, British spellings their American ones
    assert terms(analyzer, "pregnancies") == terms(analyzer, "pregnant")
    assert terms(analyzer, "paediatric tumours") == terms(analyzer, "pediatric tumors") == ["pediatr", "tumor"]


def test_names_are_folded_but_not_stemmed():
    assert terms(name_analyzer(), "Zürich; Neuroblastomas") == ["zurich", "neuroblastomas"]


def test_document_of_an_open_trial_with_brand_names():
    doc = document("NCT04267848")
    assert doc["nct_id"] == "NCT04267848"
    assert doc["title"].startswith("Testing the Addition of a Type of Drug Called Immunotherapy")
    assert doc["status"] == f"RECRUITING {OPEN_TERM}"
    assert doc["_stored_status"] == "RECRUITING"
    assert doc["phase"] == "PHASE3"
    drugs = doc["drugs"].split("; ")
    assert {"Pembrolizumab", "Keytruda", "MK-3475", "Cisplatin", "Platinol"} <= set(drugs)
    assert "Pembrolizumab" in doc["interventions"] and "Keytruda" not in doc["interventions"]
    assert "Lung Neoplasms" in doc["conditions"]  # a MeSH term, not one of the listed conditions
    assert doc["_stored_sponsor"] == "National Cancer Institute (NCI)"
    assert "Age >= 18 years" in doc["inclusion"].splitlines()
    assert "exclusion" not in doc  # the record lists no exclusion criteria: no empty field
    assert (doc["min_age"], doc["max_age"], doc["sex"]) == (18.0, NO_MAXIMUM_AGE, "ALL")
    assert doc["countries"] == "United States; Guam"
    assert doc["last_update"] == dt.datetime(2025, 9, 10)


def test_plain_word_text_weighs_title_condition_and_drug_words_over_summary_words():
    doc = document("NCT04267848")
    weights: dict[str, float] = {}
    for token in build_schema()["text"].analyzer(doc["text"]):
        weights[token.text] = weights.get(token.text, 0.0) + token.boost
    assert weights["alchemist"] == 4.0 + 4.0 + 1.0  # brief title, official title, summary
    assert weights["keytruda"] == 3.0  # drugs
    assert weights["surgeri"] == 1.0  # summary only, stemmed
    assert weights["guam"] == 1.0  # countries


def test_a_trial_known_only_from_its_page_is_searchable_by_its_plain_language_summary():
    from harvester.pages.parse import parse_trial_page
    from harvester.store.snapshot import read_snapshot

    page = read_snapshot()["pages"][0]
    trial = parse_trial_page(page["html"].encode(), page["url"], nct_id=page["nct_id"])
    doc = trial_document(trial)
    assert doc["nct_id"] == "NCT06965244"
    assert "lenalidomide compared to methotrexate" in doc["summary"]
    assert "Pregnant women, breastfeeding" in doc["exclusion"]


def test_document_of_a_closed_trial_with_age_and_sex_limits():
    doc = document("NCT00517179")
    assert doc["status"] == "COMPLETED"
    assert (doc["min_age"], doc["max_age"], doc["sex"]) == (50.0, 80.0, "MALE")
    assert doc["exclusion"].count("\n") == 5  # six exclusion criteria, one a line


def test_document_ages_below_a_year_are_fractions_of_years():
    record = snapshot_record("NCT04431453")
    record["protocolSection"]["eligibilityModule"]["minimumAge"] = "6 Months"
    assert trial_document(parse_study(record))["min_age"] == 0.5


def test_every_snapshot_document_fits_the_schema(tmp_path):
    from whoosh.index import create_in

    from tests.records import snapshot_ids

    index = create_in(str(tmp_path), build_schema())
    with index.writer() as writer:
        for nct_id in snapshot_ids():
            writer.add_document(**document(nct_id))
    assert index.doc_count() == len(snapshot_ids())
