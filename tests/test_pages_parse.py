"""The trial-page parser on reconstructed ClinConnect pages (tests/fixtures/pages, see its README).

Only the page's visible text was captured (NCT06965244.clinconnect.txt); the HTML fixtures are reconstructions
of it in several markups, so the golden values come from the capture, and every markup must give the same trial.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from harvester.errors import NotATrialPage
from harvester.models import Criterion, Trial
from harvester.pages.parse import page_status, parse_trial_page
from harvester.pages.text import Line, item_texts, visible_lines
from harvester.registry.criteria import criteria_words, source_words

PAGES = Path(__file__).parent / "fixtures" / "pages"
URL = "https://clinconnect.io/trials/NCT06965244"
CAPTURE = (PAGES / "NCT06965244.clinconnect.txt").read_text(encoding="utf-8")
MAIN = "NCT06965244.reconstructed.html"
SAME_CONTENT = [
    "NCT06965244.markup-divs.reconstructed.html",
    "NCT06965244.markup-article.reconstructed.html",
    "NCT06965244.reordered.reconstructed.html",
]
KEYWORDS = ["Systemic Lupus Erythematosus", "Cutaneous Lupus Erythematosus", "Chronic Cle", "Lenalidomide",
            "Methotrexate", "Resistance To Anti Malarial"]


def html(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def parse(name: str, **kwargs) -> Trial:
    return parse_trial_page(html(name), URL, **kwargs)


def texts(criteria: list[Criterion]) -> list[str]:
    return [criterion.text for criterion in criteria]


def capture_criteria_text() -> str:
    """The capture's eligibility list: the lines between "Eligibility criteria" and the About heading."""
    lines = CAPTURE.splitlines()
    start = lines.index("Eligibility criteria") + 1
    end = next(i for i, line in enumerate(lines) if line.startswith("About "))
    return "\n".join(lines[start:end])


# --- the main reconstruction: golden values from the capture ---------------------------------------------------


@pytest.fixture(scope="module")
def trial() -> Trial:
    return parse(MAIN, nct_id="NCT06965244")


def test_identity_title_sponsor_status(trial: Trial) -> None:
    assert trial.nct_id == "NCT06965244"
    assert trial.brief_title == "Lenalidomide vs Methotrexate in Difficult-to-treat Cutaneous Lupus Erythematosus"
    # the byline says ASSISTANCE PUBLIQUE - HÔPITAUX DE PARIS; the About text spells the same name properly
    assert trial.lead_sponsor is not None and trial.lead_sponsor.name == "Assistance Publique - Hôpitaux de Paris"
    assert trial.overall_status == "NOT_YET_RECRUITING"
    assert trial.is_open


def test_keywords_are_separate_elements(trial: Trial) -> None:
    assert trial.keywords == KEYWORDS
    assert trial.conditions == []  # the page has no conditions section


def test_page_details(trial: Trial) -> None:
    page = trial.page
    assert page is not None
    assert page.site == "clinconnect.io"
    assert page.current_as_of == dt.date(2025, 7, 1)
    assert page.launched_on == dt.date(2025, 5, 7)
    assert page.patients_applied == 0
    assert page.gender == "ALL" and trial.eligibility.sex == "ALL"
    assert page.plain_language_summary is not None
    paragraphs = page.plain_language_summary.split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("This clinical trial is studying the effectiveness of lenalidomide")
    assert paragraphs[1].endswith("this challenging skin condition.")
    assert page.sponsor_description is not None
    assert page.sponsor_description.startswith("Assistance Publique - Hôpitaux de Paris (AP-HP) is a leading")
    assert trial.provenance.source == "page" and trial.provenance.source_url == URL
    assert trial.locations == []


def test_criteria_counts_and_nesting(trial: Trial) -> None:
    criteria = trial.eligibility.criteria
    assert len(criteria.inclusion) == 7
    assert len(criteria.exclusion) == 9
    assert criteria.other == []
    assert [len(c.children) for c in criteria.inclusion] == [0, 0, 0, 0, 0, 3, 0]
    assert [len(c.children) for c in criteria.exclusion] == [0, 0, 0, 0, 3, 0, 0, 0, 0]
    assert criteria.inclusion[0].text == "Patients of at least 18 years of age"
    assert criteria.inclusion[5].text == "Active CLE despite"
    assert texts(criteria.inclusion[5].children) == [
        "AMs agents used for at least 3 months and at stable dose for at least 30 days prior to randomization or "
        "previously documented discontinuation of AMs due to poor tolerability an/or side effect and/or",
        "stable dose of GCs ≤15mg/day and/or",
        "stable dose of topical corticosteroids (TCS) or topical tacrolimus for at least 30 days prior to randomization",
    ]
    assert criteria.exclusion[4].text == "Medications:"
    assert texts(criteria.exclusion[4].children)[0] == "Previous failure of methotrexate and lenalidomide prescribed for active CLE"
    assert criteria.exclusion[5].text.startswith("Contraindication to use low-dose aspirin:")
    assert criteria.exclusion[8].text == "Patients under legal protection and inability to comply with study requirement"


def test_every_word_of_the_captured_criteria_is_kept_once(trial: Trial) -> None:
    expected = source_words(capture_criteria_text())
    assert len(expected) > 300
    assert sorted(criteria_words(trial.eligibility.criteria)) == sorted(expected)


def test_the_reconstruction_shows_exactly_the_captured_text() -> None:
    """The main fixture's visible text is the capture's, word for word (the capture's bullets are list markers)."""
    shown = [word for line in visible_lines(html(MAIN)) for word in line.text.split()]
    captured = [word for word in CAPTURE.split() if word != "•"]
    assert shown == captured


# --- other markups of the same content -------------------------------------------------------------------------


def content(trial: Trial) -> dict:
    return trial.model_dump(exclude={"provenance"})


@pytest.mark.parametrize("name", SAME_CONTENT)
def test_other_markups_and_orders_give_the_same_trial(trial: Trial, name: str) -> None:
    assert content(parse(name, nct_id="NCT06965244")) == content(trial)


def test_the_markups_really_differ() -> None:
    """Guard against fixtures that only look different: tags of the lines carrying the section labels."""
    def label_tags(name: str) -> tuple[str, ...]:
        labels = {"Trial Information", "Keywords", "Keywords:", "Eligibility criteria", "Inclusion Criteria:"}
        return tuple(line.tag for line in visible_lines(html(name)) if line.text in labels)

    assert len({label_tags(name) for name in [MAIN, *SAME_CONTENT[:2]]}) == 3


def test_missing_optional_sections_leave_fields_empty() -> None:
    trial = parse("NCT06965244.missing-sections.reconstructed.html")
    assert trial.brief_title == "Lenalidomide vs Methotrexate in Difficult-to-treat Cutaneous Lupus Erythematosus"
    assert trial.overall_status == "NOT_YET_RECRUITING"
    # no About text on the page to spell the name properly: it stays as the byline prints it
    assert trial.lead_sponsor is not None and trial.lead_sponsor.name == "ASSISTANCE PUBLIQUE - HÔPITAUX DE PARIS"
    assert trial.keywords == [] and trial.locations == []
    assert len(trial.eligibility.criteria.inclusion) == 7 and len(trial.eligibility.criteria.exclusion) == 9
    assert trial.eligibility.sex is None
    page = trial.page
    assert page is not None
    assert (page.plain_language_summary, page.sponsor_description, page.gender, page.patients_applied) == (None,) * 4
    assert page.current_as_of == dt.date(2025, 7, 1)


# --- not a trial page, hostile pages ---------------------------------------------------------------------------


def test_a_search_results_page_is_not_a_trial_page() -> None:
    with pytest.raises(NotATrialPage, match="not a trial page"):
        parse("search-results.reconstructed.html", nct_id="NCT06965244")


@pytest.mark.parametrize("document", ["", "<html><body><p>Hello</p></body></html>", "%PDF-1.4 binary", "{\"a\": 1}"])
def test_anything_else_is_not_a_trial_page(document: str) -> None:
    with pytest.raises(NotATrialPage, match="not a trial page"):
        parse_trial_page(document, URL)


def test_a_page_about_another_trial_is_not_this_trials_page() -> None:
    with pytest.raises(NotATrialPage, match="not a trial page for NCT04267848"):
        parse(MAIN, nct_id="NCT04267848")


def test_without_an_expected_id_the_page_names_its_trial() -> None:
    assert parse(MAIN).nct_id == "NCT06965244"


def test_hostile_text_is_kept_as_text_and_never_interpreted() -> None:
    trial = parse("NCT06965244.hostile.reconstructed.html")
    first = trial.eligibility.criteria.inclusion[0].text
    # entities decode to text that looks like HTML; it stays text, and real <script>/<img> elements show nothing
    assert first == 'Patients of at least 18 years of age <script>alert("pwned")</script> & <b>bold</b>'
    assert "document.title" not in first and "onerror" not in first
    # a terminal escape character is removed, the visible rest of the text kept
    third = trial.eligibility.criteria.exclusion[2].text
    assert "\x1b" not in third and third.startswith("Ongoing [2J[31mcancer")
    assert trial.keywords == KEYWORDS  # markup around a keyword is not part of it; the iframe shows nothing
    assert len(trial.eligibility.criteria.inclusion) == 7 and len(trial.eligibility.criteria.exclusion) == 9


def test_deeply_nested_markup_does_not_exhaust_the_stack() -> None:
    nested = "<div>" * 5000 + "Trial Information</div>" + "</div>" * 4999
    page = f"<html><body><p>Trial NCT06965244</p>{nested}<p>Recruiting</p></body></html>"
    assert parse_trial_page(page, URL).overall_status == "RECRUITING"


# --- small pieces ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [("Not yet recruiting", "NOT_YET_RECRUITING"), ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
     ("RECRUITING", "RECRUITING"), ("Enrolling by invitation", "ENROLLING_BY_INVITATION"),
     ("Unknown status", "UNKNOWN"), ("Current as of July 01, 2025", None), ("Paris, France", None)],
)
def test_page_status(text: str, status: str | None) -> None:
    assert page_status(text) == status


@pytest.mark.parametrize(
    ("markup", "items"),
    [("<div><span>A b</span><span>C</span></div>", ["A b", "C"]),
     ("<div><span><a>A b</a><a>C</a></span></div>", ["A b", "C"]),
     ("<p>A b, C; D</p>", ["A b", "C", "D"]),
     ("<p>Single keyword</p>", ["Single keyword"])],
)
def test_item_texts(markup: str, items: list[str]) -> None:
    lines: list[Line] = visible_lines(f"<html><body>{markup}</body></html>")
    assert len(lines) == 1
    assert item_texts(lines[0]) == items


def test_locations_and_conditions_when_the_page_has_them() -> None:
    page = (
        "<html><body><p>Trial NCT06965244</p><h2>Trial Information</h2><p>Recruiting</p>"
        "<h2>Conditions</h2><ul><li>Cutaneous Lupus Erythematosus</li><li>Lupus</li></ul>"
        "<h2>Locations</h2><ul><li>Hôpital Saint-Louis, Paris, France</li><li>Lyon, France</li>"
        "<li>Mayo Clinic, Rochester, Minnesota, United States</li></ul></body></html>"
    )
    trial = parse_trial_page(page, URL)
    assert trial.conditions == ["Cutaneous Lupus Erythematosus", "Lupus"]
    assert [(loc.facility, loc.city, loc.state, loc.country) for loc in trial.locations] == [
        ("Hôpital Saint-Louis", "Paris", None, "France"),
        (None, "Lyon", None, "France"),
        ("Mayo Clinic", "Rochester", "Minnesota", "United States"),
    ]
    assert trial.overall_status == "RECRUITING"  # a status word in the locations would not be taken for it
