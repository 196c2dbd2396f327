"""Top-N search for the common query shapes, on whole posting lists instead of Whoosh's matcher tree.

Whoosh's matchers advance one posting at a time in pure Python, and their block-max skipping cannot help a
conjunction (it adds up the best weights of each word's block, which come from different trials) or a phrase
(positions are decoded for every candidate). For a query made only of terms, phrases, ``AND`` and plain ``OR``,
this module reads each word's postings a block at a time into a dict (document -> weight, C-level work), scores with
the same `SaturatedTfIdf` arithmetic, intersects and unites dicts, applies the filters as sets, and checks phrase
positions only for the candidates that could still enter the top N, best first: a phrase scores what its words
score (as in Whoosh), so its words' score is an exact upper bound.

The results are Whoosh's: same documents, same scores, same order (score descending, then document number).
Anything else (``NOT``, wildcards, ranges, fuzzy terms, another weighting) returns None, and the caller runs Whoosh.
"""

from __future__ import annotations

import heapq
import weakref
from collections.abc import Callable, Collection, Container
from dataclasses import dataclass
from itertools import accumulate

from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.searching import Searcher

from search.caching import SizedCache, per_reader
from search.ranking import Ranked, SaturatedTfIdf

__all__ = ["CACHED_FIELDS", "CACHED_POSTINGS", "FastSearch", "Unsupported"]

#: fields of coded values (a few terms each, used as filters: status, phase, sex, age group, study type), and the
#: countries (a few hundred names, words or phrases, a filter too): their document sets are cached per index reader
CACHED_FIELDS = frozenset({"status", "phase", "sex", "age_groups", "study_type", "countries"})
#: index reader -> (field, text) -> documents; a reader never changes, and is dropped with its searcher
_DOCSETS: weakref.WeakKeyDictionary[object, dict[tuple[str, object], set[int]]] = weakref.WeakKeyDictionary()


class Unsupported(Exception):
    """The query has a part this module does not evaluate: let Whoosh run it."""


@dataclass
class _Postings:
    """One term's postings over the whole index: global document number -> weight, and -> encoded value if asked."""

    weights: dict[int, float]
    values: dict[int, bytes] | None

    def size(self) -> int:
        return len(self.weights) + len(self.values or ())


#: the postings kept with an index reader for later searches (about 100 bytes each, positions apart)
CACHED_POSTINGS = 500_000
#: index reader -> recently read postings (`FastSearch.postings`)
_POSTINGS: weakref.WeakKeyDictionary[object, SizedCache[_Postings]] = weakref.WeakKeyDictionary()


@dataclass
class _Node:
    """A query part: the documents it may match with an upper bound of their score, and the exact check.

    `exact(docnum)` returns the document's exact score, or None when it does not match after all (a phrase whose
    words are there but not next to each other). When `is_exact`, `bounds` are the exact scores.
    """

    bounds: dict[int, float]
    is_exact: bool
    exact: Callable[[int], float | None]


@dataclass
class _TermNode:
    """A term, not yet scored: scoring waits until the documents are narrowed down."""

    weights: dict[int, float]
    score: Callable[[float], float]


class FastSearch:
    """Evaluate queries on one searcher (one per search: posting lists are read afresh each time)."""

    def __init__(self, searcher: Searcher) -> None:
        if not isinstance(searcher.weighting, SaturatedTfIdf):
            raise Unsupported("another weighting")
        self.searcher = searcher
        self.leaves = searcher.leaf_searchers()
        self._cache = per_reader(_POSTINGS, searcher.reader(), CACHED_POSTINGS, _Postings.size)

    # -- postings

    def postings(self, field: str, text: bytes, values: bool = False) -> _Postings:
        """A term's postings, read whole (and kept with the reader for the next searches)."""
        found = self._cache.get((field, text, True)) or (None if values else self._cache.get((field, text, False)))
        if found is None:
            weights: dict[int, float] = {}
            encoded: dict[int, bytes] | None = {} if values else None
            for leaf, offset in self.leaves:
                reader = leaf.reader()
                if (field, text) not in reader:
                    continue
                self._read_leaf(reader, field, text, offset, weights, encoded)
            found = _Postings(weights, encoded)
            self._cache.put((field, text, values), found)
        return found

    @staticmethod
    def _read_leaf(reader, field, text, offset, weights, encoded) -> None:  # type: ignore[no-untyped-def]
        matcher = reader.postings(field, text)
        if type(matcher) is W3LeafMatcher:
            while matcher.is_active():
                matcher._read_data()
                ids = matcher._data[0]
                if not matcher._byteids:
                    ids = accumulate(ids, initial=offset) if offset else accumulate(ids)
                    if offset:
                        next(ids)
                elif offset:
                    ids = [docnum + offset for docnum in ids]
                ids = list(ids)
                matcher._read_weights()
                weights.update(zip(ids, matcher._weights, strict=True))
                if encoded is not None:
                    matcher._read_values()
                    encoded.update(zip(ids, matcher._values, strict=True))
                matcher._next_block()
        else:  # a term with few postings (stored inline), or a segment with deletions (Whoosh filters them out)
            while matcher.is_active():
                docnum = matcher.id() + offset
                weights[docnum] = matcher.weight()
                if encoded is not None:
                    encoded[docnum] = matcher.value()
                matcher.next()

    # -- scoring

    def node(self, q: query.Query, within: set[int] | None = None) -> _Node:
        """Evaluate a query; only documents of `within` (when given) are kept."""
        kind = type(q)
        if kind is query.Term:
            return self._scored([self._term(q)], 1.0, within)
        if kind is query.Phrase:
            return self._phrase(q, within)
        if kind is query.And:
            terms = [self._term(child) for child in q.subqueries if type(child) is query.Term]
            others = [child for child in q.subqueries if type(child) is not query.Term]
            if not others:
                return self._scored(terms, q.boost, within)
            nodes = [self.node(child, within) for child in others]
            if terms:
                narrowed = set(nodes[0].bounds)
                for node in nodes[1:]:
                    narrowed.intersection_update(node.bounds)
                nodes.append(self._scored(terms, 1.0, narrowed))
            return self._and(nodes, q.boost)
        if kind is query.Or and not q.minmatch and q.scale is None:
            return self._or([self.node(child, within) for child in q.subqueries], q.boost)
        raise Unsupported(kind.__name__)

    def _term(self, q: query.Term) -> _TermNode:
        field = self._field(q.fieldname)
        try:
            text = field.to_bytes(q.text)
        except ValueError as error:
            raise Unsupported("not a value of the field") from error
        if (q.fieldname, text) not in self.searcher.reader():
            return _TermNode({}, float)
        postings = self.postings(q.fieldname, text)
        scorer = self.searcher.weighting.scorer(self.searcher, q.fieldname, text, qf=q.boost)
        return _TermNode(postings.weights, scorer._score)

    @staticmethod
    def _scored(terms: list[_TermNode], boost: float, within: set[int] | None) -> _Node:
        """The documents having all the terms (and in `within`), scored."""
        keys: list[Collection[int]] = sorted((term.weights.keys() for term in terms), key=len)
        if within is not None:
            keys.insert(0, within)
        common: Collection[int] = keys[0] if len(keys) == 1 else set(keys[0]).intersection(*keys[1:])
        bounds: dict[int, float] = {}
        if common:
            scores = []
            for term in terms:
                memo: dict[float, float] = {}
                weights = term.weights
                column = []
                for docnum in common:
                    weight = weights[docnum]
                    score = memo.get(weight)
                    if score is None:
                        score = memo[weight] = term.score(weight)
                    column.append(score)
                scores.append(column)
            order = list(common)
            if len(scores) == 1:
                totals = scores[0]
            else:
                totals = [sum(parts) for parts in zip(*scores, strict=True)]
            if boost != 1.0:
                totals = [total * boost for total in totals]
            bounds = dict(zip(order, totals, strict=True))
        return _Node(bounds, True, bounds.get)

    def _phrase(self, q: query.Phrase, within: set[int] | None) -> _Node:
        if q.slop != 1 or q.boost != 1.0 or not q.words:
            raise Unsupported("phrase with slop or boost")
        field = self._field(q.fieldname)
        if not field.format or not field.format.supports("positions"):
            raise Unsupported("phrase on a field without positions")
        reader = self.searcher.reader()
        texts = [field.to_bytes(word) for word in q.words]
        if any((q.fieldname, text) not in reader for text in texts):
            return _Node({}, True, lambda docnum: None)
        postings = [self.postings(q.fieldname, text, values=True) for text in texts]
        terms = [self._term(query.Term(q.fieldname, word)) for word in q.words]
        words = self._scored(terms, 1.0, within)
        bounds = words.bounds
        if not bounds:
            return words
        decode = field.format.decode_positions

        def exact(docnum: int) -> float | None:
            if docnum not in bounds:
                return None
            first, *rest = [decode(p.values[docnum]) for p in postings]  # type: ignore[index]
            others = [set(positions) for positions in rest]
            for start in first:
                if all(start + 1 + i in positions for i, positions in enumerate(others)):
                    return bounds[docnum]
            return None

        return _Node(bounds, False, exact)

    @staticmethod
    def _and(nodes: list[_Node], boost: float) -> _Node:
        ordered = sorted(nodes, key=lambda node: len(node.bounds))
        common = set(ordered[0].bounds)
        for node in ordered[1:]:
            common.intersection_update(node.bounds)
        bounds = {}
        for docnum in common:
            total = 0.0
            for node in nodes:
                total += node.bounds[docnum]
            bounds[docnum] = total * boost
        if all(node.is_exact for node in nodes):
            return _Node(bounds, True, bounds.get)

        def exact(docnum: int) -> float | None:
            if docnum not in bounds:
                return None
            total = 0.0
            for node in nodes:
                score = node.exact(docnum)
                if score is None:
                    return None
                total += score
            return total * boost

        return _Node(bounds, False, exact)

    @staticmethod
    def _or(nodes: list[_Node], boost: float) -> _Node:
        if not nodes:
            raise Unsupported("empty OR")
        bounds: dict[int, float] = {}
        for node in nodes:
            for docnum, score in node.bounds.items():
                bounds[docnum] = bounds.get(docnum, 0.0) + score
        if boost != 1.0:
            bounds = {docnum: score * boost for docnum, score in bounds.items()}
        if all(node.is_exact for node in nodes):
            return _Node(bounds, True, bounds.get)

        def exact(docnum: int) -> float | None:
            scores = [score for node in nodes if (score := node.exact(docnum)) is not None]
            return sum(scores) * boost if scores else None

        return _Node(bounds, False, exact)

    def _field(self, name: str):  # type: ignore[no-untyped-def]
        if name not in self.searcher.schema:
            raise Unsupported("unknown field")
        return self.searcher.schema[name]

    # -- documents

    def _term_documents(self, q: query.Term) -> set[int]:
        """The documents with a term; those of a coded value (`CACHED_FIELDS`) are kept with the reader."""
        cache = _DOCSETS.setdefault(self.searcher.reader(), {}) if q.fieldname in CACHED_FIELDS else {}
        key = (q.fieldname, q.text)
        if key not in cache:
            cache[key] = set(self._term(q).weights)
        return cache[key]

    def documents(self, q: query.Query) -> set[int]:
        """Every document a (filter) query matches."""
        kind = type(q)
        if kind is query.Term:
            return self._term_documents(q)
        if kind is query.And and q.subqueries:
            sets = sorted((self.documents(child) for child in q.subqueries), key=len)
            return sets[0].intersection(*sets[1:])
        if kind is query.Or and not q.minmatch:
            return set().union(*(self.documents(child) for child in q.subqueries))
        if kind is query.Phrase and q.fieldname in CACHED_FIELDS:  # "united states": positions checked once
            cache = _DOCSETS.setdefault(self.searcher.reader(), {})
            key = (q.fieldname, tuple(q.words))
            if key not in cache:
                cache[key] = self._matched(q)
            return cache[key]
        return self._matched(q)

    def _matched(self, q: query.Query) -> set[int]:
        node = self.node(q)
        if node.is_exact:
            return set(node.bounds)
        return {docnum for docnum in node.bounds if node.exact(docnum) is not None}

    def top(
        self,
        q: query.Query,
        limit: int,
        within: set[int] | None,
        allow: Container[int] | None,
        exclude: Container[int] | None,
        *,
        count: bool = False,
    ) -> tuple[Ranked, int | None]:
        """The best `limit` documents of `within` (all when None) that `allow` has and `exclude` has not, and how
        many match (None unless `count` or it costs nothing extra)."""
        node = self.node(q, within)
        candidates: Collection[tuple[int, float]] = node.bounds.items()
        if allow is not None or exclude is not None:
            candidates = [
                (docnum, score) for docnum, score in candidates
                if (allow is None or docnum in allow) and (exclude is None or docnum not in exclude)
            ]
        if node.is_exact:
            best = heapq.nsmallest(limit, candidates, key=lambda item: (-item[1], item[0]))
            return [(docnum, score) for docnum, score in best], len(candidates)
        ranked: Ranked = []
        for docnum, bound in sorted(candidates, key=lambda item: (-item[1], item[0])):
            if len(ranked) >= limit and bound < ranked[-1][1]:
                break  # scores only get lower: ties with the last kept come later in document order, and lose
            if len(ranked) >= limit and bound == ranked[-1][1] and docnum > ranked[-1][0]:
                break
            score = node.exact(docnum)
            if score is not None:
                ranked.append((docnum, score))
                ranked.sort(key=lambda item: (-item[1], item[0]))
                del ranked[limit:]
        if not count:
            return ranked, None
        return ranked, sum(1 for docnum, _ in candidates if node.exact(docnum) is not None)
