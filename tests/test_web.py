"""The web app in process: every route through Starlette's TestClient, over the bundled snapshot and derived records."""

from __future__ import annotations

import html
import logging
import re
import shutil
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

with warnings.catch_warnings():
    # starlette 1.x prefers the httpx2 fork for its test client; the project depends on httpx, which still works
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from harvester.registry.harvest import store_record
from harvester.store.store import Store
from index.storage import IndexLocation
from tests.datadirs import copy_of
from tests.records import snapshot_record
from trialwatch.cli import cli
from trialwatch.web import forms
from trialwatch.web.app import SECURITY_HEADERS, create_app, prepare_data

SCRIPT = "<script>alert(1)</script>"
#: a record whose text is hostile HTML, derived from a real carboplatin trial
HOSTILE_ID = "NCT09999991"
#: a record with three stored versions whose status changes: recruiting -> (same, edited) -> active -> completed
HISTORY_ID = "NCT09999992"
HISTORY = [
    ("RECRUITING", "2021-01-15", None),
    ("RECRUITING", "2021-06-01", None),
    ("ACTIVE_NOT_RECRUITING", "2022-05-02", None),
    ("TERMINATED", "2023-03-10", "Sponsor decision <b>not</b> safety"),
]


def hostile_record() -> dict:
    record = snapshot_record("NCT04267848")
    protocol = record["protocolSection"]
    protocol["identificationModule"]["nctId"] = HOSTILE_ID
    protocol["identificationModule"]["briefTitle"] = f"Carboplatin for {SCRIPT} lung cancer"
    protocol["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = '<img src=x onerror="alert(2)">Sponsor'
    protocol["eligibilityModule"]["eligibilityCriteria"] = (
        "Inclusion Criteria:\n\n"
        f"* Adults with carboplatin-eligible cancer {SCRIPT}\n"
        "  * <b>bold</b> sub-criterion & more\n\n"
        "Exclusion Criteria:\n\n"
        "* Pregnant <iframe src=//evil.example></iframe>\n"
    )
    record["derivedSection"] = {}
    return record


#: a record that states no age or sex limit, derived from a real ciprofloxacin trial (limits removed)
NO_LIMITS_ID = "NCT09999993"


def no_limits_record() -> dict:
    record = snapshot_record("NCT04523987")
    protocol = record["protocolSection"]
    protocol["identificationModule"]["nctId"] = NO_LIMITS_ID
    for key in ("minimumAge", "maximumAge", "sex"):
        protocol["eligibilityModule"].pop(key, None)
    record["derivedSection"] = {}
    return record


def history_records() -> list[dict]:
    records = []
    for number, (status, updated, why) in enumerate(HISTORY):
        record = snapshot_record("NCT04431453")
        protocol = record["protocolSection"]
        protocol["identificationModule"]["nctId"] = HISTORY_ID
        protocol["statusModule"]["overallStatus"] = status
        protocol["statusModule"]["lastUpdatePostDateStruct"] = {"date": updated, "type": "ACTUAL"}
        protocol["descriptionModule"]["briefSummary"] = f"Version {number}."
        if why:
            protocol["statusModule"]["whyStopped"] = why
        records.append(record)
    return records


def build_data_dir(snapshot_template: Path, data_dir: Path) -> Path:
    """The bundled snapshot, the derived records, and an index over them all (the snapshot's index, updated)."""
    copy_of(snapshot_template, data_dir)
    with Store.open(data_dir) as store, store.transaction():
        for record in (hostile_record(), no_limits_record(), *history_records()):
            store_record(store, record, fetched_at="2026-01-01T00:00:00+00:00", api_url="http://test",
                         data_timestamp=None, run_id=None)
    prepare_data(data_dir)
    return data_dir


@pytest.fixture(scope="module")
def data_dir(snapshot_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_data_dir(snapshot_template, tmp_path_factory.mktemp("web") / "data")


@pytest.fixture(scope="module")
def client(data_dir: Path) -> TestClient:
    return TestClient(create_app(data_dir), raise_server_exceptions=False)


def text_of(page: str) -> str:
    """The page as a reader sees it: tags dropped (inline ones without a space), entities decoded, whitespace
    collapsed."""
    inline_dropped = re.sub(r"</?(?:abbr|mark)\b[^>]*>", "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline_dropped)).split())


def section(page: str, heading_id: str) -> str:
    """The HTML of the <section> a heading with this id opens."""
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', page, re.S)
    assert match, f"no section {heading_id}"
    return match.group(1)


# --- home and common page furniture --------------------------------------------------------------------------------


def test_home_page_is_the_search_form_with_open_to_enrolment_preselected(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<html lang="en">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in page
    assert '<main id="main"' in page
    assert '<form class="search-form" action="/search" method="get"' in page
    assert '<option value="open" selected>Open now or opening soon</option>' in page
    assert "<script" not in page


def test_every_form_control_has_a_label(client):
    page = client.get("/").text
    controls = re.findall(r"<(?:input|select)\b[^>]*\bid=\"([^\"]+)\"", page)
    assert set(controls) == {"q", "drug", "condition", "status", "country", "near", "within", "sort", "age", "sex"}
    for control in controls:
        assert f'<label for="{control}">' in page
    names = set(re.findall(r'<(?:input|select)\b[^>]*\bname="([^"]+)"', page))
    assert names == set(controls)


def test_security_headers_on_pages_and_errors(client):
    for path in ("/", "/trials/NCT04267848", "/trials/NCT00000000", "/static/style.css"):
        response = client.get(path)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (path, name)
    assert "script-src" not in SECURITY_HEADERS["content-security-policy"]  # default-src 'none' forbids scripts


def test_static_stylesheet_has_responsive_and_focus_rules(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "@media (min-width" in response.text
    assert ":focus-visible" in response.text
    assert client.get("/static/missing.css").status_code == 404


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_text_colours_meet_wcag_aa_contrast():
    css = (Path(__file__).parent.parent / "trialwatch" / "web" / "static" / "style.css").read_text()
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = [("text", "bg"), ("muted", "bg"), ("muted", "panel"), ("link", "bg"), ("link-visited", "bg"),
             ("text", "mark"), ("accent", "bg")]
    pairs += [(f"{kind}-fg", f"{kind}-bg") for kind in ("open", "active", "paused", "stopped", "done")]
    for foreground, background in pairs:
        ratio = contrast(colours[foreground], colours[background])
        assert ratio >= 4.5, f"{foreground} on {background}: {ratio:.2f}"


# --- trial page ----------------------------------------------------------------------------------------------------


def test_trial_page_in_plain_language(client):
    response = client.get("/trials/NCT04267848")
    assert response.status_code == 200
    page = response.text
    text = text_of(page)
    assert "<title>Testing the Addition of a Type of Drug Called Immunotherapy" in page
    assert re.search(r"<h1>Testing the Addition of a Type of Drug Called Immunotherapy", page)
    assert '<span class="badge badge--open">recruiting</span>' in page
    assert "Open to enrolment" in text
    assert "Sponsor National Cancer Institute (NCI)" in text
    tested = text_of(section(page, "tested"))
    assert "Carboplatin (drug)" in tested and "Blastocarb" in tested
    assert "Biospecimen Collection (procedure)" in tested
    where = text_of(section(page, "where"))
    assert re.search(r"\d+ places in 2 countries", where)
    assert "United States:" in where and "Guam:" in where
    record = section(page, "record")
    assert '<a class="registry-link" href="https://clinicaltrials.gov/study/NCT04267848"' in record
    # headings: one h1, then h2 sections in reading order
    assert page.count("<h1") == 1
    h2s = re.findall(r'<h2 id="([^"]+)"', page)
    assert h2s == ["glance", "about", "tested", "can-join", "cannot-join", "words", "contact", "where", "history", "record"]


def test_trial_page_checklists_keep_nesting(client):
    page = client.get("/trials/NCT04267848").text
    can_join = section(page, "can-join")
    assert '<ul class="checklist checklist--inclusion">' in can_join
    # a sub-bullet stays inside its parent's list item, as in `trialwatch show`
    parent = "A female of childbearing potential is a sexually mature female who:"
    child = "Has not undergone a hysterectomy or bilateral oophorectomy; or"
    sub_list = r"\s*<ul class=\"checklist checklist--inclusion\">\s*<li>"
    nested = re.search(re.escape(parent) + sub_list + re.escape(child), can_join)
    assert nested, "the sub-criterion is not nested under its parent"
    assert "The record lists no exclusion criteria." in section(page, "cannot-join")
    cannot_join = section(client.get("/trials/NCT04431453").text, "cannot-join")
    assert '<ul class="checklist checklist--exclusion">' in cannot_join
    assert cannot_join.count("<li>") == 6


def test_trial_page_matches_the_terminal_view(client, data_dir):
    """The web page shows every criterion the terminal view prints."""
    from harvester.store.trials import load_trial

    with Store.open(data_dir) as store:
        trial = load_trial(store, "NCT04431453")
    text = text_of(client.get("/trials/NCT04431453").text)
    criteria = trial.eligibility.criteria
    for criterion in criteria.all_texts():
        assert " ".join(criterion.split()) in text
    assert "Remdesivir (drug)" in text and "Also called: GS-5734™, Veklury®" in text
    assert "Ages up to 18 years, all sexes." in text
    assert "Other notes on eligibility" in text  # the record's note outside both lists is kept


def test_record_html_is_shown_as_text(client):
    response = client.get(f"/trials/{HOSTILE_ID}")
    assert response.status_code == 200
    page = response.text
    for tag in ("<script>", "<img", "<iframe", "<b>bold"):
        assert tag not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;Sponsor" in page
    assert "&lt;b&gt;bold&lt;/b&gt; sub-criterion &amp; more" in page
    assert "&lt;iframe src=//evil.example&gt;&lt;/iframe&gt;" in page
    text = text_of(page)
    assert f"Carboplatin for {SCRIPT} lung cancer" in text
    assert "Pregnant <iframe src=//evil.example></iframe>" in text


def test_status_history_from_stored_versions(client):
    page = client.get(f"/trials/{HISTORY_ID}").text
    history = section(page, "history")
    rows = re.findall(r"<tr><td>(.*?)</tr>", history, re.S)
    seen = [(re.search(r'datetime="([^"]+)"', row).group(1), re.search(r'class="badge[^"]*">([^<]+)<', row).group(1))
            for row in rows]
    # newest first; the edit that kept the status adds no row
    assert seen == [("2023-03-10", "terminated"), ("2022-05-02", "active not recruiting"), ("2021-01-15", "recruiting")]
    assert "Status seen in 4 stored versions of the registry record" in text_of(history)
    assert "Why stopped: Sponsor decision &lt;b&gt;not&lt;/b&gt; safety" in history
    assert '<span class="badge badge--stopped">terminated</span>' in page


def test_trial_known_only_from_its_page(client):
    """The bundled snapshot's lupus trial comes from a trial page alone: its plain-language summary is shown."""
    response = client.get("/trials/NCT06965244")
    assert response.status_code == 200
    page = response.text
    text = text_of(page)
    assert "Lenalidomide vs Methotrexate in Difficult-to-treat Cutaneous Lupus Erythematosus" in text
    assert '<span class="badge badge--soon">not yet recruiting</span>' in page
    assert "Not yet open" in text and "Open to enrolment" not in text
    assert "Known only from its trial page on clinconnect.io" in text
    assert "trialwatch harvest" not in text  # an operator's hint, not a patient's
    assert "From the trial page on clinconnect.io" in text
    assert "In plain language This clinical trial is studying the effectiveness of lenalidomide" in text
    assert "Patients applied 0" in text
    assert "Patients of at least 18 years of age" in text_of(section(page, "can-join"))
    history = text_of(section(page, "history"))
    assert "Status shown on the trial page; no registry record is stored" in history
    assert "2025-07-01 not yet recruiting" in history


def test_hostile_trial_page_text_is_escaped_and_disagreements_are_shown(tmp_path):
    from harvester.pages.harvest import store_page

    hostile_page = (Path(__file__).parent / "fixtures" / "pages" / "NCT06965244.hostile.reconstructed.html").read_text()
    with Store.open(tmp_path) as store, store.transaction():
        store_page(store, hostile_page, "https://clinconnect.io/trials/NCT06965244",
                   fetched_at="2026-01-01T00:00:00+00:00")
    client = TestClient(create_app(tmp_path), raise_server_exceptions=False)
    page = client.get("/trials/NCT06965244").text
    body = page.split("<body>", 1)[1]
    for tag in ("<script", "<img", "<iframe", "<b>", "<b ", "onclick", "\x1b"):
        assert tag not in body, tag
    # the page's HTML-looking text is shown as text
    assert ("Patients of at least 18 years of age &lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; &amp; "
            "&lt;b&gt;bold&lt;/b&gt;") in section(page, "can-join")

    # with a registry record that says otherwise, the page says the sources disagree
    registry_record = snapshot_record("NCT04431453")
    registry_record["protocolSection"]["identificationModule"]["nctId"] = "NCT06965244"
    registry_record["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    with Store.open(tmp_path) as store, store.transaction():
        store_record(store, registry_record, fetched_at="2026-01-01T00:00:00+00:00", api_url="http://test",
                     data_timestamp=None, run_id=None)
    text = text_of(client.get("/trials/NCT06965244").text)
    assert "The sources disagree:" in text
    assert ("status: the registry says recruiting; the trial page (as of 2025-07-01) says not yet recruiting "
            "(the registry is authoritative)") in text
    assert "From the trial page on clinconnect.io" in text
    assert "Known only from its trial page" not in text


def test_lower_case_trial_id_redirects_to_the_canonical_page(client):
    response = client.get("/trials/nct04267848", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/trials/NCT04267848"


def test_unknown_trial_is_a_404_page(client, caplog):
    with caplog.at_level(logging.INFO, logger="trialwatch.web"):
        response = client.get("/trials/NCT00000000")
    assert response.status_code == 404
    text = text_of(response.text)
    assert "Page not found" in text and "No trial NCT00000000 in this data." in text
    # the operator's next step is in the server log, not on the patient's page
    assert "trialwatch harvest" not in text
    assert "run `trialwatch harvest NCT00000000`" in caplog.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("bad_id", ["abc", "NCT123", "NCT0426784x", "%3Cscript%3E"])
def test_malformed_trial_id_is_a_400_page(client, bad_id):
    response = client.get(f"/trials/{bad_id}")
    assert response.status_code == 400
    assert "Not a trial id" in response.text
    assert "followed by 8 digits" in text_of(response.text)
    assert "<script>" not in response.text


def test_unknown_path_and_method(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no page at /no/such/page." in text_of(response.text)
    response = client.post("/search")
    assert response.status_code == 405
    assert "POST is not allowed here." in text_of(response.text)


def test_an_unexpected_error_is_a_plain_500_page_and_is_logged(data_dir, caplog):
    def broken_search(data_dir, form):
        raise RuntimeError("secret internal detail")

    client = TestClient(create_app(data_dir, search=broken_search), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="trialwatch.web"):
        response = client.get("/search?q=lupus")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    assert any("secret internal detail" in str(record.exc_info[1]) for record in caplog.records if record.exc_info)


# --- search and results --------------------------------------------------------------------------------------------


def hits_of(page: str) -> list[str]:
    return re.findall(r'<h3 id="hit-(NCT\d{8})">', page)


def test_search_by_drug_lists_results_with_badge_sponsor_drugs_update_and_snippet(client):
    response = client.get("/search?drug=carboplatin")
    assert response.status_code == 200
    page = response.text
    assert set(hits_of(page)) == {"NCT04267848", HOSTILE_ID}  # the real trial and its hostile copy, both open
    assert "2 trials found" in page
    hit = re.search(r'<li class="hit">\s*<article aria-labelledby="hit-NCT04267848">(.*?)</li>', page, re.S).group(1)
    assert '<a href="/trials/NCT04267848">Testing the Addition of a Type of Drug Called Immunotherapy' in hit
    assert '<span class="badge badge--open">recruiting</span>' in hit
    assert "<dt>Sponsor</dt><dd>National Cancer Institute (NCI)</dd>" in hit
    assert "Carboplatin, Cisplatin" in hit
    assert '<time datetime="2025-09-10">2025-09-10</time>' in hit
    assert '<span class="snippet-source">Matched in treatments:</span> ' in hit and "<mark>Carboplatin</mark>" in hit
    # the form keeps what was searched
    assert 'id="drug" name="drug" type="text" value="carboplatin"' in page
    assert '<option value="open" selected>' in page


def test_results_escape_record_text_and_mark_only_the_matched_words(client):
    page = client.get("/search?q=alert&status=any").text
    assert hits_of(page) == [HOSTILE_ID]
    assert "<script>" not in page and "<img" not in page
    assert "Carboplatin for &lt;script&gt;alert(1)&lt;/script&gt; lung cancer" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;Sponsor" in page
    snippet = re.search(r'<p class="snippet">(.*?)</p>', page, re.S).group(1)
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in snippet
    assert re.findall(r"<(/?\w+)", snippet) == ["span", "/span", "mark", "/mark"]


def test_status_defaults_to_open_to_enrolment(client):
    closed = client.get("/search?drug=palbociclib")
    assert hits_of(closed.text) == []
    assert "No trials found" in closed.text
    assert '<a href="/search?drug=palbociclib&amp;status=any">any status</a>' in closed.text
    anywhere = client.get("/search?drug=palbociclib&status=any").text
    assert hits_of(anywhere) == ["NCT02513394"]
    assert '<span class="badge badge--active">active not recruiting</span>' in anywhere
    active = client.get("/search?drug=palbociclib&status=active-not-recruiting").text
    assert hits_of(active) == ["NCT02513394"]


@pytest.mark.parametrize("status", [value for value, _ in forms.STATUS_CHOICES])
def test_every_status_choice_searches(client, status):
    response = client.get(f"/search?status={status}")
    assert response.status_code == 200
    assert f'<option value="{status}" selected>' in response.text
    if status == "not-yet-recruiting":
        assert "NCT06965244" in hits_of(response.text)


def test_age_and_sex_keep_only_trials_that_admit_the_person(client):
    assert hits_of(client.get("/search?q=remdesivir&status=any&age=10").text) == ["NCT04431453", HISTORY_ID]
    assert hits_of(client.get("/search?q=remdesivir&status=any&age=40").text) == []

    def found(nct_id: str, sex: str) -> bool:
        return hits_of(client.get(f"/search?q=nct:{nct_id}&status=any&age=60&sex={sex}").text) == [nct_id]

    assert found("NCT06388018", "female") and not found("NCT06388018", "male")  # a trial for women only
    assert found("NCT00517179", "male") and not found("NCT00517179", "female")  # a trial for men only
    assert found("NCT00517179", "") and found("NCT06388018", "")


def test_country_and_condition_filters(client):
    guam = hits_of(client.get("/search?country=Guam&status=any").text)
    assert "NCT04267848" in guam
    covid = hits_of(client.get("/search?condition=covid&status=any").text)
    assert covid[0] in ("NCT04431453", HISTORY_ID)


def test_misspelled_drug_is_corrected_and_said_so(client):
    page = client.get("/search?drug=carboplatn&status=any").text
    assert "Nothing matched what you typed. Showing trials for" in page
    assert '<a href="/search?drug=carboplatin&amp;status=any">Drug: carboplatin</a>' in page
    assert "NCT04267848" in hits_of(page)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=%22unclosed", "Unclosed quote in &#39;&#34;unclosed&#39;"),
        ("q=drgu:bar", "Unknown field &#39;drgu:&#39;"),
        ("q=(lupus", "Unbalanced parentheses"),
        ("q=updated:[x TO y]", "Cannot read the dates"),
        ("q=updated:[2024-13 TO 2025]", "Cannot read the dates"),
        ("q=start:[x TO *]", "Cannot read the dates"),
        ("q=NOT NOT lupus", "Cannot read the query"),
    ],
)
def test_query_syntax_error_is_a_400_page_with_a_hint(client, query, message):
    response = client.get(f"/search?{query}&drug=aspirin")
    assert response.status_code == 400
    page = response.text
    assert "<title>Search error · trialwatch</title>" in page
    assert '<div class="error-box" role="alert"' in page and "This search cannot be run" in page
    assert message in page
    assert '<p class="error-hint">' in page
    # the form comes back filled in, to fix the words
    assert 'id="drug" name="drug" type="text" value="aspirin"' in page


def test_control_characters_are_never_echoed_into_the_page(client):
    page = client.get("/search", params={"q": "lupus\x00\x1b[1m nephritis", "status": "any"}).text
    assert "\x00" not in page and "\x1b" not in page
    assert 'value="lupus[1m nephritis"' in page


def test_results_are_paged(client):
    first = client.get("/search?status=any").text
    total = int(re.search(r"(\d+) trials found", first).group(1))
    assert total > 30
    assert len(hits_of(first)) == forms.PAGE_SIZE
    assert '<ol class="hits" start="1">' in first
    assert '<a rel="next" href="/search?status=any&amp;page=2">Next page</a>' in first
    second = client.get("/search?status=any&page=2").text
    assert '<ol class="hits" start="21">' in second
    assert len(hits_of(second)) == total - forms.PAGE_SIZE
    assert not set(hits_of(first)) & set(hits_of(second))
    assert '<a rel="prev" href="/search?status=any">Previous page</a>' in second
    assert "Next page" not in second


def test_search_without_an_index_is_a_503_page(snapshot_template, tmp_path, caplog):
    data_dir = copy_of(snapshot_template, tmp_path / "data")
    shutil.rmtree(IndexLocation.of(data_dir).root)
    client = TestClient(create_app(data_dir), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="trialwatch.web"):
        response = client.get("/search?q=lupus")
    assert response.status_code == 503
    assert "Search is not ready" in response.text
    assert "trialwatch index" not in response.text and "trialwatch index" in caplog.text  # the operator's hint
    assert client.get("/trials/NCT04267848").status_code == 200


# --- search form validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("age=abc", "Age must be a number of years from 0 to 150, not &#39;abc&#39;"),
        ("age=-1", "Age must be a number"),
        ("age=200", "Age must be a number"),
        ("age=nan", "Age must be a number"),
        ("sex=x", "Unknown sex &#39;x&#39;"),
        ("status=sleeping", "Unknown status &#39;sleeping&#39;"),
        ("page=0", "Bad page number"),
        ("page=two", "Bad page number"),
        ("q=" + "a" * 501, "Words is too long"),
    ],
)
def test_bad_search_parameters_are_a_400_page(client, query, message):
    response = client.get(f"/search?{query}")
    assert response.status_code == 400
    assert "This search cannot be run" in response.text
    assert message in response.text
    assert "Traceback" not in response.text


def test_form_reading():
    form = forms.SearchForm.from_query({"q": "  lupus   nephritis ", "status": "NOT_YET_RECRUITING", "sex": "Female",
                                        "age": "34", "page": "2", "unknown": "ignored"})
    assert (form.q, form.status, form.sex, form.age_years, form.page) == ("lupus nephritis", "not-yet-recruiting",
                                                                          "female", 34.0, 2)
    assert form.status_filter == "NOT_YET_RECRUITING"
    assert forms.SearchForm.from_query({}).status_filter == "open"
    assert forms.SearchForm.from_query({"status": "any", "sex": "all"}).status_filter is None
    assert form.query_string(page=3) == "q=lupus+nephritis&status=not-yet-recruiting&age=34&sex=female&page=3"
    assert forms.SearchForm().query_string() == "status=open"


# --- the serve command ---------------------------------------------------------------------------------------------


def test_serve_prepares_the_data_dir_and_runs_uvicorn_on_localhost(tmp_path, monkeypatch):
    import uvicorn

    from trialwatch.cli import cli

    served = []

    def fake_run(server, sockets):
        served.append((server.config, sockets[0].getsockname()))

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path), "--port", "0"])
    assert result.exit_code == 0, result.output
    assert "loaded the bundled snapshot" in result.stderr
    assert "index: rebuilt" in result.stderr
    (config, (host, port)), = served
    assert host == "127.0.0.1" and port > 0
    assert f"serving on http://127.0.0.1:{port}/" in result.stderr
    assert "warning" not in result.stderr
    assert TestClient(config.app).get("/trials/NCT04267848").status_code == 200

    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path), "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert "index: up to date" in result.stderr
    assert "warning: listening on 0.0.0.0" in result.stderr
    assert served[-1][1][0] == "0.0.0.0"


def test_serve_defaults_to_localhost_port_8000():
    from trialwatch.commands.serve import serve

    defaults = {param.name: param.default for param in serve.params}
    assert (defaults["host"], defaults["port"]) == ("127.0.0.1", 8000)


def test_serve_on_a_busy_port_is_a_one_line_error(tmp_path):
    import socket

    from trialwatch.cli import cli

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path), "--port", str(port)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"trialwatch: error: cannot listen on 127.0.0.1:{port}:")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "trialwatch.sqlite").exists()  # nothing prepared for a server that cannot start


def test_serve_rejects_a_bad_port(tmp_path):
    from trialwatch.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path), "--port", "99999"])
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in result.output


def test_snippet_pieces_cut_at_highlights():
    from search.views.result import SnippetView

    assert SnippetView("excluded if", "Not pregnant or nursing", [(4, 12)]).pieces() == [
        ("Not ", False), ("pregnant", True), (" or nursing", False)]
    # out of order, overlapping and empty spans still cover the text exactly once
    pieces = SnippetView("x", "abcdefgh", [(5, 7), (0, 2), (1, 3), (4, 4)]).pieces()
    assert "".join(text for text, _ in pieces) == "abcdefgh"
    assert [text for text, matched in pieces if matched] == ["ab", "c", "fg"]
    assert SnippetView("x", "").pieces() == []


def test_head_requests_are_answered(client):
    response = client.head("/trials/NCT04267848")
    assert response.status_code == 200
    assert response.content == b""


def test_a_query_that_is_just_an_id_goes_to_the_trial_page(client):
    response = client.get("/search", params={"q": "nct06965244", "status": "any"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/trials/NCT06965244"


def test_the_results_page_says_how_the_words_were_understood_and_links_the_literal_search(client):
    response = client.get("/search", params={"q": "lenalidomide xyzzyq phase 3", "status": "any"})
    assert response.status_code == 200
    assert "Understood as: lenalidomide xyzzyq · phase 3" in response.text
    assert "literal=True" in response.text
    assert "No trial mentions “xyzzyq”" in response.text
    literal = client.get("/search", params={"q": "lenalidomide phase 3", "status": "any", "literal": "True"})
    assert "Understood as" not in literal.text


def test_an_unknown_keyword_value_is_an_in_form_message(client):
    response = client.get("/search", params={"q": "status:bogus", "status": "any"})
    assert response.status_code == 400
    assert "Unknown status" in response.text and "one of:" in response.text
    assert "content-security-policy" in {name.lower() for name in response.headers}


# --- honest eligibility and status words ----------------------------------------------------------------------


def test_a_trial_stating_no_limits_is_shown_as_such_under_age_and_sex(client, data_dir):
    page = client.get("/search", params={"q": "ciprofloxacin", "status": "any", "age": "5", "sex": "female"}).text
    assert hits_of(page) == [NO_LIMITS_ID]  # the real trial (ages 21 to 99) does not admit a 5-year-old
    hit = text_of(page)
    assert "Who can join Age limits not stated; sex not stated" in hit
    terminal = CliRunner().invoke(cli, ["search", "ciprofloxacin", "--age", "5", "--sex", "female",
                                        "--data-dir", str(data_dir)])
    assert terminal.exit_code == 0, terminal.output
    assert "  who can join: age limits not stated; sex not stated\n" in terminal.stdout
    # without an age or sex asked for, results say nothing of limits; the trial page always does
    assert "Age limits not stated" not in text_of(client.get("/search?q=ciprofloxacin&status=any").text)
    assert "Age limits not stated, " not in text_of(client.get(f"/trials/{NO_LIMITS_ID}").text)
    assert "Age limits not stated." in text_of(section(client.get(f"/trials/{NO_LIMITS_ID}").text, "can-join"))


def test_page_only_limits_are_read_from_the_criteria_and_labelled(client, data_dir):
    """The CLE trial's page gives no age fields; its first inclusion criterion says "at least 18 years of age"."""
    assert "NCT06965244" not in hits_of(client.get("/search?q=lenalidomide&status=any&age=17").text)
    adult = client.get("/search?q=lenalidomide&status=any&age=30").text
    assert "NCT06965244" in hits_of(adult)
    assert "Ages 18 years and over (read from the criteria)" in text_of(adult)
    trial = text_of(section(client.get("/trials/NCT06965244").text, "can-join"))
    assert "Ages 18 years and over (read from the criteria), all sexes." in trial
    terminal = CliRunner().invoke(cli, ["search", "lenalidomide", "--age", "30",
                                        "--data-dir", str(data_dir)])
    assert "who can join: ages 18 years and over (read from the criteria)" in terminal.stdout
    young = CliRunner().invoke(cli, ["search", "lenalidomide", "--age", "17", "--data-dir", str(data_dir)])
    assert "NCT06965244" not in young.stdout


def test_only_recruiting_and_by_invitation_read_as_open_and_every_badge_has_words():
    from harvester.statuses import OverallStatus
    from search.views.words import status_words

    joining = {status: status_words(status).joining for status in OverallStatus}
    assert {status for status, words in joining.items() if "open" in words and "not" not in words} == {
        OverallStatus.RECRUITING}
    assert joining[OverallStatus.ENROLLING_BY_INVITATION] == "by invitation only"
    assert joining[OverallStatus.NOT_YET_RECRUITING] == "not yet open"
    badges = {status_words(status).badge for status in OverallStatus}
    assert status_words("NOT_YET_RECRUITING").badge not in {status_words("RECRUITING").badge, "unknown"}
    assert all(status_words(status).label for status in OverallStatus) and len(badges) >= 7
    css = (Path(__file__).parents[1] / "trialwatch" / "web" / "static" / "style.css").read_text()
    assert all(f".badge--{badge}" in css for badge in badges - {"unknown"})


# --- one truth on the trial page; terminal output that fits --------------------------------------------------


def test_what_is_tested_on_a_page_only_trial_is_what_its_title_and_keywords_name(client, data_dir):
    tested = text_of(section(client.get("/trials/NCT06965244").text, "tested"))
    assert "Named in the trial's keywords and title; the record lists no treatments." in tested
    assert "Lenalidomide" in tested and "Methotrexate" in tested
    assert "No treatment is listed" not in tested
    shown = CliRunner().invoke(cli, ["show", "NCT06965244", "--data-dir", str(data_dir)]).stdout
    assert ("What is tested:\n  Named in the trial's keywords and title; the record lists no treatments.\n"
            "  - Lenalidomide\n  - Methotrexate\n") in shown
    assert "Revlimid" not in shown  # the brand-name table's names are for matching, not for saying
    # the results list says the same, where the names come from included
    found = CliRunner().invoke(cli, ["search", "nct:NCT06965244", "--data-dir", str(data_dir)]).stdout
    assert "treatments (named in the trial's keywords and title): Lenalidomide, Methotrexate" in " ".join(found.split())
    hit = text_of(client.get("/search?q=lenalidomide+methotrexate&status=any").text)
    assert "Treatments Lenalidomide, Methotrexate (named in the trial's keywords and title)" in hit


def test_table_brand_names_match_but_are_labelled_as_the_table_s(client, data_dir):
    found = CliRunner().invoke(cli, ["search", "Revlimid", "--data-dir", str(data_dir)]).stdout
    assert found.startswith("NCT06965244  ")
    assert "matched in treatments: other names (trialwatch's drug table, not the record):" in found
    page = client.get("/search?q=Revlimid&status=any").text
    assert "Matched in treatments:</span> other names (trialwatch&#39;s drug table, not the record): <mark>Revlimid" in page


def test_keywords_are_labelled_keywords(client, data_dir):
    found = CliRunner().invoke(cli, ["search", "chronic cle", "--data-dir", str(data_dir)]).stdout
    block = found.split("\n\n")[0]
    assert block.startswith("NCT06965244") and "matched in keywords: Systemic Lupus" in block
    assert "matched in conditions" not in block  # the page lists no conditions, only keywords
    assert 'Matched in keywords:</span>' in client.get("/search?q=chronic+cle&status=any").text


def test_drug_names_once_whatever_their_case():
    from harvester.models import Intervention, Trial
    from search.views.trial import trial_view

    trial = Trial(nct_id="NCT09999994", interventions=[
        Intervention(name="Methotrexate", other_names=["methotrexate", "MTX", "mtx ", "Trexall"]),
        Intervention(name="METHOTREXATE"), Intervention(name="Placebo")])
    assert trial.drug_names() == ["Methotrexate", "MTX", "Trexall", "Placebo"]
    assert trial_view(trial).treatments[0].other_names == ("MTX", "Trexall")


@pytest.mark.parametrize("columns", [60, 80])
def test_terminal_output_wraps_to_the_terminal_between_words(data_dir, columns):
    env = {"COLUMNS": str(columns)} if columns != 80 else {}  # 80: piped, no COLUMNS
    for args in (["show", "NCT04267848"], ["search", "immunotherapy", "--limit", "3"], ["changes", "--since", "all"]):
        result = CliRunner(env=env).invoke(cli, [*args, "--data-dir", str(data_dir)])
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        # a line is longer only when it holds a word that cannot be broken (a URL, a chemical name)
        assert all(len(line) <= columns or max(map(len, line.split())) > columns // 2 for line in lines), args
        assert ("Immunot\n" not in result.stdout and "Immunotherapy" in result.stdout) or args[0] == "changes"


def test_abbreviations_are_explained_as_the_record_defines_them_or_the_glossary_says(client, data_dir):
    page = client.get("/trials/NCT06965244").text
    # the page's summary defines CLE; every use on the page carries the meaning, no script needed
    assert '<abbr title="cutaneous lupus erythematosus">CLE</abbr>' in section(page, "can-join")
    words = text_of(section(page, "words"))
    assert "CLE cutaneous lupus erythematosus (as the record defines it)" in words
    registry = client.get("/trials/NCT04267848").text
    assert '<abbr title="Eastern Cooperative Oncology Group">ECOG</abbr>' in registry
    assert "HCV hepatitis C virus (MedlinePlus, Hepatitis C)" in text_of(section(registry, "words"))
    assert "<script" not in page and "<script" not in registry
    shown = CliRunner().invoke(cli, ["show", "NCT06965244", "--data-dir", str(data_dir)]).stdout
    assert "Words explained:\n  - CLE: cutaneous lupus erythematosus (as the record defines it)\n" in shown


def test_glossary_terms_are_found_as_whole_words_in_their_case():
    from search.views.glossary import GLOSSARY, Explainer, terms_in

    terms = terms_in(["Creatinine > 1.5 x ULN or eGFR < 60", "SLEDAI-2K score >= 6", "banana, ANAlysis, ana"])
    assert [term.short for term in terms] == ["ULN", "eGFR", "SLEDAI-2K"]
    assert all(term.source == GLOSSARY[term.short][1] for term in terms)
    pieces = Explainer(tuple(terms)).pieces("ULN twice: ULN.")
    assert pieces == [("ULN", GLOSSARY["ULN"][0]), (" twice: ", None), ("ULN", GLOSSARY["ULN"][0]), (".", None)]
    assert all(meaning and source for meaning, source in GLOSSARY.values())
