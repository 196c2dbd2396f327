"""Eligibility-criteria parser: golden tests on real records, losslessness on every record and on generated text."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.models import Criteria, Criterion
from harvester.registry.criteria import criteria_words, parse_criteria, parse_criteria_items, source_words

FIXTURES = Path(__file__).parent / "fixtures" / "criteria"
FIXTURE_IDS = sorted(path.stem for path in FIXTURES.glob("NCT*.txt"))


def load(nct_id: str) -> str:
    return (FIXTURES / f"{nct_id}.txt").read_text(encoding="utf-8")


def texts(criteria: list[Criterion]) -> list[str]:
    return [criterion.text for criterion in criteria]


def assert_lossless(source: str, criteria: Criteria) -> None:
    assert sorted(source_words(source)) == sorted(criteria_words(criteria))


# a list marker at the start of a criterion, written independently of the parser's own patterns
STARTS_WITH_MARKER = re.compile(r"^(?:[*+•-]|\d+(?:\.\d+)*[.)]|\(\w{1,4}\)|[A-Za-z][.)]|[ivxIVX]+[.)])(?:\s|$)")


def assert_well_formed(criteria: Criteria) -> None:
    for text in criteria.all_texts():
        assert text, "empty criterion"
        assert text == text.strip()
        assert not STARTS_WITH_MARKER.match(text), text


# --- golden: real records -----------------------------------------------------------------------------------

# Top-level counts, checked by reading each text. Where they differ from a naive count of top-level
# "* " / "1. " lines, the reason is a documented decision:
#   NCT00711542: "Patients with acute coronary syndrome ..., treated as follows:" is the parent of the 6 bullets;
#   NCT00716976: no inclusion/exclusion heading, so all is inclusion: 3 PDQ sub-headings holding 3, 12, 8 items;
#   NCT02513394: 19 bullets + 2 unbulleted paragraphs between them ("FFPE tumor tissue ...", "-Patients must ...");
#   NCT03630471: "For adolescent/parent participants:" sub-headings hold the bullets (6+3 and 6+2);
#   NCT04431453: the closing "Note: Other protocol defined ..." goes to `other`;
#   NCT05147467: "Subjects who meet each of the following ... criteria ...:" preambles go to `other`;
#   NCT05602779: 2 bullets + "Two of the following ...:" holding 6 bullets.
COUNTS = {  # nct: (inclusion, exclusion, other)
    "NCT00184067": (7, 7, 0),
    "NCT00517179": (4, 6, 0),
    "NCT00711542": (1, 21, 0),
    "NCT00716976": (3, 0, 0),
    "NCT00763412": (5, 6, 0),
    "NCT00973089": (5, 3, 0),
    "NCT01126879": (11, 5, 0),
    "NCT01305200": (6, 1, 0),
    "NCT01511679": (4, 5, 0),
    "NCT01987596": (12, 1, 0),
    "NCT02299791": (1, 1, 0),
    "NCT02513394": (21, 13, 0),
    "NCT02552212": (6, 11, 0),
    "NCT03058679": (7, 22, 0),
    "NCT03064438": (9, 11, 0),
    "NCT03281889": (5, 5, 0),
    "NCT03630471": (2, 2, 0),
    "NCT03934567": (7, 13, 0),
    "NCT04175379": (2, 11, 0),
    "NCT04207047": (9, 19, 0),
    "NCT04267848": (25, 0, 0),
    "NCT04431453": (3, 6, 1),
    "NCT04523987": (7, 6, 0),
    "NCT05013879": (5, 12, 0),
    "NCT05147467": (7, 7, 2),
    "NCT05531279": (4, 8, 0),
    "NCT05594173": (1, 7, 0),
    "NCT05600179": (1, 3, 0),
    "NCT05602779": (3, 8, 0),
    "NCT06388018": (14, 9, 0),
    "NCT06714279": (1, 1, 0),
}


def test_every_fixture_has_expected_counts() -> None:
    assert sorted(COUNTS) == FIXTURE_IDS


@pytest.mark.parametrize("nct_id", sorted(COUNTS))
def test_top_level_counts(nct_id: str) -> None:
    criteria = parse_criteria(load(nct_id))
    assert (len(criteria.inclusion), len(criteria.exclusion), len(criteria.other)) == COUNTS[nct_id]


def test_nested_bullets_and_escapes_nct04267848() -> None:
    criteria = parse_criteria(load("NCT04267848"))
    first = criteria.inclusion[0]
    assert first.text == "A female of childbearing potential is a sexually mature female who:"
    assert texts(first.children) == [
        "Has not undergone a hysterectomy or bilateral oophorectomy; or",
        "Has not been naturally postmenopausal for at least 12 consecutive months "
        "(i.e., has had menses at any time in the preceding 12 consecutive months)",
    ]
    assert criteria.inclusion[11].text == "Age >= 18 years"  # "Age \>= 18 years" in the record
    assert texts(criteria.inclusion[14].children) == [
        "Therefore, for women of childbearing potential only, a negative pregnancy test done =< 7 days "
        "prior to registration is required"
    ]
    assert criteria.inclusion[18].text.startswith("No known hepatitis C virus (defined as HCV ribonucleic acid [RNA]")
    assert criteria.inclusion[-1].text == (
        "Aspartate aminotransferase (AST) / alanine aminotransferase (ALT) =< 2.5 x upper limit of normal (ULN)"
    )
    assert sum(1 for top in criteria.inclusion if top.children) == 3
    assert criteria.exclusion == [] and criteria.other == []


def test_eligibility_heading_and_sub_headings_nct03630471() -> None:
    criteria = parse_criteria(load("NCT03630471"))
    # "Eligibility criteria:" is generic and there is no inclusion heading, so what follows it is inclusion
    assert texts(criteria.inclusion) == ["For adolescent participants:", "For parent participants:"]
    assert [len(group.children) for group in criteria.inclusion] == [6, 3]
    assert criteria.inclusion[0].children[0].text == (
        "Enrolled as a student in Grades 9-12 (corresponding to 13-20 years of age)"
    )
    assert criteria.inclusion[0].children[3].text.startswith("Experiencing difficulties for >1 month,")
    assert texts(criteria.exclusion) == ["For adolescent participants:", "For parent participants:"]
    assert [len(group.children) for group in criteria.exclusion] == [6, 2]
    assert criteria.exclusion[1].children[1].text == "Intoxicated at the point of consent or assessment"
    assert criteria.other == []


def test_key_headings_double_markers_and_closing_note_nct04431453() -> None:
    criteria = parse_criteria(load("NCT04431453"))
    assert len(criteria.inclusion[0].children) == 6
    # "  * a) Cohort 1: ≥ 12 years to \< 18 years ..." loses both markers and its escape
    assert criteria.inclusion[0].children[0].text == (
        "Cohort 1: ≥ 12 years to < 18 years of age and weight at screening ≥ 40 kg"
    )
    assert criteria.inclusion[0].children[5].text == "Cohort 8: < 12 years of age and weight at screening ≥ 40 kg"
    assert criteria.exclusion[4].text.endswith("may continue study drug, after discussion with the investigator.")
    assert texts(criteria.other) == ["Note: Other protocol defined Inclusion/Exclusion criteria may apply"]


def test_numbers_nested_under_bullets_nct00184067() -> None:
    criteria = parse_criteria(load("NCT00184067"))
    parent = criteria.inclusion[0]
    assert parent.text == (
        "Patients who have completed protocol 10M-01-1 or 10M-00-4 are eligible for this study provided that:"
    )
    assert texts(parent.children) == [
        "They have received all injections with evidence of an immune response.",
        "They have not experienced recurrence of the melanoma.",
        "Not more than twelve months have elapsed since the final injection on either protocol.",
        "They experienced no grade 3 or 4 toxicity attributed to the prior vaccine regimen.",
    ]
    assert criteria.inclusion[1].text.startswith("Serum creatinine of 2.0 mg/dl or less")


def test_numbered_lists_and_lone_dash_nct04207047() -> None:
    criteria = parse_criteria(load("NCT04207047"))
    assert criteria.inclusion[2].text == "Fitzpatrick Skin Type I to VI. Protocol Number: L18006 v5.0 11192018 Page 8 of 52"
    assert len(criteria.inclusion[6].children) == 3
    medications = criteria.exclusion[18]
    assert medications.text == "History or current use of the following medications:"
    assert len(medications.children) == 3
    # the record ends with an indented "-" and nothing after it: no empty criterion
    assert medications.children[2].text.endswith("understanding and signing the informed consent.")


def test_three_levels_and_headings_without_colon_nct03058679() -> None:
    criteria = parse_criteria(load("NCT03058679"))
    assert criteria.exclusion[5].text == (
        "Start or change*** dose of thiopurines (azathioprine and 6-MP), methotrexate, natalizumab, "
        "or vedolizumab within 12 weeks prior to screening"
    )
    last = criteria.exclusion[21]
    assert last.text.startswith("Currently participating in another clinical trial")
    assert last.children[0].text.startswith("Patients may continue these medications at stable dose")
    assert last.children[0].children[0].text.startswith("Loading/induction doses of biologic type medication")


def test_bare_inclusion_exclusion_headings_nct01126879() -> None:
    criteria = parse_criteria(load("NCT01126879"))
    assert criteria.inclusion[1].text == "ECOG performance status 0-1"
    assert criteria.exclusion[0].text == "History of venous thrombosis within past year"


def test_no_inclusion_heading_is_inclusion_nct00716976() -> None:
    criteria = parse_criteria(load("NCT00716976"))
    assert texts(criteria.inclusion) == ["DISEASE CHARACTERISTICS:", "PATIENT CHARACTERISTICS:", "PRIOR CONCURRENT THERAPY:"]
    assert [len(group.children) for group in criteria.inclusion] == [3, 12, 7]
    assert texts(criteria.inclusion[0].children[2].children) == ["Normal auditory results"]
    assert criteria.inclusion[1].children[0].text == "Karnofsky performance status (PS) 50-100% (for patients > 16 years of age)"


def test_preambles_go_to_other_nct05147467() -> None:
    criteria = parse_criteria(load("NCT05147467"))
    assert texts(criteria.other) == [
        "Subjects who meet each of the following inclusion criteria are eligible to participate in this study:",
        "Subjects who meet any of the following exclusion criteria are not to be enrolled in this study:",
    ]
    assert criteria.inclusion[0].text == "Age ≥18 years old."
    assert len(criteria.exclusion[5].children) == 3


def test_paragraphs_between_bullets_are_kept_nct02513394() -> None:
    criteria = parse_criteria(load("NCT02513394"))
    assert criteria.inclusion[6].text == (
        "FFPE tumor tissue block must be confirmed to be received at the central sample repository prior to randomization."
    )
    assert criteria.inclusion[13].text == (
        "-Patients must either be initiating or have already started adjuvant hormonal treatment. -"
    )
    assert all(not top.children for top in criteria.inclusion)


def test_sub_heading_paragraph_holds_following_bullets() -> None:
    acute = parse_criteria(load("NCT00711542")).inclusion
    assert acute[0].text.startswith("Patients with acute coronary syndrome")
    assert acute[0].text.endswith("treated as follows:")
    assert len(acute[0].children) == 6
    scored = parse_criteria(load("NCT05602779")).inclusion
    assert texts(scored[:2]) == ["Aged between 13 and 17 years,", "Attend in person meetings in South Bend, IN or Rochester, NY. and,"]
    assert scored[2].text == "Two of the following which will be scored during the phone screen:"
    assert len(scored[2].children) == 6


def test_cohort_sub_headings_nct06388018() -> None:
    sub_study_a = parse_criteria(load("NCT06388018")).inclusion[9]
    assert texts(sub_study_a.children) == ["Cohort A1:", "Cohort A2:"]
    assert [len(cohort.children) for cohort in sub_study_a.children] == [4, 9]
    assert sub_study_a.children[1].children[0].text == "Stage IA (not confined to polyp), grade 3, pNx, with or without LVI"


@pytest.mark.parametrize("nct_id", FIXTURE_IDS)
def test_every_real_record_is_lossless(nct_id: str) -> None:
    text = load(nct_id)
    criteria = parse_criteria(text)
    assert_lossless(text, criteria)
    assert_well_formed(criteria)


# --- small cases -------------------------------------------------------------------------------------------


def test_empty_and_none() -> None:
    assert parse_criteria(None) == Criteria()
    assert parse_criteria("  \n\n") == Criteria()


@pytest.mark.parametrize(
    "heading",
    [
        "Inclusion Criteria:",
        "Key Inclusion Criteria",
        "INCLUSION CRITERIA",
        "Inclusion criteria",
        "Inclusion",
        "**Inclusion criteria**",
        "**Inclusion Criteria:**",
        "## Inclusion Criteria:",
        "Main inclusion criteria :",
    ],
)
def test_inclusion_heading_variants(heading: str) -> None:
    criteria = parse_criteria(f"Preamble.\n\n{heading}\n\n* Age 18\n\nKey Exclusion Criteria:\n\n1. Pregnant")
    assert texts(criteria.inclusion) == ["Age 18"]
    assert texts(criteria.exclusion) == ["Pregnant"]
    assert texts(criteria.other) == ["Preamble."]


def test_heading_with_text_on_its_line() -> None:
    criteria = parse_criteria("Inclusion Criteria: - Age \\>= 18\n- Consent\nExclusion criteria: pregnancy")
    assert texts(criteria.inclusion) == ["Age >= 18", "Consent"]
    assert texts(criteria.exclusion) == ["pregnancy"]


# The shapes below are written for these tests (derived: real headings from the issue and the corpus around
# one-word criteria), so that each rule is checked on its own; tests/test_criteria_corpus.py checks every real text.


def test_a_qualifier_after_the_heading_words_becomes_the_parent_of_its_items() -> None:
    criteria = parse_criteria("Inclusion criteria for Part B:\n* a\n* b\n\nExclusion criteria for Part B:\n* c")
    assert texts(criteria.inclusion) == ["Part B"]
    assert texts(criteria.inclusion[0].children) == ["a", "b"]
    assert texts(criteria.exclusion) == ["Part B"] and texts(criteria.exclusion[0].children) == ["c"]
    assert_lossless("Inclusion criteria for Part B:\n* a\n* b\n\nExclusion criteria for Part B:\n* c", criteria)


def test_several_parts_each_hold_their_items() -> None:
    text = "INCLUSION CRITERIA FOR PART A\n1. x\n2. y\nINCLUSION CRITERIA FOR PART B\n1. z\nEXCLUSION CRITERIA\n1. w"
    criteria = parse_criteria(text)
    assert [(c.text, texts(c.children)) for c in criteria.inclusion] == [("PART A", ["x", "y"]), ("PART B", ["z"])]
    assert texts(criteria.exclusion) == ["w"]


@pytest.mark.parametrize("text", [
    "1. Inclusion Criteria\n   1. age\n   2. consent\n2. Exclusion Criteria\n   1. pregnant\n   2. allergy",
    "1. Inclusion Criteria\n1. age\n2. consent\n2. Exclusion Criteria\n1. pregnant\n2. allergy",
    "I. INCLUSION CRITERIA:\n1) age\n2) consent\nII. EXCLUSION CRITERIA:\n1) pregnant\n2) allergy",
    "III.5 INCLUSION CRITERIA\n\n1. age\n2. consent\n\nIII.6 EXCLUSION CRITERIA\n\n1. pregnant\n2. allergy",
    "* 1.Inclusion criteria:\n  * age\n  * consent\n* 2.Exclusion criteria:\n  * pregnant\n  * allergy",
])
def test_a_heading_numbered_as_an_item_opens_its_list(text: str) -> None:
    criteria = parse_criteria(text)
    assert texts(criteria.inclusion) == ["age", "consent"]
    assert texts(criteria.exclusion) == ["pregnant", "allergy"]
    assert_lossless(text, criteria)


@pytest.mark.parametrize(("inclusion", "exclusion"), [
    ("Subject Inclusion Criteria", "Subject Exclusion Criteria"),
    ("Main Inclusion Criteria:", "Key Exclusion Criteria"),
    ("Patient inclusion criteria:", "Other exclusion criteria:"),
    ("Inclusions:", "Exclusions:"),
    ("Criteria for inclusion:", "Criteria for exclusion:"),
    ("INCLUSION CRITERIA.", "EXCLUSION CRITERIA."),
    ("Key inclusion criteria include:", "Exclusion criteria are as follows:"),
])
def test_qualified_headings_of_one_list_each_are_dropped(inclusion: str, exclusion: str) -> None:
    text = f"{inclusion}\n* age\n\n{exclusion}\n* pregnant"
    criteria = parse_criteria(text)
    assert texts(criteria.inclusion) == ["age"] and texts(criteria.exclusion) == ["pregnant"]
    assert criteria.other == []
    assert_lossless(text, criteria)


def test_headings_of_one_label_with_several_qualifiers_keep_them() -> None:
    text = "Patient Inclusion Criteria:\n* a\nClinic Inclusion Criteria:\n* b\nExclusion Criteria (Controls):\n* c"
    criteria = parse_criteria(text)
    assert [(c.text, texts(c.children)) for c in criteria.inclusion] == [("Patient", ["a"]), ("Clinic", ["b"])]
    assert [(c.text, texts(c.children)) for c in criteria.exclusion] == [("Controls", ["c"])]


def test_major_eligibility_criteria_is_a_generic_heading() -> None:
    criteria = parse_criteria("Major Eligibility Criteria:\n\n* Age 4 to 8\n* Consent")
    assert texts(criteria.inclusion) == ["Age 4 to 8", "Consent"]


@pytest.mark.parametrize("sentence", [
    "Any inclusion criteria not met", "Does not meet inclusion criteria;", "Failure to meet any of the inclusion criteria",
    "Other protocol-defined exclusion criteria may apply.", "Exclusion of individuals with a history of stroke",
])
def test_a_sentence_about_criteria_is_no_heading(sentence: str) -> None:
    criteria = parse_criteria(f"Inclusion Criteria:\n* Adult\n\nExclusion Criteria:\n* {sentence}\n* Pregnant")
    assert texts(criteria.exclusion) == [sentence, "Pregnant"]


def test_several_numbered_criteria_in_one_bullet_are_split() -> None:
    text = ("Inclusion Criteria:\n* 1)lower extremity deficit, 2) infectious disease; 3) a history of stroke\n"
            "* 1. age 2. consent\n* (1) a (2) b\n* 1. Any of the following: 1. x; 2. y")
    criteria = parse_criteria(text)
    assert texts(criteria.inclusion) == [
        "lower extremity deficit,", "infectious disease;", "a history of stroke", "age", "consent", "a", "b",
        "Any of the following: 1. x; 2. y",  # a list of its own inside the item is not split
    ]
    assert_lossless(text, criteria)


def test_a_heading_run_on_at_the_end_of_a_line_opens_its_list() -> None:
    text = "Inclusion Criteria:\n\n* Age\n* Stable heterosexual relationship Exclusion Criteria:\n* Hypoactive desire"
    criteria = parse_criteria(text)
    assert texts(criteria.inclusion) == ["Age", "Stable heterosexual relationship"]
    assert texts(criteria.exclusion) == ["Hypoactive desire"]
    assert_lossless(text, criteria)


def test_a_heading_run_on_inside_a_line_opens_its_list() -> None:
    text = "Inclusion Criteria:- Age: 18 years and older- Males Exclusion Criteria:- Primary hypoactive desire"
    criteria = parse_criteria(text)
    assert texts(criteria.inclusion) == ["Age: 18 years and older- Males"]
    assert texts(criteria.exclusion) == ["Primary hypoactive desire"]


@pytest.mark.parametrize("text", [
    "Inclusion Criteria:\n\n* Veterans between 45 and 64.\n\nExclusion Criteria:",
    "Inclusion Criteria:\n\n* Veterans between 45 and 64.\n\nExclusion Criteria:\n\n-",
    "Inclusion Criteria:\n\n* Veterans between 45 and 64.\n\n2. Exclusion Criteria\n\n",
])
def test_an_exclusion_heading_with_nothing_under_it_gives_an_empty_list(text: str) -> None:
    criteria = parse_criteria(text)
    assert texts(criteria.inclusion) == ["Veterans between 45 and 64."]
    assert criteria.exclusion == [] and criteria.other == []


def test_no_heading_at_all_is_inclusion() -> None:
    criteria = parse_criteria("* Adults\n* Able to consent")
    assert texts(criteria.inclusion) == ["Adults", "Able to consent"]
    assert criteria.exclusion == [] and criteria.other == []


def test_mixed_marker_kinds_nest_without_indentation() -> None:
    criteria = parse_criteria("1. foo\na. bar\nb. baz\ni. deep\nii. deeper\n2. qux\nh. x\ni. y\n(j) z")
    foo, qux = criteria.inclusion
    assert texts(foo.children) == ["bar", "baz"]
    assert texts(foo.children[1].children) == ["deep", "deeper"]  # "i." after "b." is a roman sub-list
    assert texts(qux.children) == ["x", "y", "z"]  # "i." after "h." is the next letter


def test_continuation_lines_join_their_item() -> None:
    text = "Inclusion Criteria:\n* Adults with\n  confirmed SLE\n* Second\n\n  second paragraph of the second\n"
    assert texts(parse_criteria(text).inclusion) == ["Adults with confirmed SLE", "Second second paragraph of the second"]


def test_glued_numbers_and_markers_only_lines() -> None:
    criteria = parse_criteria("Exclusion Criteria:\n1.Age over 70\n2)Pregnant\n3.\n-\n4. 5.0 mg dose")
    assert texts(criteria.exclusion) == ["Age over 70", "Pregnant", "5.0 mg dose"]


def test_escaped_marker_is_text() -> None:
    assert texts(parse_criteria("\\* not a bullet").inclusion) == ["* not a bullet"]


# --- flat <li> items of a trial page -----------------------------------------------------------------------

# the "•" lines under "Eligibility criteria" of the ClinConnect page of NCT06965244 (shared/data/pages/)
CLINCONNECT_NCT06965244 = [
    "Inclusion Criteria:",
    "1. Patients of at least 18 years of age",
    "2. Affiliated to the French social security",
    "3. Able to provide written informed consent",
    "4. Histologically-confirmed diagnosis of active CLE with or without associated SLE, either historical or at screening",
    "5. CLASI-A score ≥ 8 at both screening and randomization",
    "6. Active CLE despite",
    "AMs agents used for at least 3 months and at stable dose for at least 30 days prior to randomization or previously "
    "documented discontinuation of AMs due to poor tolerability an/or side effect and/or",
    "stable dose of GCs ≤15mg/day and/or",
    "stable dose of topical corticosteroids (TCS) or topical tacrolimus for at least 30 days prior to randomization",
    "7. Accepting monthly plasma pregnancy test and using adequate contraception for at least 4 weeks before and until "
    "4 weeks following treatment",
    "Exclusion Criteria:",
    "1. Kidney function, liver function, cell blood count and infectious serology incompatible with receiving the study "
    "treatments, according to the SMPC of each drug.",
    "2. Alcoholism (1/ no more than 10 standard drinks per week, 2/ no more than two standard drinks per day, and 3/ at "
    "least two alcohol-free days every week)",
    "3. Ongoing cancer, including solid tumors and hematologic malignancies",
    "4. Active severe SLE features including lupus nephritis, neuropsychiatric SLE, serositis, severe haematological "
    "features (autoimmune hemolytic anemia, idiopathic thrombocytopenic purpura) requiring high dose oral or IV GC "
    "and/or mycophenolate mofetil or cyclophosphamide",
    "5. Medications:",
    "Previous failure of methotrexate and lenalidomide prescribed for active CLE",
    "Use of classical immunosuppressant drugs (mycophenolate mofetil, azathioprine), thalidomide, dapsone, retinoids, "
    "Janus Kinase inhibitors for CLE or SLE 4 weeks before screening",
    "Use of biological therapy for CLE or SLE (including belimumab, rituximab, obinituzumab, ustekinumab, "
    "anifrolumab) 12 weeks before screening",
    "6. Contraindication to use low-dose aspirin: salicylate hypersensitivity, salicylate-induced asthma, constitutional "
    "or acquired bleeding disorder, active gastroduodenal ulcer, or history of digestive bleeding.",
    "7. Arterial or unprovoked venous thromboembolic events ≤ 5 years (for note antiphospholipid syndrome treated with "
    "vitamin K antagonist without thromboembolic events in the last 5 years or patients with positive "
    "antiphospholipid autoantibodies will NOT be excluded)",
    "8. Pregnant women, breastfeeding or planning to become pregnant during the study treatment period and 1 month "
    "after the last dose of study treatment",
    "9. Patients under legal protection and inability to comply with study requirement",
]


def test_clinconnect_items_nct06965244() -> None:
    criteria = parse_criteria_items(CLINCONNECT_NCT06965244)
    assert len(criteria.inclusion) == 7
    assert [len(item.children) for item in criteria.inclusion] == [0, 0, 0, 0, 0, 3, 0]
    assert criteria.inclusion[0].text == "Patients of at least 18 years of age"
    assert criteria.inclusion[5].text == "Active CLE despite"
    assert criteria.inclusion[5].children[1].text == "stable dose of GCs ≤15mg/day and/or"
    assert len(criteria.exclusion) == 9
    assert [len(item.children) for item in criteria.exclusion] == [0, 0, 0, 0, 3, 0, 0, 0, 0]
    assert criteria.exclusion[4].text == "Medications:"
    assert criteria.exclusion[4].children[0].text == "Previous failure of methotrexate and lenalidomide prescribed for active CLE"
    assert criteria.exclusion[8].text == "Patients under legal protection and inability to comply with study requirement"
    assert criteria.other == []
    assert_lossless("\n".join(CLINCONNECT_NCT06965244), criteria)
    assert_well_formed(criteria)


def test_items_before_any_number_are_top_level() -> None:
    criteria = parse_criteria_items(["Adults", "• Able to consent", "1. Numbered", "a. its child", "Exclusion Criteria:", "None"])
    assert texts(criteria.inclusion) == ["Adults", "Able to consent", "Numbered"]
    assert texts(criteria.inclusion[2].children) == ["its child"]
    assert texts(criteria.exclusion) == ["None"]


# --- generated documents ------------------------------------------------------------------------------------

# first words are never list markers, escapes or heading words, so a criterion can be checked not to start with a marker
FIRST_WORDS = ["Patients", "age", "History", "No", "Able", "ECOG", "HIV", "Prior", "Signed", "Women", "eGFR", "Known"]
WORDS = [
    *FIRST_WORDS,
    "18", "years", "and/or", "mg/dl", "(ECOG)", "≥", "e.g.", "i.e.", "1.5", "x", "ULN", ":", "-", "*", "1.", "a)",
    "criteria", "Note:", "inclusion", "Exclusion", "**bold**", "[RNA]", "(1)",
    r"\>=", r"\<", r"=\<", r"\[RNA\]", r"\*", r"\_", r"m\^2", r"1\~3", r"\\",
]  # fmt: skip
ODD_TOKENS = st.text(alphabet="ab1.)(*-:\\<>[]#_•", min_size=1, max_size=4)

words = st.lists(st.one_of(st.sampled_from(WORDS), ODD_TOKENS), max_size=8)
criterion_text = st.builds(lambda first, rest: " ".join([first, *rest]), st.sampled_from(FIRST_WORDS), words)

HEADINGS = [
    "Inclusion Criteria:", "Key Inclusion Criteria", "INCLUSION CRITERIA", "Inclusion", "**Inclusion criteria**",
    "Exclusion criteria", "Key Exclusion Criteria:", "EXCLUSION CRITERIA:", "## Exclusion Criteria:", "Exclusion",
    "Eligibility criteria:", "Eligibility Criteria", "Inclusion/Exclusion Criteria:", "Criteria:",
]  # fmt: skip
MARKERS = ["*", "-", "•", "+", "1.", "12.", "3)", "(2)", "a)", "b.", "(c)", "h.", "i.", "ii.", "iv)", "1.2.", "* a)"]

heading_line = st.one_of(
    st.sampled_from(HEADINGS),
    st.builds("Exclusion Criteria: {}".format, criterion_text),
    st.builds("Inclusion criteria for {}:".format, criterion_text),
)
item_line = st.builds(
    lambda indent, marker, text: f"{' ' * indent}{marker} {text}",
    st.sampled_from([0, 0, 2, 3, 4, 6, 8]),
    st.sampled_from(MARKERS),
    criterion_text,
)
glued_item_line = st.builds("{}.{}".format, st.integers(1, 30), criterion_text)
paragraph_line = st.builds(
    lambda indent, prefix, text, colon: f"{' ' * indent}{prefix}{text}{colon}",
    st.sampled_from([0, 0, 0, 2, 4]),
    st.sampled_from(["", "", "Note: "]),
    criterion_text,
    st.sampled_from(["", "", ":"]),
)
empty_line = st.sampled_from(["", "", "   ", "  -", "1.", "* "])
document = st.lists(
    st.one_of(heading_line, item_line, item_line, item_line, glued_item_line, paragraph_line, empty_line), max_size=30
).map("\n".join)


@settings(deadline=None, max_examples=200)
@given(document)
def test_generated_documents_are_lossless_and_clean(text: str) -> None:
    criteria = parse_criteria(text)
    assert_lossless(text, criteria)
    assert_well_formed(criteria)


# lines of heading-ish, marker-ish and escape-ish tokens in any order: only losslessness is asserted
CHAOS_TOKENS = [
    "*", "-", "•", "1.", "2)", "(3)", "a)", "i.", "\\*", "\\>", "\\", "Inclusion", "Exclusion", "Criteria",
    "criteria", "Key", "Eligibility", ":", "**", "##", "_", "Note:", "foo", "1.foo", "2.Bar", "for", "x:",
]  # fmt: skip
chaos_line = st.builds(
    lambda indent, tokens, joiners: " " * indent + "".join(t + j for t, j in zip(tokens, joiners, strict=False)),
    st.integers(0, 6),
    st.lists(st.sampled_from(CHAOS_TOKENS), max_size=6),
    st.lists(st.sampled_from([" ", " ", "", "\t"]), min_size=6, max_size=6),
)


@settings(deadline=None, max_examples=200)
@given(st.lists(chaos_line, max_size=20).map("\n".join))
def test_chaotic_text_is_lossless(text: str) -> None:
    criteria = parse_criteria(text)
    assert_lossless(text, criteria)
    assert all(t and t == t.strip() for t in criteria.all_texts())


# a forest of (raw text, children), to be written as an indented Markdown list; texts kept light for speed
item_text = st.builds(
    lambda first, rest: " ".join([first, *rest]), st.sampled_from(FIRST_WORDS), st.lists(st.sampled_from(WORDS), max_size=4)
)
markdown_tree = st.recursive(
    st.tuples(item_text, st.just([])),
    lambda subtrees: st.tuples(item_text, st.lists(subtrees, min_size=1, max_size=3)),
    max_leaves=8,
)
markdown_forest = st.lists(markdown_tree, min_size=1, max_size=4)


def render(forest: list[tuple[str, list]], numbered: list[bool], indent: int = 0, depth: int = 0) -> list[str]:
    """Siblings share a marker kind (numbers or bullets, drawn per depth); children are indented under the text."""
    lines = []
    for position, (text, children) in enumerate(forest, start=1):
        marker = f"{position}." if numbered[depth % len(numbered)] else "*"
        lines.append(f"{' ' * indent}{marker} {text}")
        lines += render(children, numbered, indent + len(marker) + 1, depth + 1)
    return lines


MARKDOWN_ESCAPE = re.compile("\\\\([" + re.escape(string.punctuation) + "])")  # CommonMark: any ASCII punctuation


def shape(forest: list[tuple[str, list]]) -> list[tuple[str, list]]:
    return [(MARKDOWN_ESCAPE.sub(r"\1", text), shape(children)) for text, children in forest]


def parsed_shape(criteria: list[Criterion]) -> list[tuple[str, list]]:
    return [(c.text, parsed_shape(c.children)) for c in criteria]


@settings(deadline=None, max_examples=100)  # recursive generation is the slowest part of this file
@given(markdown_forest, markdown_forest, st.lists(st.booleans(), min_size=1, max_size=4))
def test_nesting_round_trips(inclusion: list, exclusion: list, numbered: list[bool]) -> None:
    text = "\n".join(
        ["Inclusion Criteria:", "", *render(inclusion, numbered), "", "Exclusion Criteria:", "", *render(exclusion, numbered)]
    )
    criteria = parse_criteria(text)
    assert parsed_shape(criteria.inclusion) == shape(inclusion)
    assert parsed_shape(criteria.exclusion) == shape(exclusion)
