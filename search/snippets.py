"""Snippets: the part of a matched field that shows why a trial matched, with the matched words marked.

Only the words that start like a searched word are analysed (criteria are stored one a line, and the first line
with a match makes the snippet), so a snippet costs a fraction of re-analysing the whole stored text.
"""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from collections.abc import Mapping

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
    prefixes = sorted({word[:_PREFIX_LENGTH] for _, words in searched for word in words}, key=len, reverse=True)
    candidates = re.compile(r"\b(?:" + "|".join(map(re.escape, prefixes)) + r")\w*")
    for line in text.splitlines():
        spans = [
            match.span() for match in candidates.finditer(_folded(line))
            if any(not words.isdisjoint(_analysed(analyzer, match.group())) for analyzer, words in searched)
        ]
        if spans:
            return _clip(field, line, spans)
    return None


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
    """Lowercased and accent-folded, one character for one, so that positions in it are positions in `line`."""
    folded = line.lower().translate(_ONE_CHARACTER_FOLDING)
    return folded if len(folded) == len(line) else line


def _clip(field: str, line: str, spans: list[tuple[int, int]]) -> Snippet:
    """A window of the line around its first match, cut between words, with ellipses where it was cut."""
    first_start, first_end = spans[0]
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
    highlights = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return Snippet(field=field, text=prefix + line[start:end] + suffix, highlights=highlights)
