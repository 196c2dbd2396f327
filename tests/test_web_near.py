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


def test_trial_page_contacts_with_tel_and_mailto_links_nearest_site_first(client):
    page = client.get("/trials/NCT03281889", params={"near": "Houston"}).text  # sites in Boston and Houston
    contacts = re.search(r'<section aria-labelledby="contact" class="contacts">(.*?)</section>', page, re.S).group(1)
    text = text_of(contacts)
    assert text.startswith("Whom to contact At the nearest site with a contact ")
    assert "Houston" in text.split("For the whole trial")[0] and " from Houston, TX, United States, recruiting)" in text
    assert re.search(r'<a class="contact-phone" href="tel:[0-9+\-.()]+">', contacts)
    assert re.search(r'<a class="contact-email" href="mailto:[^"@\s]+@[^"@\s]+">', contacts)
    sites = re.findall(r'<span class="distance">([^<]+)</span>', page)
    assert len(sites) == 2 and sites[0].endswith(" km") and int(sites[1].split()[0].replace(",", "")) > 2000
    assert 'value="Houston"' in page  # the sites form, filled in
    first = text_of(client.get("/trials/NCT03281889").text)  # no place: the first open site's contacts
    assert "At the first open site with a contact Massachusetts General Hospital" in first


def test_trial_page_without_contacts_says_so_and_links_the_registry(client):
    page = client.get("/trials/NCT04431453").text
    assert "The record names no one to contact." in text_of(page)
    assert '<a href="https://clinicaltrials.gov/study/NCT04431453" rel="external noopener">The registry’s page of the trial</a>' \
        in page
    assert "Responsible for the trial Gilead Study Director (study director, Gilead Sciences)" in text_of(page)


def test_an_unknown_place_on_the_trial_page_is_a_notice_not_an_error(client):
    response = client.get("/trials/NCT03281889", params={"near": "Houstn"})
    assert response.status_code == 200
    assert "Unknown place 'Houstn'. (Did you mean Houston" in text_of(response.text)


def test_print_stylesheet_keeps_the_checklists_and_contacts(client):
    css = client.get("/static/style.css").text
    printed = css[css.index("@media print {") + len("@media print {"):]
    hidden = printed[:printed.index("{ display: none; }")]
    assert ".contacts" not in hidden and ".checklist" not in hidden
    assert ".site-header" in hidden and '[aria-labelledby="history"]' in hidden
    assert ".contacts { break-inside: avoid;" in printed and "attr(href)" in printed
