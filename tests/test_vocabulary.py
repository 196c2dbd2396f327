"""The registry's vocabulary learned at index build (index.vocabulary), on real snapshot records."""

from __future__ import annotations

import pytest

from harvester.registry.parse import parse_study
from index.analysis import american_spelling
from index.vocabulary import VocabularyBuilder, abbreviations, load_vocabulary, phrase_key
from tests.records import snapshot_ids, snapshot_record


@pytest.fixture(scope="module")
def builder() -> VocabularyBuilder:
    learned = VocabularyBuilder()
    for nct_id in snapshot_ids():
        learned.add(parse_study(snapshot_record(nct_id)))
    return learned


def test_abbreviations_are_found_with_what_they_stand_for():
    trial = parse_study(snapshot_record("NCT00517179"))
    found = set(abbreviations([*trial.conditions, *trial.keywords]))
    assert ("BPH", "Benign Prostatic Hyperplasia") in found
    assert set(abbreviations(["patients (n = 20) were treated (twice daily) with drug X (Pfizer)"])) == set()


def test_conditions_other_names_and_abbreviations_are_learned(builder):
    vocabulary = builder.vocabulary()
    # NCT01126879 lists "Prostate Cancer", which the registry found as the MeSH term "Prostatic Neoplasms"
    assert "Prostatic Neoplasms" in vocabulary.meanings("prostate cancer")
    # NCT02552212's intervention: Certolizumab Pegol, other names Cimzia and CDP870
    assert "Certolizumab Pegol" in vocabulary.meanings("Cimzia")
    assert "Cimzia" in vocabulary.meanings("certolizumab pegol")
    assert "Benign Prostatic Hyperplasia" in vocabulary.meanings("bph")
    # a placebo's other names (PLCB) name no particular drug
    assert vocabulary.meanings("plcb") == () and vocabulary.meanings("placebo") == ()
    # words naming conditions and drugs, each with the number of trials naming it, for spelling corrections
    naming_diabetes = {nct_id for nct_id in snapshot_ids()
                       if "diabetes" in " ".join(snapshot_record(nct_id)["protocolSection"]["conditionsModule"]
                                                 .get("conditions", [])).lower()}
    assert {"NCT00763412", "NCT02299791"} <= naming_diabetes  # cystic-fibrosis-related diabetes; diabetes mellitus
    assert vocabulary.words["diabetes"] == len(naming_diabetes) and vocabulary.trials == len(snapshot_ids())
    assert all(word.isalpha() and word == word.lower() and len(word) >= 4 for word in vocabulary.words)


def test_the_vocabulary_is_saved_and_resumed(builder, tmp_path):
    builder.save(tmp_path)
    loaded = load_vocabulary(tmp_path)
    assert loaded.synonyms == builder.vocabulary().synonyms and loaded.words == dict(builder.words)
    resumed = VocabularyBuilder.resumed(tmp_path)
    assert resumed.pairs == builder.pairs
    assert load_vocabulary(tmp_path / "nowhere").synonyms == {}


@pytest.mark.parametrize(("british", "american"), [
    ("leukaemia", "leukemia"), ("tumour", "tumor"), ("paediatric", "pediatric"), ("anaemia", "anemia"),
    ("septicaemia", "septicemia"), ("oesophageal", "esophageal"), ("randomised", "randomized"),
    ("haemodialysis", "hemodialysis"), ("diarrhoea", "diarrhea"), ("lupus", "lupus"),
])
def test_british_spellings_become_american(british, american):
    assert american_spelling(british) == american
    assert phrase_key(f"Acute {british.title()}") == f"acute {american}"
