"""The web app's near-me search and the trial page's contacts and sites, over the bundled snapshot."""

from __future__ import annotations

import re
import warnings

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from tests.test_web import text_of
from trialwatch.web.app import create_app


@pytest.fixture(scope="module")
def client(snapshot_template) -> TestClient:
    return TestClient(create_app(snapshot_template), raise_server_exceptions=False)


def test_near_search_shows_each_nearest_site_and_links_pages_measured_from_the_place(client):
    page = client.get("/search", params={"near": "Boston", "within": "50mi", "sort": "distance"}).text
    text = text_of(page)
    assert "Near Boston, MA, United States (the most populous of " in text and "within 50 mi" in text
    assert "distances to each trial’s nearest open site" in text  # the default status is open to enrolment
    nearest = re.findall(r'<div class="nearest-site"><dt>Nearest site</dt><dd>([^<]+)</dd>', page)
    assert nearest and nearest[0].startswith("&lt; 1 mi · ")
    assert '<a href="/trials/NCT04267848?near=Boston">' in page
    assert "Nearest site < 1 mi · Boston Medical Center, Boston, Massachusetts, United States · recruiting" in text
    assert 'value="Boston"' in page and '<option value="distance" selected>' in page


def test_near_in_the_words_and_nothing_within_reach(client):
    page = client.get("/search", params={"q": "carboplatin near Lyon"}).text
    text = text_of(page)
    assert "Understood as: carboplatin · near Lyon" in text and "No trials found" in text
    assert re.search(r"The nearest matching trial, NCT04267848 , has a site [\d,]+ km away \(", text)


@pytest.mark.parametrize(("params", "message"), [
    ({"near": "Pariss"}, "Unknown place 'Pariss'. did you mean Paris, France"),
    ({"near": "France"}, "France is a country, not a place to measure from"),
    ({"near": "Lyon", "within": "far"}, "Cannot read the distance 'far'"),
    ({"sort": "distance"}, "Sorting by distance needs a place"),
])
def test_a_place_or_distance_that_cannot_be_used_is_an_in_form_message(client, params, message):
    response = client.get("/search", params=params)
    assert response.status_code == 400
    assert message in text_of(response.text)
    assert '<form class="search-form"' in response.text
