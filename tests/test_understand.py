"""Reading filters out of what a patient types (search.understand), and the CLI saying how it read them."""

from __future__ import annotations

import pytest

from search.models import OPEN_STATUS, SearchRequest
from search.understand import understand


def places(name: str):
    return {"france": "country", "united states": "country", "lyon": "city"}.get(name)


def read(text: str, **options):
    return understand(SearchRequest(query=text, **options), places)


@pytest.mark.parametrize("text", ["nct06965244", "NCT06965244", "06965244", "is NCT06965244 still recruiting?",
                                  "tell me about nct 06965244"])
def test_an_nct_id_in_any_form_is_the_answer(text):
    understood = read(text)
    assert understood.request.nct_ids == ("NCT06965244",)
    assert understood.request.query == "" and understood.request.statuses == ()


def test_statuses_places_and_question_words():
    understood = read("is there a trial for skin lupus in France still recruiting")
    assert understood.request.query == "skin lupus"
    assert understood.request.country == "france" and understood.request.statuses == ("recruiting",)
    assert understood.line() == "understood as: skin lupus · recruiting · in France"


def test_not_yet_recruiting_is_not_read_as_recruiting():
    assert read("lupus not yet recruiting").request.statuses == ("not_yet_recruiting",)
    assert read("lupus open to enrolment").request.statuses == (OPEN_STATUS,)


@pytest.mark.parametrize(("text", "phases"), [("phase 3 lupus", ("3",)), ("lupus phase III", ("3",)),
                                              ("phase 2/3 lupus", ("2", "3")), ("phase ii", ("2",))])
def test_phases(text, phases):
    assert read(text).request.phases == phases


def test_a_city_only_after_in_or_near_a_country_anywhere():
    assert read("lupus in Lyon").request.city == "lyon"
    near = read("lupus near Lyon").request  # near a city: measured from it, as --near Lyon
    assert (near.city, near.near, near.query) == (None, "lyon", "lupus")
    assert read("lyon lupus").request.city is None
    assert read("lupus United States").request.country == "united states"


def test_sex_words_and_options_win():
    assert read("lupus trials for women").request.sex == "female"
    understood = read("lupus recruiting women", statuses=("completed",), sex="male")
    assert understood.request.statuses == ("completed",) and understood.request.sex == "male"


def test_explicit_syntax_and_literal_text_are_left_alone():
    for text in ['status:recruiting lupus', '"still recruiting"', "lupus AND recruiting"]:
        assert read(text).request.query == text and read(text).notes == ()
    assert read("lupus nephritis").notes == ()


@pytest.mark.parametrize(("text", "groups"), [
    ("leukaemia in children", ("child",)), ("paediatric lupus", ("child",)), ("asthma kids", ("child",)),
    ("trials for teenagers with acne", ("child",)), ("lupus elderly", ("older_adult",)),
    ("older adults with diabetes", ("older_adult",)), ("adults with adhd", ("adult",)),
])
def test_age_group_words_become_the_registrys_age_groups(text, groups):
    understood = read(text)
    assert understood.request.age_groups == groups
    assert not {"children", "kids", "elderly", "adults", "teenagers"} & set(understood.request.query.split())


def test_an_age_option_wins_over_age_group_words():
    assert read("leukaemia in children", age=40).request.age_groups == ()
    assert read("leukaemia in children", age_groups=("adult",)).request.age_groups == ("adult",)


def test_question_words_alone_are_dropped_and_said():
    understood = read("new treatments for cutaneous lupus")
    assert understood.request.query == "cutaneous lupus" and understood.notes == ("cutaneous lupus",)
    assert read("would I be excluded if I am on belimumab").request.query == "belimumab"


def test_everyday_country_names_and_adjectives():
    def places(name):
        return {"france": "country", "russian federation": "country", "china": "country"}.get(name)

    assert understand(SearchRequest(query="lupus in russia"), places).request.country == "russian federation"
    french = understand(SearchRequest(query="french trials for lupus"), places).request
    assert french.country == "france" and french.query == "lupus"
    # an adjective before no word for trials or sites stays a word
    chinese = understand(SearchRequest(query="chinese medicine for eczema"), places).request
    assert chinese.country is None and "chinese" in chinese.query
    assert understand(SearchRequest(query="eczema trials in chinese hospitals"), places).request.country == "china"
