"""Did you mean: corrections of the words no indexed trial contains, taken from the index's own vocabulary."""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh import query
from whoosh.reading import IndexReader
from whoosh.support.charset import accent_map

from search.models import SearchRequest, Suggestion

#: for a word searched in a field, the fields whose words correct it: the names a patient is likely to misspell,
#: whose fields keep words unstemmed
CORRECTING_FIELDS = {"text": ("drugs", "conditions"), "drugs": ("drugs",), "conditions": ("conditions",)}
#: options of a request checked like the query text, with the field each one searches
CHECKED_OPTIONS = {"drug": "drugs", "condition": "conditions"}
MAX_EDITS = 2
#: shorter words are left alone: too many words are one or two edits away from them
MIN_WORD_LENGTH = 4


@dataclass(frozen=True)
class _Word:
    """A word of the user's text and the (field, indexed form) terms it is searched as."""

    start: int
    end: int
    terms: tuple[tuple[str, str], ...]


def suggest(reader: IndexReader, request: SearchRequest, text_query: query.Query | None) -> Suggestion | None:
    """A corrected request when a word of the query text, ``drug`` or ``condition`` is in no trial; else None.

    `text_query` is `request.query` as parsed (its terms know where in the text they come from).
    """
    changes: dict[str, str] = {}
    if text_query is not None:
        corrected = _corrected(request.query, _query_words(text_query), reader)
        if corrected is not None:
            changes["query"] = corrected
    for option, field in CHECKED_OPTIONS.items():
        value = getattr(request, option)
        if value:
            corrected = _corrected(value, _value_words(value, field, reader), reader)
            if corrected is not None:
                changes[option] = corrected
    if not changes:
        return None
    corrected_request = request.replace(**changes)
    # the corrected words as one search in the query syntax
    shown = [corrected_request.query] if corrected_request.query else []
    shown += [f'{option}:"{value}"' for option in CHECKED_OPTIONS if (value := getattr(corrected_request, option))]
    return Suggestion(request=corrected_request, text=" ".join(shown))


def _query_words(text_query: query.Query) -> list[_Word]:
    """The parsed query's terms grouped by the word of the text they come from."""
    words: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for leaf in text_query.leaves():
        if isinstance(leaf, query.Term) and leaf.startchar is not None:
            words.setdefault((leaf.startchar, leaf.endchar), []).append((leaf.fieldname, leaf.text))
    return [_Word(start, end, tuple(terms)) for (start, end), terms in words.items()]


def _value_words(value: str, field: str, reader: IndexReader) -> list[_Word]:
    """The words of an option value, each analysed as the field analyses it."""
    analyzed = reader.schema[field]
    return [
        _Word(match.start(), match.end(),
              tuple((field, term) for term in analyzed.process_text(match.group(), mode="query")))
        for match in re.finditer(r"\w+", value)
    ]


def _corrected(text: str, words: list[_Word], reader: IndexReader) -> str | None:
    """`text` with each word that is in no trial replaced by its closest indexed word; None when nothing changed."""
    replacements = []
    for word in words:
        original = text[word.start : word.end]
        fields = sorted({correcting for field, _ in word.terms for correcting in CORRECTING_FIELDS.get(field, ())})
        if not fields or len(original) < MIN_WORD_LENGTH or any(term in reader for term in word.terms):
            continue
        closest = _closest_word(reader, original.lower().translate(accent_map), fields)
        if closest is not None:
            replacements.append((word.start, word.end, closest))
    if not replacements:
        return None
    for start, end, replacement in sorted(replacements, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _closest_word(reader: IndexReader, word: str, fields: list[str]) -> str | None:
    """The indexed word fewest edits away (sharing the first letter), the most frequent one among equals."""
    for edits in range(1, MAX_EDITS + 1):
        candidates = [
            (reader.doc_frequency(field, candidate), candidate)
            for field in fields
            for candidate in reader.terms_within(field, word, edits, prefix=1)
            if candidate != word
        ]
        if candidates:
            return str(max(candidates)[1])
    return None
