"""/changes, /changes.atom and /changes.json over the web-test data (derived status changes), and a watch's picture."""

from __future__ import annotations

import html
import re
import warnings

import feedparser
import pytest
from click.testing import CliRunner

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from harvester.history.events import derive_pending_events
from harvester.history.watches import Watches
from harvester.store.store import Store
from harvester.store.trials import load_trial
from search.views.change import select_changes
from search.views.trial import trial_view
from tests.test_web import HISTORY_ID, build_data_dir, text_of
from trialwatch.cli import cli
from trialwatch.web.app import create_app


@pytest.fixture(scope="module")
def data_dir(snapshot_template, tmp_path_factory):
    data_dir = build_data_dir(snapshot_template, tmp_path_factory.mktemp("changes") / "data")
    with Store.open(data_dir) as store:
        watches = Watches(store)
        with store.transaction():
            watches.mark_matched(watches.get("lupus"), [HISTORY_ID, "NCT05843643"],
                                 "2026-01-01T00:00:00+00:00")
    return data_dir


@pytest.fixture(scope="module")
def client(data_dir):
    return TestClient(create_app(data_dir), raise_server_exceptions=False)


def test_changes_page_groups_by_trial_with_summary_old_new_and_dates(client):
    page = client.get("/changes?since=all").text
    text = text_of(page)
    assert "Recruitment closed" in text and "Trial terminated" in text
    assert "recruiting → active not recruiting" in text
    assert "status verified 2023-11" in text and "last update posted 2023-03-10" in text
    assert page.count(f'<section class="change-group" aria-labelledby="c-{HISTORY_ID}">') == 1
    assert text.index("Trial terminated") < text.index("Recruitment closed")  # newest first
    assert f'href="/trials/{HISTORY_ID}#history"' in page
    trial = text_of(client.get(f"/trials/{HISTORY_ID}").text)
    assert "Terminated" in trial or "terminated" in trial


def test_filters_default_window_and_bad_values(client):
    assert "0 changes since" in text_of(client.get("/changes").text)  # derived events are dated 2026-01-01
    assert "Trial terminated" not in text_of(client.get("/changes?since=all&severity=minor").text)
    assert "Trial terminated" in text_of(client.get("/changes?since=all&severity=major&kind=status").text)
    assert client.get("/changes?kind=bogus").status_code == 400
    assert client.get("/changes?since=yesterday").status_code == 400
    assert client.get("/changes?watch=nope").status_code in (400, 404)


def test_first_seen_only_with_its_filter(client):
    default = client.get("/changes.json?since=all").json()
    assert all(item["shown_kind"] != "first_seen" for item in default)
    first = client.get("/changes.json?since=all&kind=first_seen").json()
    assert first and {item["shown_kind"] for item in first} == {"first_seen"}


def test_autodiscovery_on_home_and_changes(client):
    for path in ("/", "/changes?watch=lupus"):
        page = client.get(path).text
        assert re.search(r'<link rel="alternate" type="application/atom\+xml" [^>]*href="/changes\.atom', page), path
    assert 'href="/changes.atom?watch=lupus"' in client.get("/changes?watch=lupus").text


def test_atom_feed_is_valid_with_kind_and_severity_categories_and_cli_entry_ids(client, data_dir):
    response = client.get("/changes.atom?since=all")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    entry = next(item for item in feed.entries if "terminated" in item.title.lower())
    terms = {tag.term for tag in entry.tags}
    assert {"status", "major"} <= terms
    cli_feed = CliRunner().invoke(cli, ["changes", "--since", "all", "--format", "atom", "--data-dir", str(data_dir)])
    assert cli_feed.exit_code == 0, cli_feed.output
    cli_ids = {item.id for item in feedparser.parse(cli_feed.stdout).entries}
    assert {item.id for item in feed.entries} <= cli_ids
    assert feedparser.parse(cli_feed.stdout).feed.id == feed.feed.id


def test_conditional_get_gives_304(client):
    for path in ("/changes.atom?since=all", "/changes.json?since=all"):
        first = client.get(path)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_watch_picture_is_svg_with_a_text_table(client):
    page = client.get("/changes?watch=lupus&since=all").text
    assert '<svg class="chart"' in page and "<script" not in page
    table = re.search(r'<table class="chart-table">(.*?)</table>', page, re.S)
    assert table and "<caption>Trials by status, per month</caption>" in table.group(1)
    assert "2026-01" in table.group(1)
    assert "Trials with a site in each country" in page


# --- the CLI and the web render the same view models (`search.views`): the same words for the same thing --------

#: a registry trial with many facts and treatments, the page-only lupus trial, and one with a status history
TRIALS = ("NCT04267848", "NCT06965244", HISTORY_ID)


def flat(text: str) -> str:
    """Words as read, whatever the layout: whitespace (wrapping) collapsed, case folded, no colons after labels."""
    return " ".join(text.replace(":", " ").split()).casefold()


def page_text(page: str) -> str:
    """A web page's words: tags dropped, then entities decoded (record text that looks like HTML stays text)."""
    return flat(html.unescape(re.sub(r"<[^>]+>", " ", page)))


def cli_text(data_dir, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    return flat(result.stdout)


@pytest.mark.parametrize("nct_id", TRIALS)
def test_cli_and_web_show_the_same_words_for_a_trial(client, data_dir, nct_id):
    with Store.open(data_dir) as store:
        view = trial_view(load_trial(store, nct_id), store)
    terminal = cli_text(data_dir, "show", nct_id)
    web = page_text(client.get(f"/trials/{nct_id}").text)
    said = [view.title, view.status_text, view.who, *view.notices,
            *(f"{fact.label} {fact.text}" for fact in view.facts if fact.label != "Trial id"),
            view.treatments_note, *(treatment.name for treatment in view.treatments),
            *(f"{term.short} {term.meaning}" for term in view.terms),
            *(name for treatment in view.treatments for name in treatment.other_names)]
    for words in filter(None, said):
        assert flat(words) in terminal, words
        assert flat(words) in web, words
    assert view.status_text.startswith(view.status.label)
    # the status history: the same periods, with the same words
    history = cli_text(data_dir, "show", nct_id, "--history")
    assert view.timeline is not None
    for period in view.timeline.periods:
        assert (period.since in history) and (period.since in web)
        if period.why_stopped:
            assert flat(period.why_stopped) in history and flat(period.why_stopped) in web


def test_cli_and_web_show_the_same_words_for_search_results(client, data_dir):
    terminal = cli_text(data_dir, "search", "--drug", "carboplatin", "--status", "open")
    web = page_text(client.get("/search?drug=carboplatin").text)
    assert "nct04267848" in terminal and "nct04267848" in web
    for words in ("recruiting", "treatments biospecimen collection, carboplatin, cisplatin",
                  "sponsor national cancer institute (nci)", "matched in treatments"):
        assert flat(words) in terminal, words
        assert flat(words) in web, words


def test_cli_and_web_show_the_same_words_for_a_change(client, data_dir):
    with Store.open(data_dir) as store:
        derive_pending_events(store)
        changes = select_changes(store, since=None)
    assert changes
    terminal = cli_text(data_dir, "changes", "--since", "all")
    web = page_text(client.get("/changes?since=all").text)
    for change in changes:
        for words in (change.summary, change.kind_label):
            assert flat(words) in terminal and flat(words) in web, words
