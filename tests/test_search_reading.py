"""How plain words are read and ranked: best match, the learned vocabulary, word forms, age groups, spelling."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvester.registry.harvest import store_record
from harvester.store.store import Store
from harvester.store.trials import iter_trials
from index.build import update_index
from search.engine import open_searcher, run_search
from search.models import SearchRequest
from search.suggest import SpellingWords
from tests.datadirs import copy_of
from tests.records import snapshot_record


@pytest.fixture(scope="module")
def data_dir(snapshot_template, tmp_path_factory):
    return copy_of(snapshot_template, tmp_path_factory.mktemp("reading") / "data")


@pytest.fixture(scope="module")
def searcher(data_dir):
    with open_searcher(data_dir) as searcher:
        yield searcher


@pytest.fixture(scope="module")
def trials(data_dir):
    with Store.open(data_dir) as store:
        return {trial.nct_id: trial for trial in iter_trials(store)}


def find(searcher, text: str, **options):
    return run_search(searcher, SearchRequest(query=text, limit=100, **options))


def ids(response) -> list[str]:
    return [result.nct_id for result in response.results]


def test_trials_matching_every_word_rank_before_those_matching_some(searcher):
    both = set(ids(find(searcher, "hearing AND cisplatin")))
    ranked = ids(find(searcher, "hearing cisplatin"))
    assert both and set(ranked[: len(both)]) == both
    assert len(ranked) > len(both)  # then the trials with one of the words


def test_a_word_in_the_criteria_only_is_found_and_labelled(searcher):
    response = find(searcher, "would I be excluded if I am on cisplatin")
    assert response.understood == ("cisplatin",)
    # NCT00716976 has cisplatin in its title, NCT04267848 among its drugs; NCT01987596 only in its criteria
    assert set(ids(response)[:2]) == {"NCT00716976", "NCT04267848"} and ids(response)[2] == "NCT01987596"
    snippet = response.results[2].snippets[0]
    assert snippet.label in ("excluded if", "included if") and "cisplatin" in snippet.text.lower()


def test_word_forms_meet_in_the_criteria(searcher):
    assert set(ids(find(searcher, "", exclusion="pregnancy"))) == set(ids(find(searcher, "", exclusion="pregnant")))


def test_british_and_american_spellings_find_the_same_trials(searcher):
    british = find(searcher, "paediatric tumours", literal=True)
    assert british.results and ids(british) == ids(find(searcher, "pediatric tumors", literal=True))


def test_age_group_words_become_the_registrys_age_groups(searcher, trials):
    response = find(searcher, "leukaemia in children")
    assert response.understood == ("leukaemia", "children (under 18)")
    assert response.results and all("CHILD" in trials[nct_id].eligibility.std_ages for nct_id in ids(response))
    literal = find(searcher, "leukaemia in children", literal=True)
    assert any("CHILD" not in trials[nct_id].eligibility.std_ages for nct_id in ids(literal))


def test_an_explicit_age_wins_over_age_group_words(searcher):
    response = find(searcher, "leukaemia in children", age=30)
    assert response.request.age_groups == () and response.request.age == 30


def test_an_abbreviation_finds_what_it_stands_for(searcher):
    # NCT00517179 writes "Benign Prostatic Hyperplasia (BPH)"; the abbreviation alone finds it first
    assert ids(find(searcher, "bph"))[0] == "NCT00517179"


def test_words_matching_something_are_never_corrected(searcher):
    # "rash" is only in some criteria ("active skin rashes"): it matched, so it is not turned into a code name
    assert find(searcher, "rash").suggestion is None
    assert find(searcher, "APHP").suggestion is None  # an abbreviation is never corrected


def test_spelling_corrections_are_confident_only_when_the_word_is_common_and_has_no_close_rival():
    words = SpellingWords({"lupus": 30, "lumps": 2, "nephritis": 12})
    assert words.closest("lupis") == ("lupus", True)
    assert words.closest("nefritis") == ("nephritis", True)  # two edits for a longer word
    assert SpellingWords({"lupus": 3, "lupos": 3}).closest("lupis")[1] is False
    assert SpellingWords({"lupus": 1}).closest("lupis") == ("lupus", False)
    assert words.closest("lxpxs") is None  # a short word is corrected one edit away at most


def _derived_variant(nct_id: str, new_id: str) -> dict:
    """A DERIVED record for tests: a real snapshot record under another id, its interventions' other names removed."""
    record = snapshot_record(nct_id)
    record["protocolSection"]["identificationModule"]["nctId"] = new_id
    for intervention in record["protocolSection"]["armsInterventionsModule"]["interventions"]:
        intervention.pop("otherNames", None)
    return record


def test_an_other_name_in_one_record_finds_every_trial_of_the_drug(tmp_path: Path):
    with Store.open(tmp_path) as store, store.transaction():
        for record in (snapshot_record("NCT01987596"), _derived_variant("NCT01987596", "NCT09999990")):
            store_record(store, record, fetched_at="2026-03-07T00:00:00+00:00", api_url="http://registry.test",
                         data_timestamp=None, run_id=None)
    with Store.open(tmp_path) as store:
        update_index(store, tmp_path)
    with open_searcher(tmp_path) as searcher:
        # only NCT01987596 says filgrastim is Neupogen; the variant lists filgrastim alone
        response = find(searcher, "neupogen")
        assert ids(response) == ["NCT01987596", "NCT09999990"]
