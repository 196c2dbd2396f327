"""Search on an index of the bundled snapshot: the right trials first, with snippets that show why."""

from __future__ import annotations

import re

import pytest

from harvester.errors import QuerySyntaxError, UsageError
from harvester.store.store import Store
from harvester.store.trials import iter_trials
from index.schema import build_schema
from search.engine import open_searcher, run_search, search
from search.models import SearchRequest
from search.query import parse_query
from tests.datadirs import copy_of
from tests.records import snapshot_ids, snapshot_record


@pytest.fixture(scope="module")
def data_dir(snapshot_template, tmp_path_factory):
    return copy_of(snapshot_template, tmp_path_factory.mktemp("search") / "data")


@pytest.fixture(scope="module")
def trials(data_dir):
    with Store.open(data_dir) as store:
        return list(iter_trials(store))


@pytest.fixture(scope="module")
def searcher(data_dir):
    with open_searcher(data_dir) as searcher:
        yield searcher


def find(searcher, **request):
    return run_search(searcher, SearchRequest(limit=100, **request))


def ids(response) -> list[str]:
    return [result.nct_id for result in response.results]


def highlighted(snippet) -> list[str]:
    return [snippet.text[start:end] for start, end in snippet.highlights]


# --- query syntax ---------------------------------------------------------------------------------------------

SCHEMA = build_schema()


@pytest.mark.parametrize(("text", "expected"), [
    ("drug:Keytruda", "drugs:keytruda"),
    ("intervention:keytruda", "drugs:keytruda"),
    ("condition:lupus", "conditions:lupus"),
    ("criterion:pregnant", "DisMax(exclusion:pregn inclusion:pregn)"),
    ('exclusion:"pregnant women"', 'exclusion:"pregn women"'),
    ("status:not-yet-recruiting", "status:not_yet_recruiting"),
    ("status:open phase:II", "(status:open AND phase:2)"),
    ("country:Zürich", "countries:zurich"),
    ("drug:MK-3475", 'drugs:"mk 3475"'),
])
def test_field_syntax_with_friendly_names(text, expected):
    assert str(parse_query(text, SCHEMA)) == expected


def test_plain_words_search_the_weighted_text_field_best_match_first():
    assert str(parse_query("lung cancer", SCHEMA)) == "(text:lung OR text:cancer)"
    assert str(parse_query("lung AND cancer", SCHEMA)) == "(text:lung AND text:cancer)"


def test_field_syntax_and_phrases_stay_required_beside_plain_words():
    assert str(parse_query('drug:lenalidomide lupus rash', SCHEMA)) == "(drugs:lenalidomide AND (text:lupus OR text:rash))"
    assert str(parse_query('"lupus nephritis" kidney', SCHEMA)) == '(text:"lupus nephriti" AND text:kidney)'
    assert str(parse_query("lupus criterion:pregnant", SCHEMA)) == \
        "(DisMax(exclusion:pregn inclusion:pregn) AND text:lupus)"


@pytest.mark.parametrize(("text", "message"), [
    ('exclusion:"pregnant', "unclosed quote"),
    ("(lupus OR sle", "unbalanced parentheses"),
    ("drug: keytruda", "nothing after 'drug:'"),
    ("drgu:keytruda", "unknown field 'drgu:'"),
    ("updated:[yesterday TO 2024]", "cannot read the dates"),
    ("updated:soon", "cannot read the dates"),
    ("title:lupus", "unknown field 'title:'"),
    ("the of", "has no words to search for"),
    # issue 15: each was a whoosh exception (a traceback, HTTP 500)
    ("updated:[x TO y]", "cannot read the dates"),
    ("updated:[* TO *]", "cannot read the dates"),
    ("start:[x TO *]", "cannot read the dates"),
    ("updated:[2024-13 TO 2025]", "cannot read the dates"),
    ("NOT NOT lupus", "cannot read the query"),
])
def test_bad_queries_raise_a_syntax_error_with_a_hint(text, message):
    with pytest.raises(QuerySyntaxError, match=re.escape(message)) as raised:
        parse_query(text, SCHEMA)
    assert raised.value.hint


def test_a_request_rejects_out_of_range_values():
    with pytest.raises(UsageError, match="age 200 is out of range"):
        SearchRequest(age=200)
    with pytest.raises(UsageError, match="limit 0"):
        SearchRequest(limit=0)


# --- drugs ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "nct_id"), [
    ("pembrolizumab", "NCT04267848"),  # generic name
    ("Keytruda", "NCT04267848"),  # brand name listed among the other names
    ("MK-3475", "NCT04267848"),  # code name
    ("Cimzia", "NCT02552212"),
    ("Neupogen", "NCT01987596"),
    ("Prandin", "NCT00763412"),
])
def test_drug_by_generic_brand_or_code_name(searcher, name, nct_id):
    response = find(searcher, drug=name)
    assert ids(response) == [nct_id]
    snippet = response.results[0].snippets[0]
    assert snippet.field == "drugs"
    assert {word.lower() for word in highlighted(snippet)} == set(re.findall(r"\w+", name.lower()))


def test_brand_name_as_a_plain_word(searcher):
    response = find(searcher, query="keytruda")
    assert ids(response) == ["NCT04267848"]
    result = response.results[0]
    assert result.drugs[:3] == ["Biospecimen Collection", "Carboplatin", "Cisplatin"]  # interventions, not aliases
    assert (result.status, result.sponsor) == ("RECRUITING", "National Cancer Institute (NCI)")
    assert str(result.last_update) == "2025-09-10"


def test_title_matches_rank_above_summary_matches(searcher, trials):
    by_id = {trial.nct_id: trial for trial in trials}
    ranked = ids(find(searcher, query="chemotherapy"))
    in_title = ["chemotherapy" in by_id[nct_id].title.lower() for nct_id in ranked]
    assert in_title == sorted(in_title, reverse=True) and True in in_title and False in in_title


def test_plain_words_search_the_criteria_too_below_title_and_drug_matches(searcher):
    response = find(searcher, query="cisplatin")
    # NCT00716976 has cisplatin in its title, NCT04267848 among its drugs; NCT01987596 only in its criteria
    assert set(ids(response)[:2]) == {"NCT00716976", "NCT04267848"}
    assert ids(response)[2:] == ["NCT01987596"]
    assert response.results[2].snippets[0].field in ("inclusion", "exclusion")
    assert "NCT01987596" in ids(find(searcher, query="criterion:cisplatin"))


# --- status, criteria, condition, sponsor, place ----------------------------------------------------------------

def test_status_filter(searcher, trials):
    recruiting = {trial.nct_id for trial in trials if trial.overall_status == "RECRUITING"}
    response = find(searcher, statuses=("recruiting",))
    assert set(ids(response)) == recruiting and len(recruiting) >= 5
    assert {result.status for result in response.results} == {"RECRUITING"}
    not_yet = find(searcher, statuses=("not-yet-recruiting",))
    assert set(ids(not_yet)) == {t.nct_id for t in trials if t.overall_status == "NOT_YET_RECRUITING"}


def test_open_means_any_status_a_patient_can_join(searcher, trials):
    response = find(searcher, statuses=("open",))
    assert set(ids(response)) == {trial.nct_id for trial in trials if trial.is_open}
    assert [result.score for result in response.results] == [0.0] * len(response.results)
    updates = [result.last_update for result in response.results if result.last_update]
    assert updates == sorted(updates, reverse=True)  # nothing ranks them: newest update first
    assert response.results[-1].nct_id == "NCT06965244" and response.results[-1].last_update is None  # undated last


def test_phase_filter(searcher, trials):
    assert set(ids(find(searcher, phases=("3",)))) == {trial.nct_id for trial in trials if "PHASE3" in trial.phases}
    assert ids(find(searcher, query="phase:II drug:abexinostat")) == ["NCT03934567"]


def test_date_range_syntax(searcher, trials):
    found = set(ids(find(searcher, query="updated:[2025 TO]")))
    expected = {t.nct_id for t in trials if t.last_update_posted and t.last_update_posted.year >= 2025}
    assert found == expected and found


def test_exclusion_phrase_with_snippet_of_the_criterion(searcher):
    response = find(searcher, exclusion="pregnant")
    assert "NCT05602779" in ids(response)
    for result in response.results:
        snippet = result.snippets[0]
        assert snippet.field == "exclusion"
        # pregnant, pregnancy: one word form
        assert {"pregnant", "pregnancy", "pregnancies"} & {word.lower() for word in highlighted(snippet)}
    by_id = {result.nct_id: result for result in response.results}
    assert by_id["NCT05602779"].snippets[0].text == "Pregnant or breast feeding"


def test_exclusion_field_syntax_matches_the_exclusion_option(searcher):
    assert ids(find(searcher, query="exclusion:pregnant")) == ids(find(searcher, exclusion="pregnant"))


def test_inclusion_phrase_keeps_word_order(searcher):
    response = find(searcher, inclusion="childbearing potential")
    assert "NCT04267848" in ids(response)
    snippet = next(r for r in response.results if r.nct_id == "NCT04267848").snippets[0]
    assert snippet.field == "inclusion" and highlighted(snippet) == ["childbearing", "potential"]
    assert ids(find(searcher, inclusion="potential childbearing")) == []


def test_criterion_searches_both_lists(searcher):
    both = set(ids(find(searcher, criterion="pregnant")))
    assert both == set(ids(find(searcher, inclusion="pregnant"))) | set(ids(find(searcher, exclusion="pregnant")))


def test_condition_with_snippet(searcher):
    response = find(searcher, condition="neuroblastoma")
    assert set(ids(response)) == {"NCT00716976", "NCT01987596", "NCT01305200"}
    assert response.results[0].snippets[0].field == "conditions"


def test_condition_by_mesh_ancestor(searcher):
    assert "NCT04267848" in ids(find(searcher, condition="lung neoplasms"))


def test_sponsor(searcher):
    assert set(ids(find(searcher, sponsor="Children's Oncology Group"))) == {"NCT00716976", "NCT01305200"}


def test_sponsor_accent_folded(searcher):
    assert ids(find(searcher, query="sponsor:hopitaux")) == ["NCT06965244"]


def test_country_and_city(searcher):
    assert ids(find(searcher, country="Singapore")) == ["NCT04523987"]
    with_korean_sites = {nct_id for nct_id in snapshot_ids()
                         if any("Korea" in location.get("country", "") for location in
                                snapshot_record(nct_id)["protocolSection"].get("contactsLocationsModule", {})
                                .get("locations", []))}
    assert {"NCT02513394", "NCT04175379"} <= with_korean_sites
    assert set(ids(find(searcher, country="Korea"))) == with_korean_sites
    assert ids(find(searcher, query="city:zurich")) == ["NCT02513394"]  # indexed as Zürich


def test_a_two_word_country_filter_is_the_same_from_the_readers_cache(searcher, trials):
    in_the_us = {trial.nct_id for trial in trials if "United States" in trial.countries()}
    first = ids(find(searcher, query="cancer", country="United States"))  # the phrase checked, its trials kept
    assert first and set(first) == {nct_id for nct_id in ids(find(searcher, query="cancer")) if nct_id in in_the_us}
    assert ids(find(searcher, query="cancer", country="United States")) == first


def test_a_title_only_match_has_a_title_snippet(searcher):
    response = find(searcher, query="consortium")
    assert ids(response) == ["NCT01511679"]
    snippet = response.results[0].snippets[0]
    assert (snippet.field, highlighted(snippet)) == ("title", ["Consortium"])


def test_accents_fold_in_prose(searcher):
    response = find(searcher, query="naive")
    assert ids(response) == ["NCT04523987"]
    assert highlighted(response.results[0].snippets[0]) == ["naïve"]


@pytest.mark.parametrize("age", [0.5, 10, 18, 34, 55, 85])
@pytest.mark.parametrize("sex", [None, "female", "male"])
def test_age_and_sex_keep_the_trials_whose_eligibility_admits_the_person(searcher, trials, age, sex):
    expected = {trial.nct_id for trial in trials if trial.eligibility.admits(age_years=age, sex=sex)}
    assert set(ids(find(searcher, age=age, sex=sex))) == expected


def test_age_filter_admits_trials_without_limits(searcher):
    found = ids(find(searcher, age=90))
    assert "NCT02513394" in found  # 18 years and over, no maximum
    assert "NCT00517179" not in found  # 50 to 80


# --- did you mean -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "corrected", "nct_id"), [
    ("lenalidamide", "lenalidomide", "NCT06965244"),
    ("lupis", "lupus", "NCT06965244"),
    ("neuroblastma", "neuroblastoma", "NCT00716976"),
])
def test_a_misspelling_finding_nothing_runs_the_correction(searcher, typed, corrected, nct_id):
    response = find(searcher, query=typed)
    assert response.suggestion is not None and response.suggestion.text == corrected
    assert response.corrected
    assert nct_id in ids(response)


def test_a_misspelled_drug_option_is_corrected(searcher):
    response = find(searcher, drug="pembrolizumb")
    assert response.suggestion.request.drug == "pembrolizumab"
    assert response.suggestion.text == 'drug:"pembrolizumab"'
    assert ids(response) == ["NCT04267848"]


def test_a_correction_is_offered_but_not_run_when_the_search_finds_something(searcher):
    response = find(searcher, query="lung OR pembrolizumb")
    assert response.suggestion.text == "lung OR pembrolizumab"
    assert not response.corrected and response.results


def test_known_words_get_no_suggestion(searcher):
    assert find(searcher, query="pembrolizumab").suggestion is None


def test_search_opens_the_data_dirs_index(data_dir):
    response = search(data_dir, SearchRequest(query="cimzia"))
    # Cimzia among the drugs' other names, then a trial excluding it
    assert ids(response) == ["NCT02552212", "NCT03058679"] and response.total == 2


@pytest.mark.parametrize(("text", "expected"), [
    ('status:"not yet recruiting"', "status:not_yet_recruiting"),
    ('phase:"phase 3"', "phase:3"),
    ("sex:male", "(sex:male OR sex:all)"),
])
def test_keyword_fields_take_values_written_in_words(text, expected):
    assert str(parse_query(text, SCHEMA)) == expected


@pytest.mark.parametrize(("text", "message"), [("status:bogus", "unknown status 'bogus'"),
                                               ("phase:7", "unknown phase '7'")])
def test_unknown_keyword_values_list_the_known_ones(text, message):
    with pytest.raises(QuerySyntaxError, match=message) as raised:
        parse_query(text, SCHEMA)
    assert "one of:" in (raised.value.hint or "")


def test_a_colon_after_a_word_that_is_no_field_is_read_as_plain_words(searcher):
    # pasted from a record: "Low Dose: cisplatin"; "dose" is no field nor close to one
    assert ids(find(searcher, query="Dose: cisplatin"))[:2] == ids(find(searcher, query="dose cisplatin"))[:2]
    with pytest.raises(QuerySyntaxError, match="unknown field 'drgu:'"):
        parse_query("drgu:keytruda", SCHEMA)
