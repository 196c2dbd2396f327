"""The criteria parser on every real eligibility text: each record of the bundled snapshot, which holds every real
API v2 record of ../shared/data/ctgov (records, list pages, website exports, the bulk sample).

Checked against rules of this test's own, not the parser's: what a heading line is (`HEADING`), what a list marker
is (`MARKER`), which heading a line of text sits under. For every text:

* lossless: no word is invented, and every word the parse lost is a list marker or a word of a heading line;
* every criterion that starts on a line under an inclusion heading is filed under inclusion, and under an exclusion
  heading under exclusion (text before any heading may go to inclusion or other);
* no heading is kept as a criterion.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import pytest

from harvester.models import Criteria, Criterion
from harvester.registry.criteria import parse_criteria
from harvester.store.snapshot import bundled_snapshot_bytes, decode_snapshot

#: a heading: numbering or emphasis, at most four qualifier words, "inclusion"/"exclusion" (with "criteria"), a short
#: qualifier after ("for Part B", "(Controls)"), then a colon (and maybe text) or the end of the line
HEADING = re.compile(
    r"""^[\W_]*(?:(?:\d+|[IVX]+|[A-Za-z])(?:\.\d+)*[.)]?\s+)?[\s*_]*
        (?P<before>(?:[\w/'-]+\s+){0,4}?)
        (?P<name>inclusion|exclusion|eligibility)(?:\s+(?:and|/|&)\s+(?:inclusion|exclusion))?
        (?P<criteria>\s+criteria)?
        (?P<after>\s*(?:for\b|\(|-)[^.;:]{0,60})?\s*[*_]*(?::(?P<text>.*)|[*_\s]*$)""",
    re.IGNORECASE | re.VERBOSE,
)
#: words that make a line about the criteria a sentence, not a heading
SENTENCE = {"not", "no", "any", "all", "meet", "meets", "meeting", "met", "fail", "failure", "failing", "following",
            "above", "may", "apply", "must", "the", "of", "with", "who", "to"}
#: the words of headings, wherever they are: a parse may drop them
HEADING_WORDS = {"inclusion", "exclusion", "criteria", "criterion", "eligibility", "key", "main", "major"}
#: a heading run on inside a line of text, its line breaks lost: "... hyperlipidemia Exclusion Criteria:- Primary"
RUN_ON_HEADING = re.compile(r"(?<=\S )(?P<name>Inclusion|Exclusion|INCLUSION|EXCLUSION) (?:Criteria|CRITERIA) ?:")
#: a marker's number or letter, once its punctuation is stripped
MARKER_CORE = re.compile(r"\d{1,3}|[ivxIVX]{1,5}|[A-Za-z]")
#: a list marker token
MARKER = re.compile(r"[*+•·◦▪‣●○■□➢►–—-]|\(?(?:\d{1,3}(?:\.\d{1,3})*|[ivxIVX]{1,5}|[A-Za-z])[.)、]|\(\w{1,4}\)")
GLUED_NUMBER = re.compile(r"^\d{1,3}[.)、](?=[^\W\d_])")
ESCAPE = re.compile(r"\\([^\w\s])")
PUNCTUATION = "".join(chr(code) for code in range(33, 127) if not chr(code).isalnum())


def heading_match(line: str) -> re.Match[str] | None:
    match = HEADING.match(line.strip())
    if not match or SENTENCE & {word.lower() for word in match["before"].split()}:
        return None
    if (match["before"] or match["name"].lower() == "eligibility") and not match["criteria"]:
        return None
    return match


def heading_label(line: str) -> str | None:
    """"inclusion", "exclusion" or "generic" for a heading line, None for any other line."""
    match = heading_match(line)
    if match is None:
        return None
    heading = line[: match.start("text")] if match["text"] is not None else line
    lowered = heading.lower()
    if ("inclusion" in lowered and "exclusion" in lowered) or match["name"].lower() == "eligibility":
        return "generic"
    return match["name"].lower()


def word(token: str) -> str:
    """A token as compared: unescaped, without a number glued before it or punctuation around it."""
    return GLUED_NUMBER.sub("", ESCAPE.sub(r"\1", token)).strip(PUNCTUATION)


@cache
def real_texts() -> dict[str, str]:
    snapshot = decode_snapshot(bundled_snapshot_bytes())
    texts = {}
    for record in snapshot["records"]:
        protocol = record["protocolSection"]
        text = protocol.get("eligibilityModule", {}).get("eligibilityCriteria")
        if text and text.strip():
            texts[protocol["identificationModule"]["nctId"]] = text
    return texts


def walk(criteria: list[Criterion]):
    for top in criteria:
        yield from top.walk()


def without_leading_markers(tokens: list[str]) -> list[str]:
    while tokens and MARKER.fullmatch(tokens[0]):
        tokens = tokens[1:]
    return tokens


def check_lossless(text: str, criteria: Criteria) -> list[str]:
    kept = Counter(word(token) for criterion_text in criteria.all_texts() for token in criterion_text.split())
    source: Counter[str] = Counter()
    heading_words: Counter[str] = Counter()
    for line in text.splitlines():
        match = heading_match(line)
        heading, rest = line, ""
        if match and match["text"] is not None:
            heading, rest = line.strip()[: match.start("text")], match["text"]
        for tokens, is_heading in ((heading, bool(match)), (rest, False)):
            words = [word(token) for token in without_leading_markers(tokens.split())]
            source.update(words)
            if is_heading:
                heading_words.update(words)
    invented = +(kept - source)
    lost = Counter({lost: count for lost, count in (source - kept).items()
                    if lost and lost.lower() not in HEADING_WORDS and not MARKER_CORE.fullmatch(lost)})
    unexplained = lost - heading_words
    return [f"invented {dict(invented)}"] * bool(invented) + [f"lost {dict(unexplained)}"] * bool(unexplained)


def check_lists(text: str, criteria: Criteria) -> list[str]:
    """Each criterion filed in the list of the heading above the line it starts on (a heading's own line may hold
    text of the list before it and of its own: "* Stable relationship Exclusion Criteria:")."""
    lines = text.splitlines()
    labels: list[set[str | None]] = []
    current: str | None = None
    for line in lines:
        here = {current}
        label = heading_label(line)
        if label:
            here.add(label)
            current = label
        for run_on in RUN_ON_HEADING.finditer(line):
            current = run_on["name"].lower()
            here.add(current)
        labels.append(here)
    flat = [" ".join(ESCAPE.sub(r"\1", line).split()) for line in lines]
    problems = []
    for filed in ("inclusion", "exclusion"):
        for criterion in walk(getattr(criteria, filed)):
            start = " ".join(criterion.text.split()[:4])
            under = set().union(*(labels[number] for number, line in enumerate(flat) if start and start in line))
            if under and filed not in under and under <= {"inclusion", "exclusion"}:
                problems.append(f"{filed} criterion under {sorted(under)}: {criterion.text[:80]!r}")
    return problems


def check_no_heading_kept(criteria: Criteria) -> list[str]:
    """No criterion is a heading alone (one with text after its colon, "renal exclusion criteria: ...", is text)."""
    return [f"heading kept: {text!r}" for text in criteria.all_texts()
            if (match := heading_match(text)) and not (match["text"] or "").strip()]


def test_the_corpus_is_every_real_record():
    assert len(real_texts()) > 600


def test_every_real_text_is_parsed_losslessly_into_the_right_lists_without_headings():
    problems = {}
    for nct_id, text in real_texts().items():
        criteria = parse_criteria(text)
        found = check_lossless(text, criteria) + check_lists(text, criteria) + check_no_heading_kept(criteria)
        if found:
            problems[nct_id] = found
    assert not problems, "\n".join(f"{nct_id}: {found}" for nct_id, found in problems.items())


@pytest.mark.parametrize(("line", "label"), [
    ("Inclusion Criteria:", "inclusion"), ("2. Exclusion Criteria", "exclusion"), ("Key Exclusion Criteria", "exclusion"),
    ("Subject Exclusion Criteria", "exclusion"), ("INCLUSION CRITERIA FOR PART B", "inclusion"),
    ("Major Eligibility Criteria:", "generic"), ("III.6 EXCLUSION CRITERIA", "exclusion"),
    ("Any inclusion criteria not met", None), ("Patients meeting the following exclusion criteria:", None),
    ("Exclusion of individuals with a history of stroke", None),
])
def test_the_tests_own_heading_rule(line, label):
    assert heading_label(line) == label


def test_real_records_the_parser_on_main_misfiled():
    """Real texts (quoted from the bundled records) whose exclusions the earlier parser put under inclusion."""
    texts = real_texts()
    run_on = parse_criteria(texts["NCT00668135"])  # "* Stable heterosexual relationship Exclusion Criteria:"
    assert [c.text for c in run_on.inclusion][-1] == "Stable heterosexual relationship"
    assert run_on.exclusion[0].text == "Primary hypoactive sexual desire"
    numbered = parse_criteria(texts["NCT05266716"])  # "III.6 EXCLUSION CRITERIA"
    assert numbered.exclusion[0].text.startswith("Individuals will be precluded from enrolling")
    assert list(walk(numbered.inclusion))[-1].text.startswith("Be willing to comply with study procedures")
    cohorts = parse_criteria(texts["NCT05868668"])  # "Erectile dysfunction cohort Inclusion Criteria:", "CP/CPPS ..."
    assert [c.text for c in cohorts.inclusion][:2] == ["Erectile dysfunction cohort", "CP/CPPS cohort"]
    assert [c.text for c in cohorts.exclusion] == ["Erectile dysfunction cohort", "CP/CPPS cohort"]
    assert all(group.children for group in cohorts.exclusion)
    empty = parse_criteria(texts["NCT00007696"])  # "Exclusion Criteria:" ends the text
    assert [c.text for c in empty.inclusion] == ["Veterans between the ages of 45 and 64."] and empty.exclusion == []
