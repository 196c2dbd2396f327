"""Snippets cut from stored text: the first line holding a searched word, its searched words marked."""

from __future__ import annotations

import pytest

from index.analysis import text_analyzer
from search.snippets import field_snippet

PROSE = text_analyzer()


def snippet_of(text: str, *words: str) -> tuple[str, list[str]] | None:
    searched = [(PROSE, frozenset(token.text for word in words for token in PROSE(word)))]
    snippet = field_snippet("exclusion", text, searched)
    if snippet is None:
        return None
    return snippet.text, [snippet.text[start:end] for start, end in snippet.highlights]


def test_the_first_line_with_a_searched_word_and_its_words_marked():
    text = "Emergency surgery\nPregnant or breastfeeding women\nPregnancy test refused"
    assert snippet_of(text, "pregnancy") == ("Pregnant or breastfeeding women", ["Pregnant"])
    assert snippet_of(text, "breastfeeding", "women") == ("Pregnant or breastfeeding women", ["breastfeeding", "women"])


def test_no_searched_word_no_snippet():
    assert snippet_of("Emergency surgery\nMorbid obesity", "pregnant") is None


@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\r", "\u2028", "\x0c"])
def test_lines_end_where_str_splitlines_ends_them(line_break):
    text = line_break.join(["Emergency surgery", "Known allergy to lenalidomide", "Active infection"])
    assert snippet_of(text, "lenalidomide") == ("Known allergy to lenalidomide", ["lenalidomide"])


def test_a_character_that_lowercases_to_two_keeps_the_other_lines_folded():
    # "İ" lowercases to two characters: positions in the folded text would no longer be positions in the line
    text = "Difficult intubation story\nİmpaired airway anatomy\nMorbidly obese"
    assert snippet_of(text, "airway", "difficult") == ("Difficult intubation story", ["Difficult"])
    assert snippet_of(text, "airway") == ("İmpaired airway anatomy", ["airway"])
    assert snippet_of(text, "obese") == ("Morbidly obese", ["obese"])


def test_accents_are_folded_and_a_long_line_is_clipped_between_words():
    line = "Prior treatment with " + "other immunosuppressive agents " * 12 + "or méthotrexate within 3 months"
    text, marked = snippet_of("Age under 18\n" + line, "methotrexate")
    assert marked == ["méthotrexate"]
    assert text.startswith("…") and len(text) <= 202
