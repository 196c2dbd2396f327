"""Best match for plain words: trials matching every word first, then those matching most of them, by score.

Each plain word of the query is a slot. A slot is matched by the word itself in the weighted `text` field (titles,
conditions, drugs above summaries, see `index.schema.TEXT_WEIGHTS`), in the criteria (`CRITERIA_WEIGHT`: a hit there
is shown as an inclusion or an exclusion), or by what the registry's vocabulary says the word, or a run of words,
means (`index.vocabulary`, at `SYNONYM_WEIGHT`, in the conditions and drugs fields, where the registry's names are).
A trial's rank is (slots matched, score): coordination first, then the summed scores of every clause it matches.
What the query requires besides (field syntax, phrases, options) must match, and adds its score.

Clauses are evaluated on whole posting lists (`search.fastpath`), a part it does not evaluate by Whoosh.
"""

from __future__ import annotations

import heapq
import weakref
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass

from whoosh import query
from whoosh.fields import Schema
from whoosh.searching import Searcher

from index.vocabulary import Vocabulary, phrase_key
from search import dense
from search.caching import SizedCache, per_reader
from search.fastpath import FastSearch, Unsupported
from search.ranking import Ranked

__all__ = [
    "CACHED_POSTINGS",
    "CRITERIA_FIELDS",
    "CRITERIA_WEIGHT",
    "MAX_PHRASE_WORDS",
    "SYNONYM_FIELDS",
    "SYNONYM_WEIGHT",
    "BestMatch",
    "Clause",
    "best_match",
    "top",
]

#: the weight of a word found only in the criteria, against 1 for the word in the text field
CRITERIA_WEIGHT = 0.3
#: the weight of a phrase meaning the same as a run of query words, by the registry's vocabulary
SYNONYM_WEIGHT = 0.5
#: the longest run of query words looked up in the vocabulary
MAX_PHRASE_WORDS = 5
#: the fields a synonym is looked for in: the registry's names of conditions (with MeSH terms) and of drugs
SYNONYM_FIELDS = ("conditions", "drugs")
CRITERIA_FIELDS = ("inclusion", "exclusion")
#: the clause scores kept for later searches with the same reader, in documents (about 100 bytes each)
CACHED_POSTINGS = 500_000


@dataclass(frozen=True)
class Clause:
    """A query that, where it matches, matches the slots `covers` and adds its score times `weight`."""

    query: query.Query
    weight: float
    covers: frozenset[int]
    #: clauses of one group count once, by the best of them (a word in the inclusion and the exclusion criteria)
    group: str | None = None


@dataclass(frozen=True)
class BestMatch:
    """The plain words of a query as clauses, and what must match besides."""

    clauses: tuple[Clause, ...]
    #: the phrases the vocabulary read the words as (for the "understood as" line)
    synonyms: tuple[tuple[str, str], ...]
    required: query.Query | None

    def as_query(self) -> query.Query:
        """One Whoosh query matching what this matches (for snippets and counting words)."""
        either = query.Or([clause.query for clause in self.clauses])
        return either if self.required is None else query.And([self.required, either])


def best_match(
    text: str, words: Sequence[query.Query], required: query.Query | None, schema: Schema,
    vocabulary: Vocabulary | None,
) -> BestMatch:
    """The clauses of the plain `words` (parsed terms of the `text` field, with their places in `text`)."""
    clauses: list[Clause] = []
    for slot, word in enumerate(words):
        covers = frozenset({slot})
        clauses.append(Clause(word, 1.0, covers))
        for field in CRITERIA_FIELDS:
            clauses.append(Clause(_in_field(word, field), CRITERIA_WEIGHT, covers, group=f"criteria {slot}"))
    synonyms: list[tuple[str, str]] = []
    if vocabulary is not None and vocabulary.synonyms:
        for first, last, meaning in _meanings(text, words, vocabulary):
            said = {term for word in words[first : last + 1] for _, term in word.iter_all_terms()}
            meant = _field_queries(schema, meaning, exclude=said)
            if meant:
                covers = frozenset(range(first, last + 1))
                clauses += [Clause(meant_query, SYNONYM_WEIGHT, covers, group=f"synonyms {first} {last}")
                            for meant_query in meant]
                synonyms.append((text[words[first].startchar : words[last].endchar], meaning))
    return BestMatch(tuple(clauses), tuple(synonyms), required)


def _in_field(word: query.Query, field: str) -> query.Query:
    moved = word.copy()
    for leaf in (moved, *moved.leaves()):
        if hasattr(leaf, "fieldname"):
            leaf.fieldname = field
    return moved


def _meanings(text: str, words: Sequence[query.Query], vocabulary: Vocabulary) -> Iterator[tuple[int, int, str]]:
    """(first slot, last slot, phrase) for every run of words the vocabulary knows a meaning of."""
    for first in range(len(words)):
        for last in range(first, min(len(words), first + MAX_PHRASE_WORDS)):
            start, end = words[first].startchar, words[last].endchar
            if start is None or end is None:
                continue
            for meaning in vocabulary.synonyms.get(phrase_key(text[start:end]), ()):
                yield first, last, meaning


def _field_queries(schema: Schema, phrase: str, exclude: set[str]) -> list[query.Query]:
    """All the words of `phrase`, in each of `SYNONYM_FIELDS`; none when the query says them all already."""
    queries = []
    for field in SYNONYM_FIELDS:
        terms = list(dict.fromkeys(schema[field].process_text(phrase, mode="query")))
        # "Sildenafil 100 mg" means sildenafil: a dose is no part of the name
        terms = [term for term in terms if not _is_dose(term)] or terms
        if not terms:
            continue
        if set(schema["text"].process_text(phrase, mode="query")) <= exclude:
            return []
        queries.append(query.Term(field, terms[0]) if len(terms) == 1
                       else query.And([query.Term(field, term) for term in terms]))
    return queries


_DOSE_UNITS = frozenset({"mg", "g", "mcg", "ug", "µg", "ml", "l", "kg", "iu", "units", "unit", "dose", "doses"})


def _is_dose(term: str) -> bool:
    return term.replace(".", "").isdigit() or term in _DOSE_UNITS


def top(
    searcher: Searcher,
    best: BestMatch,
    limit: int,
    within: set[int] | None,
    allow: Container[int] | None,
    exclude: Container[int] | None,
) -> tuple[Ranked, int, dict[int, frozenset[str]]]:
    """The best `limit` documents (of `within`, that `allow` has and `exclude` has not), how many match, and for
    each of the best the fields its plain words matched in."""
    fast = _fast(searcher)
    required = _cached_scores(searcher, fast, best.required) if best.required is not None else None
    by_clause = [(clause, _cached_scores(searcher, fast, clause.query)) for clause in best.clauses]
    postings = sum(len(scores.mapping) for _, scores in by_clause) + (len(required.mapping) if required else 0)
    slots = sorted(frozenset().union(*(clause.covers for clause in best.clauses)))
    if dense.worth_it(postings, len(slots), searcher.reader()):
        ranked, total = _top_dense(searcher, by_clause, slots, required, limit, within, allow, exclude)
    else:
        ranked, total = _top_dicts(by_clause, required, limit, within, allow, exclude)
    fields = {docnum: frozenset(field for clause, scores in by_clause if docnum in scores.mapping
                                for field, _ in clause.query.iter_all_terms())
              for docnum, _ in ranked}
    return ranked, total, fields


def _top_dicts(
    by_clause: list[tuple[Clause, _Scores]],
    required_scores: _Scores | None,
    limit: int,
    within: set[int] | None,
    allow: Container[int] | None,
    exclude: Container[int] | None,
) -> tuple[Ranked, int]:
    """`top` in dicts: a few Python operations per posting, for searches with few."""
    required = _restricted(required_scores.mapping, within) if required_scores is not None else None
    narrowed = set(required) if required is not None else within
    if narrowed is not None and within is not None:
        narrowed &= within
    scores: dict[int, float] = {}
    covered: dict[int, set[int]] = {}
    grouped: dict[str, dict[int, float]] = {}
    for clause, clause_scores in by_clause:
        matched = _restricted(clause_scores.mapping, narrowed)
        if clause.group is None:
            for docnum, score in matched.items():
                scores[docnum] = scores.get(docnum, 0.0) + score * clause.weight
        else:
            best_of_group = grouped.setdefault(clause.group, {})
            for docnum, score in matched.items():
                best_of_group[docnum] = max(best_of_group.get(docnum, 0.0), score * clause.weight)
        for docnum in matched:
            covered.setdefault(docnum, set()).update(clause.covers)
    for best_of_group in grouped.values():
        for docnum, score in best_of_group.items():
            scores[docnum] = scores.get(docnum, 0.0) + score
    if required is not None:
        for docnum, score in required.items():
            scores[docnum] = scores.get(docnum, 0.0) + score
            covered.setdefault(docnum, set())
    candidates = [
        (len(covered[docnum]), score, docnum) for docnum, score in scores.items()
        if (allow is None or docnum in allow) and (exclude is None or docnum not in exclude)
        and (within is None or docnum in within)
    ]
    best_ones = heapq.nsmallest(limit, candidates, key=lambda item: (-item[0], -item[1], item[2]))
    return [(docnum, score) for _, score, docnum in best_ones], len(candidates)


def _top_dense(
    searcher: Searcher,
    by_clause: list[tuple[Clause, _Scores]],
    slots: list[int],
    required: _Scores | None,
    limit: int,
    within: set[int] | None,
    allow: Container[int] | None,
    exclude: Container[int] | None,
) -> tuple[Ranked, int]:
    """`top` in arrays (`search.dense`), for searches with many postings; each of the query's word `slots` is a bit."""
    bit = {slot: 1 << number for number, slot in enumerate(slots)}
    clauses = [(scores.arrays(), clause.weight, sum(bit[slot] for slot in clause.covers), clause.group)
               for clause, scores in by_clause]
    return dense.rank(searcher.doc_count_all(), clauses, required.arrays() if required else None, limit, within,
                      allow, exclude)


def _fast(searcher: Searcher) -> FastSearch | None:
    try:
        return FastSearch(searcher)
    except Unsupported:
        return None


class _Scores:
    """Every document one clause matches with its score; as arrays too once a dense ranking asked."""

    __slots__ = ("_arrays", "mapping")

    def __init__(self, mapping: dict[int, float]) -> None:
        self.mapping = mapping
        self._arrays: dense.ClauseArrays | None = None

    def arrays(self) -> dense.ClauseArrays:
        if self._arrays is None:
            self._arrays = dense.ClauseArrays(self.mapping)
        return self._arrays


def _cached_scores(searcher: Searcher, fast: FastSearch | None, q: query.Query) -> _Scores:
    """Every document `q` matches with its score; a clause's scores are kept with the index reader."""
    cache = per_reader(_SCORES, searcher.reader(), CACHED_POSTINGS, _size)
    key = repr(q)
    scores = cache.get(key)
    if scores is None:
        scores = _Scores(_all_scores(searcher, fast, q))
        cache.put(key, scores)
    return scores


def _restricted(scores: dict[int, float], within: set[int] | None) -> dict[int, float]:
    if within is None:
        return scores
    if len(within) < len(scores):
        return {docnum: scores[docnum] for docnum in within if docnum in scores}
    return {docnum: score for docnum, score in scores.items() if docnum in within}


def _size(scores: _Scores) -> int:
    return len(scores.mapping)


#: index reader -> recently searched clauses' scores; a reader never changes, and goes with its searcher
_SCORES: weakref.WeakKeyDictionary[object, SizedCache[_Scores]] = weakref.WeakKeyDictionary()


def _all_scores(searcher: Searcher, fast: FastSearch | None, q: query.Query) -> dict[int, float]:
    """Every document `q` matches with its score: from whole posting lists, or by Whoosh."""
    if fast is not None:
        try:
            node = fast.node(q)
        except Unsupported:
            pass
        else:
            if node.is_exact:
                return node.bounds
            return {docnum: score for docnum in node.bounds if (score := node.exact(docnum)) is not None}
    return {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}
