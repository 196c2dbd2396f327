"""Text analysis for the index: how field values and query words become terms.

The same analyzer runs at index and at query time, so normalisation done here (accent folding, British spellings,
stemming, status and phase spellings) needs no query rewriting. Whoosh pickles the schema, analyzers included, into
the index, so every class and function used here must stay importable under its name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from whoosh.analysis import (
    STOP_WORDS,
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.acore import Token
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map

__all__ = [
    "FusedAnalyzer",
    "NormalizeFilter",
    "WeightedSectionsAnalyzer",
    "american_spelling",
    "analyzer_chain",
    "keyword_analyzer",
    "name_analyzer",
    "name_term",
    "phase_term",
    "prose_term",
    "status_term",
    "text_analyzer",
    "weighted_sections",
    "weighted_text",
    "word_form",
]

#: separators of the sections of a weighted text (`weighted_text`), characters no record text contains
_SECTION, _WEIGHT = "\x1e", "\x1f"
#: positions left between two sections, so that a phrase never spans the end of one and the start of the next
_SECTION_GAP = 100
#: a keyword value: anything between whitespace and commas
_KEYWORD_PATTERN = r"[^\s,]+"
_ROMAN_NUMERALS = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_NOUN_ADJECTIVE_ENDINGS = ("anc", "enc", "ant", "ent")
_MIN_WORD_FORM = 4
#: British spelling patterns of medical words that `breame`'s word list lacks (septicaemia, oesophageal, ...), as
#: described in the usual references on British and American spelling differences; applied when the list has no entry
_BRITISH_PATTERNS = (
    (re.compile(r"aemi"), "emi"),
    (re.compile(r"^haem"), "hem"),
    (re.compile(r"paed"), "ped"),
    (re.compile(r"^(?:oe)(soph|dem|str)"), r"e\1"),
    (re.compile(r"^coeliac"), "celiac"),
    (re.compile(r"^foet"), "fet"),
    (re.compile(r"(rrh|pn)oea"), r"\1ea"),
    (re.compile(r"^(an)?aesth"), r"\1esth"),
    (re.compile(r"^aetiol"), "etiol"),
    (re.compile(r"gynaec"), "gynec"),
    (re.compile(r"^caesar"), "cesar"),
    (re.compile(r"(?<=\w{4})is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"(?<=\w{3})ys(e|ed|es|ing)$"), r"yz\1"),
)


class NormalizeFilter(Filter):
    """Rewrite every token's text with a module-level function (picklable, unlike a lambda)."""

    def __init__(self, normalize: Callable[[str], str]) -> None:
        self.normalize = normalize

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = self.normalize(token.text)
            yield token


@functools.cache
def _british_to_american() -> Mapping[str, str]:
    from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

    return BRITISH_ENGLISH_SPELLINGS  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=65536)
def american_spelling(word: str) -> str:
    """``leukaemia`` -> ``leukemia``, ``tumours`` -> ``tumors``, ``randomised`` -> ``randomized`` (lowercase words).

    `breame`'s list of British spellings first, then the patterns of medical words it lacks. A pattern that turns a
    word into a non-word does no harm: queries and documents are normalised alike, only two words made one would.
    """
    american = _british_to_american().get(word)
    if american is not None:
        return american
    for pattern, replacement in _BRITISH_PATTERNS:
        word = pattern.sub(replacement, word)
    return word


def word_form(stem: str) -> str:
    """``pregnanc`` (pregnancy) and ``pregnant`` -> ``pregn``; ``dependenc`` and ``depend`` -> ``depend``.

    The stemmer leaves a noun in -ancy/-ency and its adjective in -ant/-ent apart; both lose the ending here, when at
    least `_MIN_WORD_FORM` characters remain (``parent``, ``want`` stay).
    """
    if stem.endswith(_NOUN_ADJECTIVE_ENDINGS) and not stem.endswith("ment") and len(stem) - 3 >= _MIN_WORD_FORM:
        return stem[:-3]
    return stem


def status_term(text: str) -> str:
    """``NOT_YET_RECRUITING``, ``not-yet-recruiting`` -> ``not_yet_recruiting``."""
    return text.lower().replace("-", "_")


def phase_term(text: str) -> str:
    """``PHASE2``, ``phase-2``, ``2``, ``II`` -> ``2``; ``EARLY_PHASE1`` -> ``early1``; ``NA``, ``n/a`` -> ``na``."""
    compact = text.lower().replace("-", "").replace("_", "").replace("/", "")
    early = compact.startswith("early")
    number = compact.removeprefix("early").removeprefix("phase")
    return ("early" if early else "") + _ROMAN_NUMERALS.get(number, number)


def text_analyzer() -> Analyzer:
    """Prose (titles, summaries, criteria): words, lowercased, accent-folded, stop words dropped, American
    spelling, stemmed (Snowball English), nouns in -ancy/-ency met with their adjectives (`word_form`)."""
    return FusedAnalyzer(stem=True)


def name_analyzer() -> Analyzer:
    """Names (drugs, conditions, sponsors, places): like prose but not stemmed, so spelling suggestions are words."""
    return FusedAnalyzer(stem=False)


def analyzer_chain(stem: bool) -> Analyzer:
    """The analysis of `FusedAnalyzer` as Whoosh's chain of filters: what it does in one pass, step by step."""
    chain = (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOP_WORDS)
        | NormalizeFilter(american_spelling)
    )
    return chain | StemFilter(lang="en") | NormalizeFilter(word_form) if stem else chain


_WORD_PATTERN = RegexTokenizer().expression
_STOP_WORDS = frozenset(STOP_WORDS)
#: `StopFilter`'s default: shorter words are stop words
_MIN_WORD = 2
_english_stem = stemmer_for_language("en")
#: words remembered by `name_term` and `prose_term` (a registry-scale vocabulary is ~10^6 words)
_TERM_CACHE = 1 << 18


@functools.lru_cache(maxsize=_TERM_CACHE)
def name_term(word: str) -> str | None:
    """The term of one word as the name chain makes it (lowercase, accent fold, stop words, American spelling);
    None for a stop word."""
    text = word.lower().translate(accent_map)
    if len(text) < _MIN_WORD or text in _STOP_WORDS:
        return None
    return american_spelling(text)


@functools.lru_cache(maxsize=_TERM_CACHE)
def prose_term(word: str) -> str | None:
    """`name_term`, then stemmed and `word_form`: the term of one word of prose; None for a stop word."""
    name = name_term(word)
    return None if name is None else word_form(_english_stem(name))


class FusedAnalyzer(Analyzer):
    """`analyzer_chain` in one pass: each word's term is computed once per process (`name_term`, `prose_term`)
    and a token is made per word without the seven generator layers of the chain. Same tokens, same positions
    (stop words removed and the positions renumbered as `StopFilter` does), so the index is the same
    (`tests/test_index_identical.py`). Calls the pass does not cover (character offsets for highlighting, stop words
    kept, the original text kept, no tokenizing) go through the chain itself."""

    def __init__(self, stem: bool) -> None:
        self.stem = stem
        self.chain = analyzer_chain(stem)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FusedAnalyzer) and other.stem == self.stem

    def __hash__(self) -> int:
        return hash((FusedAnalyzer, self.stem))

    def has_morph(self) -> bool:
        return self.stem

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: Any) -> Iterator[Token]:
        if chars or keeporiginal or not removestops or not tokenize:
            yield from self.chain(value, positions=positions, chars=chars, keeporiginal=keeporiginal,
                                  removestops=removestops, start_pos=start_pos, start_char=start_char,
                                  tokenize=tokenize, mode=mode, **kwargs)
            return
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for term, position in self.positioned_terms(value, start_pos):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = position
            yield token

    def positioned_terms(self, value: str, start_pos: int = 0) -> Iterator[tuple[str, int]]:
        """(term, position) of each kept word, what the tokens of ``self(value, positions=True)`` carry; without
        making tokens, `index.postings` reads these directly."""
        term_of = prose_term if self.stem else name_term
        position: int | None = None
        for index, match in enumerate(_WORD_PATTERN.finditer(value)):
            term = term_of(match.group())
            if term is not None:
                # StopFilter's renumbering: the first kept word keeps its position, the next ones follow it
                position = start_pos + index if position is None else position + 1
                yield term, position


def keyword_analyzer(normalize: Callable[[str], str]) -> Analyzer:
    """Coded values (status, phase): one term per whitespace- or comma-separated value, normalised."""
    return RegexTokenizer(_KEYWORD_PATTERN) | NormalizeFilter(normalize)


def weighted_text(sections: Iterable[tuple[float, str]]) -> str:
    """One value made of (weight, text) sections, for a field analysed by `WeightedSectionsAnalyzer`."""
    return "".join(f"{_SECTION}{weight:g}{_WEIGHT}{text}" for weight, text in sections if text)


def weighted_sections(value: str) -> list[tuple[float, str]]:
    """The (weight, text) sections of a `weighted_text`; a plain string is one section of weight 1."""
    if not value.startswith(_SECTION):
        return [(1.0, value)]
    return [(float(weight), text) for weight, _, text in (s.partition(_WEIGHT) for s in value.split(_SECTION)[1:])]


class WeightedSectionsAnalyzer(Analyzer):
    """Analyse each section of a `weighted_text` with an inner analyzer; its words count `weight` times.

    This is BM25F inside one field: a word of a section of weight 4 adds 4 to the word's frequency. A plain string
    (a query, or a value without sections) is one section of weight 1.
    """

    def __init__(self, inner: Analyzer) -> None:
        self.inner = inner

    def has_morph(self) -> bool:
        return bool(self.inner.has_morph())

    def weighted_positions(self, value: str) -> tuple[dict[str, list[int]], dict[str, float]] | None:
        """Each term's positions and summed weight, as ``self(value, positions=True)`` gives them token by token;
        None when the inner analyzer cannot say without making tokens (`index.postings`)."""
        if not isinstance(self.inner, FusedAnalyzer):
            return None
        positions: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        position = 0
        for weight, text in weighted_sections(value):
            for term, at in self.inner.positioned_terms(text, start_pos=position):
                if term in positions:
                    positions[term].append(at)
                    weights[term] += weight
                else:
                    positions[term] = [at]
                    weights[term] = 0.0 + weight
                position = at + 1
            position += _SECTION_GAP
        return positions, weights

    def __call__(self, value: str, positions: bool = False, start_pos: int = 0, **kwargs: Any) -> Iterator[Token]:
        position = start_pos
        for weight, text in weighted_sections(value):
            for token in self.inner(text, positions=positions, start_pos=position, **kwargs):
                token.boost = weight
                if positions:
                    position = token.pos + 1
                yield token
            position += _SECTION_GAP
