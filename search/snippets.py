"""Snippets: the part of a matched field that shows why a trial matched, with the matched words marked.

Only the words that start like a searched word are analysed (criteria are stored one a line, and the first line
with a match makes the snippet), so a snippet costs a fraction of re-analysing the whole stored text.
"""

from __future__ import annotations

import functools
import re
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping

from whoosh import query
from whoosh.analysis import Analyzer
from whoosh.reading import IndexReader
from whoosh.support.charset import accent_map

from search.models import Snippet

__all__ = [
    "MAX_SNIPPETS",
    "SEARCHED_FIELDS",
    "SNIPPET_LENGTH",
    "SNIPPET_SOURCES",
    "Words",
    "field_snippet",
    "query_words",
    "trial_snippets",
]

#: the stored fields snippets are cut from, in the order they are shown (at most `MAX_SNIPPETS`), each with the
#: indexed fields whose searched words it may contain (`text` holds conditions, drugs, summary and title too)
SNIPPET_SOURCES = {
    "exclusion": ("exclusion",),
    "inclusion": ("inclusion",),
    "drugs": ("drugs", "text"),
    "conditions": ("conditions", "text"),
    "keywords": ("conditions", "text"),
    "summary": ("text",),
    "title": ("text",),
}
#: the indexed fields whose words snippets show
SEARCHED_FIELDS = frozenset(source for sources in SNIPPET_SOURCES.values() for source in sources)
MAX_SNIPPETS = 3
SNIPPET_LENGTH = 200
_ELLIPSIS = "…"
#: a stem and the word it came from share their first characters (``studi`` / ``study``)
_PREFIX_LENGTH = 4
#: accent folding that keeps every character one character (``æ`` -> ``a``, not ``ae``)
_ONE_CHARACTER_FOLDING = {code: folded[:1] or chr(code) for code, folded in accent_map.items()}

Words = Mapping[str, frozenset[str]]


def query_words(searched: query.Query, reader: IndexReader) -> Words:
    """The indexed words a query looks for, by field (of `SEARCHED_FIELDS`); words under NOT are left out."""
    found: dict[str, set[str]] = defaultdict(set)

    def walk(node: query.Query) -> None:
        if isinstance(node, query.Not):
            return
        if isinstance(node, query.AndNot):
            walk(node.a)
        elif node.is_leaf():
            for field, text in node.expanded_terms(reader, phrases=True):
                if field in SEARCHED_FIELDS:
                    found[field].add(text.decode() if isinstance(text, bytes) else text)
        else:
            for child in node.children():
                walk(child)

    walk(searched)
    return {field: frozenset(words) for field, words in found.items()}


def trial_snippets(stored: Mapping[str, object], words: Words, analyzers: Mapping[str, Analyzer]) -> list[Snippet]:
    """Snippets from a trial's stored fields that contain a searched word, in `SNIPPET_SOURCES` order.

    `analyzers` maps each of `SEARCHED_FIELDS` to its analyzer, which turns stored text into the searched words.
    """
    snippets = []
    for field, sources in SNIPPET_SOURCES.items():
        text = stored.get(field)
        searched = [(analyzers[source], words[source]) for source in sources if source in words]
        if searched and isinstance(text, str):
            snippet = field_snippet(field, text, searched)
            if snippet is not None:
                snippets.append(snippet)
                if len(snippets) == MAX_SNIPPETS:
                    break
    return snippets


def field_snippet(field: str, text: str, searched: list[tuple[Analyzer, frozenset[str]]]) -> Snippet | None:
    """Up to `SNIPPET_LENGTH` characters of the first line of `text` holding a searched word.

    `searched` pairs an analyzer with the words (as it produces them) to look for.
    """
    candidates = _candidates(frozenset(word[:_PREFIX_LENGTH] for _, words in searched for word in words))

    def found(match: re.Match[str]) -> bool:
        return any(not words.isdisjoint(_analysed(analyzer, match.group())) for analyzer, words in searched)

    folded = _folded_or_none(text)
    if folded is None:  # a character folds to several: fold line by line (a line that does is kept as is)
        for line in text.splitlines():
            folded_line = _folded(line)
            first = next((match for match in candidates.finditer(folded_line) if found(match)), None)
            if first is not None:
                return _clip(field, line, first.span(), _spans(candidates, found, folded_line, 0))
        return None
    # the whole text at once: the line of the first searched word, then the searched words of that line
    first = next((match for match in candidates.finditer(folded) if found(match)), None)
    if first is None:
        return None
    start, end = _line_around(text, first.start())
    return _clip(field, text[start:end], (first.start() - start, first.end() - start),
                 _spans(candidates, found, folded[:end], start))


def _spans(
    candidates: re.Pattern[str], found: Callable[[re.Match[str]], bool], folded: str, line_start: int
) -> Callable[[int, int], list[tuple[int, int]]]:
    """The searched words between two places of the line that starts at `line_start` of `folded`, as line places.

    Only whole words: one running on past the end is left out (the regex is let see one character beyond it).
    """

    def between(start: int, end: int) -> list[tuple[int, int]]:
        matches = candidates.finditer(folded, line_start + start, min(len(folded), line_start + end + 1))
        return [(match.start() - line_start, match.end() - line_start) for match in matches
                if match.end() - line_start <= end and found(match)]

    return between


#: what `str.splitlines` splits at (``\r\n`` is a line end of two characters: ``\r`` ends the line)
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _line_around(text: str, position: int) -> tuple[int, int]:
    """Start and end of the line (as `str.splitlines` cuts lines) that holds `position`."""
    start = max(text.rfind(mark, 0, position) for mark in _LINE_BREAKS) + 1
    ends = [end for mark in _LINE_BREAKS if (end := text.find(mark, position)) >= 0]
    return start, min(ends, default=len(text))


@functools.lru_cache(maxsize=256)
def _candidates(prefixes: frozenset[str]) -> re.Pattern[str]:
    """Words starting with one of the prefixes (longest first, so the longest prefix wins)."""
    ordered = sorted(prefixes, key=lambda prefix: (-len(prefix), prefix))
    return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\w*")


#: analyzer -> word -> the terms it makes of it; for the few most recent analyzers (a search opens its schema's)
_ANALYSED: OrderedDict[int, tuple[Analyzer, dict[str, frozenset[str]]]] = OrderedDict()
_ANALYZERS_KEPT = 8
_WORDS_KEPT = 100_000


def _analysed(analyzer: Analyzer, word: str) -> frozenset[str]:
    """The terms `analyzer` makes of `word`, remembered: the same words come up in snippet after snippet."""
    key = id(analyzer)
    if key not in _ANALYSED:
        _ANALYSED[key] = (analyzer, {})  # the analyzer is kept too, so its id is not reused while cached
        if len(_ANALYSED) > _ANALYZERS_KEPT:
            _ANALYSED.popitem(last=False)
    terms = _ANALYSED[key][1]
    if len(terms) > _WORDS_KEPT:
        terms.clear()
    if word not in terms:
        terms[word] = frozenset(token.text for token in analyzer(word))
    return terms[word]


def _folded(line: str) -> str:
    """Lowercased and accent-folded, one character for one, so that positions in it are positions in `line`; the
    line itself when a character of it lowercases to several (``İ``)."""
    folded = _folded_or_none(line)
    return line if folded is None else folded


def _folded_or_none(text: str) -> str | None:
    folded = text.lower()
    if not folded.isascii():  # fold the runs of other characters only: translating looks every character up
        folded = _NOT_ASCII.sub(_fold_run, folded)
    return folded if len(folded) == len(text) else None


_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_ONE_CHARACTER_FOLDING)


def _clip(
    field: str, line: str, first: tuple[int, int], spans_between: Callable[[int, int], list[tuple[int, int]]]
) -> Snippet:
    """A window of the line around its first match, cut between words, its matches marked (`spans_between` the
    window's ends), with ellipses where it was cut."""
    first_start, first_end = first
    start = max(0, min(first_start - SNIPPET_LENGTH // 3, len(line) - SNIPPET_LENGTH))
    if start > 0:
        space = line.find(" ", start, first_start)
        start = space + 1 if space >= 0 else start
    end = max(first_end, min(len(line), start + SNIPPET_LENGTH))
    if end < len(line):
        space = line.rfind(" ", first_end, end)
        end = space if space >= 0 else end
    piece = line[start:end]
    start += len(piece) - len(piece.lstrip())
    end -= len(piece) - len(piece.rstrip())
    prefix = _ELLIPSIS if start > 0 else ""
    suffix = _ELLIPSIS if end < len(line.rstrip()) else ""
    shift = len(prefix) - start
    highlights = [(s + shift, e + shift) for s, e in spans_between(start, end)]
    return Snippet(field=field, text=prefix + line[start:end] + suffix, highlights=highlights)
