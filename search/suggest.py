"""Spelling help that does no harm: corrections of words no trial mentions, from the index's own vocabulary.

A correction is suggested freely (one edit away for a word of up to five letters, at most two beyond), and run
instead of the words as typed when it is confident (`Suggestion.confident`: the corrected word names conditions or
drugs in at least `CONFIDENT_TRIALS` trials and no other word as close is nearly as common) or when the words as
typed find nothing. A word that matched something is never replaced, and a word that looks like a code or an
abbreviation (a digit, or two capitals: RPH-075, APHP) is never corrected.

Candidates come from the vocabulary's words (`index.vocabulary`) bucketed by length, compared by rapidfuzz's
Levenshtein distance in C: a few milliseconds for a misspelt word at 100,000 trials.
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from whoosh import query
from whoosh.reading import IndexReader

from index.vocabulary import MIN_SPELLING_LENGTH, Vocabulary, phrase_key
from search.models import SearchRequest, Suggestion

__all__ = [
    "CHECKED_OPTIONS",
    "CONFIDENT_TRIALS",
    "MATCHING_FIELDS",
    "MAX_CORRECTED_LENGTH",
    "RIVAL_SHARE",
    "SHORT_WORD",
    "SpellingWords",
    "spelling_words",
    "suggest",
]

#: for a word searched in a field, the fields in which finding it means it matched
MATCHING_FIELDS = {"text": ("text", "inclusion", "exclusion"), "drugs": ("drugs",), "conditions": ("conditions",)}
#: options of a request checked like the query text, with the field each one searches
CHECKED_OPTIONS = {"drug": "drugs", "condition": "conditions"}
#: words of up to this many letters are corrected one edit away at most, longer ones two
SHORT_WORD = 5
#: a correction is run only when the corrected word is in at least this many trials
CONFIDENT_TRIALS = 2
#: ... and no other candidate as close is in more than this share of the trials the best one is in
RIVAL_SHARE = 0.5
_CODE_LIKE = re.compile(r"\d|[A-Z].*[A-Z]")
#: words longer than this are no misspelt word of a record (the longest in the registry's vocabulary have ~30
#: letters) and cost time to compare: never corrected
MAX_CORRECTED_LENGTH = 40
#: nor is a word with a letter four times in a row (aaaa, zzzzz): a key held down, not a word
_HELD_KEY = re.compile(r"(.)\1{3}", re.IGNORECASE)


@dataclass(frozen=True)
class _Word:
    """A word of the user's text and the (field, indexed form) terms it is searched as."""

    start: int
    end: int
    terms: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Correction:
    start: int
    end: int
    word: str
    confident: bool


class SpellingWords:
    """The vocabulary's words bucketed by length and by their first and by their second letter.

    A misspelt word is compared with the words of its length range that share its first letter or its second one,
    or whose first or second letter is its second or first: every word one edit away but for two slips in the
    first two letters, at a fraction of the comparisons.
    """

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = counts
        buckets: defaultdict[tuple[int, int, str], list[str]] = defaultdict(list)
        for word in counts:
            buckets[len(word), 0, word[0]].append(word)
            buckets[len(word), 1, word[1]].append(word)
        self.buckets = dict(buckets)

    def closest(self, word: str) -> tuple[str, bool] | None:
        """The closest common word and whether correcting to it is confident; None when nothing is close."""
        edits = 1 if len(word) <= SHORT_WORD else 2
        keys = {(0, word[0]), (1, word[1]), (0, word[1]), (1, word[0])}
        found: dict[str, float] = {}
        for length in range(len(word) - edits, len(word) + edits + 1):
            for place, letter in keys:
                bucket = self.buckets.get((length, place, letter))
                if bucket:
                    for candidate, distance, _ in process.extract(
                        word, bucket, scorer=Levenshtein.distance, score_cutoff=edits, limit=None
                    ):
                        found[candidate] = distance
        if not found:
            return None
        nearest = min(found.values())
        # among the nearest, the most common, then the one sharing most letters with the word (Indel similarity)
        closest = sorted((candidate for candidate, distance in found.items() if distance == nearest),
                         key=lambda candidate: (-self.counts[candidate], -fuzz.ratio(word, candidate), candidate))
        best = closest[0]
        confident = self.counts[best] >= CONFIDENT_TRIALS and not any(
            self.counts[rival] > self.counts[best] * RIVAL_SHARE for rival in closest[1:])
        return best, confident


_FROM_VOCABULARY: weakref.WeakKeyDictionary[Vocabulary, SpellingWords] = weakref.WeakKeyDictionary()
_FROM_READER: weakref.WeakKeyDictionary[IndexReader, SpellingWords] = weakref.WeakKeyDictionary()


def spelling_words(reader: IndexReader, vocabulary: Vocabulary | None) -> SpellingWords:
    """The words corrections are taken from: the vocabulary's, or (an index without one) the index's names."""
    if vocabulary is not None and vocabulary.words:
        if vocabulary not in _FROM_VOCABULARY:
            _FROM_VOCABULARY[vocabulary] = SpellingWords(vocabulary.words)
        return _FROM_VOCABULARY[vocabulary]
    if reader not in _FROM_READER:
        counts: dict[str, int] = {}
        for field in ("conditions", "drugs"):
            for term, info in reader.iter_field(field):
                word = term.decode() if isinstance(term, bytes) else str(term)
                if len(word) >= MIN_SPELLING_LENGTH and word.isalpha():
                    counts[word] = max(counts.get(word, 0), info.doc_frequency())
        _FROM_READER[reader] = SpellingWords(counts)
    return _FROM_READER[reader]


def suggest(
    reader: IndexReader, request: SearchRequest, text_query: query.Query | None, vocabulary: Vocabulary | None = None
) -> Suggestion | None:
    """A corrected request when a word of the query text, ``drug`` or ``condition`` is in no trial; else None.

    `text_query` is `request.query` as parsed (its terms know where in the text they come from).
    """
    words = spelling_words(reader, vocabulary)
    changes: dict[str, str] = {}
    confident = True
    for option, value, found in (
        ("query", request.query, _query_words(text_query) if text_query is not None else []),
        *((option, getattr(request, option), _value_words(getattr(request, option) or "", field, reader))
          for option, field in CHECKED_OPTIONS.items()),
    ):
        if not value:
            continue
        corrections = _corrections(value, found, reader, words)
        if corrections:
            changes[option] = _replaced(value, corrections)
            confident = confident and all(correction.confident for correction in corrections)
    if not changes:
        return None
    corrected_request = request.replace(**changes)
    # the corrected words as one search in the query syntax
    shown = [corrected_request.query] if corrected_request.query else []
    shown += [f'{option}:"{value}"' for option in CHECKED_OPTIONS if (value := getattr(corrected_request, option))]
    return Suggestion(request=corrected_request, text=" ".join(shown), confident=confident)


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


def _corrections(text: str, words: list[_Word], reader: IndexReader, spelling: SpellingWords) -> list[_Correction]:
    """A correction for each word of `text` that is in no trial and close to a word of the vocabulary."""
    corrections = []
    for word in words:
        original = text[word.start : word.end]
        if not word.terms or not _may_be_misspelt(original):
            continue
        if any(reader.doc_frequency(field, term) for searched, term in word.terms
               for field in MATCHING_FIELDS.get(searched, (searched,))):
            continue
        closest = spelling.closest(phrase_key(original)) if not _CODE_LIKE.search(original) else None
        if closest is not None:
            corrected, confident = closest
            corrections.append(_Correction(word.start, word.end, corrected, confident))
    return corrections


def _may_be_misspelt(word: str) -> bool:
    """Whether `word` could be a misspelling worth correcting: letters only, of a word's length, no held key."""
    return (MIN_SPELLING_LENGTH <= len(word) <= MAX_CORRECTED_LENGTH and word.isalpha()
            and not _HELD_KEY.search(word))


def _replaced(text: str, corrections: list[_Correction]) -> str:
    for correction in sorted(corrections, key=lambda correction: correction.start, reverse=True):
        text = text[: correction.start] + correction.word + text[correction.end :]
    return text
