"""The offline gazetteer (search.places): names to places, close names, places in a sentence, distances."""

from __future__ import annotations

import pytest

from harvester.errors import UnknownPlace, UsageError
from search import places
from search.places import distance_km, mentions, resolve


@pytest.mark.parametrize(("name", "label"), [
    ("Lyon", "Lyon, France"),
    ("lyon", "Lyon, France"),
    ("München", "Munich, Germany"),
    ("Muenchen", "Munich, Germany"),
    ("saint etienne", "Saint-Étienne, France"),
    ("Portland, OR", "Portland, OR, United States"),
    ("Portland, Oregon", "Portland, OR, United States"),
    ("Portland, Maine", "Portland, ME, United States"),
    ("paris texas", "Paris, TX, United States"),
    ("Paris, FR", "Paris, France"),
    ("France", "France"),
    ("Korea, Republic of", "South Korea"),
    ("UK", "United Kingdom"),
])
def test_names_resolve_offline(name, label):
    assert resolve(name).place.label == label


def test_an_ambiguous_name_takes_the_most_populous_and_says_so():
    paris = resolve("Paris")
    assert paris.place.label == "Paris, France" and paris.others >= 3
    assert paris.note.startswith("Paris, France (the most populous of ")
    assert resolve("Lyon").note == "Lyon, France"


def test_cities_have_coordinates_and_countries_none():
    lyon = resolve("Lyon").place
    assert lyon.kind == "city" and lyon.lat == pytest.approx(45.75, abs=0.05)
    assert lyon.lon == pytest.approx(4.85, abs=0.05) and lyon.population > 400_000
    france = resolve("france").place
    assert france.kind == "country" and france.lat is None and france.country_code == "FR"


def test_an_unknown_name_is_a_usage_error_with_close_names():
    with pytest.raises(UnknownPlace) as raised:
        resolve("Lyonn")
    assert isinstance(raised.value, UsageError)
    assert "Lyon, France" in raised.value.suggestions
    assert "Lyon, France" in (raised.value.hint or "")
    with pytest.raises(UnknownPlace) as nothing_close:
        resolve("Qxzvwk")
    assert nothing_close.value.suggestions == ()


def test_places_in_a_sentence():
    text = "skin lupus trials recruiting near Lyon in France"
    found = mentions(text)
    assert [(text[m.start:m.end], m.resolution.place.label, m.certain) for m in found] == [
        ("Lyon", "Lyon, France", True), ("France", "France", True)]


def test_a_city_named_like_a_word_counts_only_when_introduced():
    by_text = {mention.resolution.place.label: mention for mention in mentions("nice trials for lupus in Chad")}
    assert not by_text["Nice, France"].certain
    assert by_text["Chad"].certain
    assert all(mention.certain for mention in mentions("lupus trials in nice"))
    assert not [mention for mention in mentions("can you help us") if mention.certain]


def test_great_circle_distance():
    assert distance_km(45.75, 4.85, 45.75, 4.85) == 0
    # Lyon to Paris is about 392 km as the crow flies
    assert distance_km(45.74906, 4.84789, 48.85341, 2.3488) == pytest.approx(392, abs=3)
    assert distance_km(0, 0, 0, 180) == pytest.approx(20015, abs=2)


def test_the_folded_gazetteer_is_cached_and_read_back(tmp_path, monkeypatch):
    # the real build reads 69,000 cities (seconds); the cache is the same whatever it holds, so a small one is built
    small = places._Gazetteer([("Lyon", "FR", "84", 45.74906, 4.84789, 520774)], {"lyon": 0}, {})
    builds = []
    monkeypatch.setattr(places, "_build", lambda: builds.append(1) or small)
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path))
    places._gazetteer.cache_clear()
    try:
        places._gazetteer()
        (cached,) = tmp_path.glob("places-*.marshal")
        places._gazetteer.cache_clear()
        read_back = places._gazetteer()
        assert (read_back.cities, read_back.single, builds) == (small.cities, small.single, [1])
        cached.write_bytes(b"not a gazetteer")
        places._gazetteer.cache_clear()
        assert places._gazetteer().single == {"lyon": 0} and builds == [1, 1]  # a damaged cache is built again
    finally:
        places._gazetteer.cache_clear()
