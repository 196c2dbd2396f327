"""Near-me searches (search.nearby) on the bundled snapshot: distances from the registry's site geoPoints."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harvester.errors import UnknownPlace, UsageError
from search.engine import open_searcher, run_search
from search.models import SearchRequest
from search.nearby import distance_text, parse_distance
from trialwatch.cli import cli

#: NCT04267848 (NCI's ALCHEMIST trial) has Boston sites; NCT05147467 is not yet recruiting, sites in China only
BOSTON_TRIAL, CHINA_TRIAL = "NCT04267848", "NCT05147467"
#: no sites at all / known only from a trial page (no coordinates)
UNLOCATED = {"NCT02299791", "NCT06965244"}


@pytest.fixture(scope="module")
def searcher(snapshot_template):
    with open_searcher(snapshot_template) as opened:
        yield opened


def find(searcher, **request):
    return run_search(searcher, SearchRequest(limit=1000, **request))


@pytest.mark.parametrize(("text", "km", "unit"), [
    ("50", 50.0, "km"), ("30 km", 30.0, "km"), ("50mi", 80.4672, "mi"), ("12.5 miles", 20.1168, "mi"),
])
def test_distances_in_km_or_miles(text, km, unit):
    assert parse_distance(text) == (pytest.approx(km), unit)


@pytest.mark.parametrize("text", ["far", "-5", "0", "50 parsecs", "30000 km"])
def test_unreadable_distances_are_usage_errors(text):
    with pytest.raises(UsageError):
        parse_distance(text)


def test_distance_text():
    assert [distance_text(0.4), distance_text(7.46), distance_text(80.4672, "mi")] == ["< 1 km", "7.5 km", "50 mi"]


def test_near_keeps_trials_with_a_site_within_reach_and_names_the_nearest(searcher):
    response = find(searcher, near="Boston", within="50mi", sort="distance")
    assert response.near.startswith("Boston, MA, United States") and response.within == "50 mi"
    found = {result.nct_id: result for result in response.results}
    assert BOSTON_TRIAL in found and CHINA_TRIAL not in found
    assert found[BOSTON_TRIAL].nearest_site.city == "Boston" and found[BOSTON_TRIAL].nearest_site.km < 5
    distances = [result.nearest_site.km for result in response.results]
    assert distances == sorted(distances) and distances[-1] <= parse_distance("50mi")[0]
    assert response.total == len(response.results)
    # without coordinates a trial is never near, however far one looks
    everywhere = find(searcher, near="Boston", within="20000 km")
    assert not UNLOCATED & {result.nct_id for result in everywhere.results}
    assert all(result.nearest_site is not None for result in everywhere.results)


def test_open_searches_count_only_open_sites(searcher):
    any_status = {result.nct_id for result in find(searcher, near="Boston", within="30").results}
    open_only = find(searcher, near="Boston", within="30", statuses=("open",))
    assert {result.nct_id for result in open_only.results} < any_status
    assert {result.nearest_site.status for result in open_only.results} <= {"RECRUITING", "NOT_YET_RECRUITING"}
    # the sites of a not-yet-recruiting trial carry no status: they are as not yet recruiting as the trial
    guangzhou = find(searcher, near="Guangzhou", within="20", statuses=("open",))
    china = next(result for result in guangzhou.results if result.nct_id == CHINA_TRIAL)
    assert china.nearest_site.status == "NOT_YET_RECRUITING"


def test_nothing_within_reach_says_how_far_the_nearest_is(searcher):
    response = find(searcher, drug="carboplatin", near="Lyon")
    assert response.results == [] and response.total == 0
    assert response.closest_outside.nct_id == BOSTON_TRIAL
    assert response.closest_outside.site.km > 5000 and response.closest_outside.site.country == "United States"


def test_near_in_the_words_is_near_as_an_option(searcher):
    said = find(searcher, query="recruiting trials near Boston")
    asked = find(searcher, near="Boston", statuses=("recruiting",))
    assert said.understood == ("recruiting", "near Boston") and said.request.near == "boston"
    assert [r.nct_id for r in said.results] == [r.nct_id for r in asked.results] and said.results
    in_city = find(searcher, query="trials in Boston")  # "in" a city: its sites, by name
    assert in_city.request.near is None and in_city.request.city == "boston"


def test_unknown_places_and_countries_are_usage_errors(searcher):
    with pytest.raises(UnknownPlace, match="Pariss") as raised:
        find(searcher, near="Pariss")
    assert "Paris, France" in raised.value.hint
    with pytest.raises(UsageError, match="France is a country"):
        find(searcher, near="France")
    with pytest.raises(UsageError, match="needs a place"):
        SearchRequest(sort="distance")
    with pytest.raises(UsageError, match="without a place"):
        SearchRequest(within="50")


def test_cli_near_within_sort(snapshot_template):
    def run(*args):
        return CliRunner().invoke(cli, ["search", *args, "--data-dir", str(snapshot_template)])

    result = run("--near", "Paris", "--within", "20000km", "--sort", "distance", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert "trialwatch: near Paris, France (the most populous of " in result.stderr
    assert result.stdout.count("nearest site: ") == 2
    shown = json.loads(run("--near", "boston", "--within", "50mi", "--format", "json").stdout)
    assert {"nearest_site", "nct_id"} <= set(shown["results"][0]) and shown["near"].startswith("Boston, MA")
    assert shown["results"][0]["nearest_site"]["unit"] == "mi"
    for args, message in ((("--near", "Pariss"), "did you mean Paris, France"),
                          (("--within", "50"), "a distance without a place"),
                          (("--near", "Lyon", "--within", "far"), "cannot read the distance 'far'")):
        failed = run(*args)
        assert failed.exit_code == 2 and message in failed.stderr and len(failed.stderr.splitlines()) == 1
    nothing = run("--drug", "carboplatin", "--near", "Lyon")
    assert f"the nearest matching trial, {BOSTON_TRIAL}, has a site " in nothing.stderr
