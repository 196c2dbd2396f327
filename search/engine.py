"""Run a search request against the index: ranked results with snippets, and a correction when words are unknown."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import heapq
import pickle
import struct
import weakref
import zlib
from collections.abc import Container, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from whoosh import collectors, query
from whoosh.analysis import Analyzer
from whoosh.filedb.filetables import FileFormatError
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from harvester.errors import IndexDamaged, TrialwatchError
from index.storage import IndexLocation, open_index
from index.vocabulary import Vocabulary, load_vocabulary, phrase_key
from search import bestmatch
from search.eligibility import AdmitsAge
from search.fastpath import FastSearch, Unsupported
from search.models import NearestTrial, SearchRequest, SearchResponse, SearchResult, StatedLimits
from search.nearby import Near, WithinReach, resolve_near
from search.query import DEFAULT_FIELD, CompiledRequest, compile_request
from search.ranking import Ranked, SaturatedTfIdf
from search.snippets import SEARCHED_FIELDS, Words, query_words, trial_snippets
from search.suggest import suggest
from search.understand import PlaceLookup, Understood, understand

__all__ = ["UNRANKED_ORDER", "open_searcher", "run_search", "search", "vocabulary_of"]

#: the order of results when nothing ranks them (only filters were given): newest update first
UNRANKED_ORDER = "last_update"

#: index reader -> every document number, newest update first, for unranked results; False until a second search
_NEWEST_ORDER: weakref.WeakKeyDictionary[IndexReader, list[int] | bool] = weakref.WeakKeyDictionary()

#: index reader -> place name -> what `_places_in` found it is
_PLACES: weakref.WeakKeyDictionary[IndexReader, dict[str, Literal["country", "city"] | None]] = \
    weakref.WeakKeyDictionary()

#: what Whoosh raises reading a damaged file (besides a bare Exception, e.g. "Block tag error"): the index is damaged
_DAMAGE = (FileFormatError, EOFError, OSError, struct.error, pickle.UnpicklingError, zlib.error, UnicodeDecodeError,
           ValueError, IndexError, KeyError)


def open_searcher(data_dir: Path) -> Searcher:
    """A searcher on the data dir's index that ranks as `run_search` expects. Close it when done.

    Raises `SearchIndexError` when there is no index.
    """
    return open_index(data_dir).searcher(weighting=SaturatedTfIdf())


def search(data_dir: Path, request: SearchRequest) -> SearchResponse:
    """Search the data dir's index once. Raises `SearchIndexError` when there is no index, `QuerySyntaxError`."""
    try:
        with open_searcher(data_dir) as searcher:
            return run_search(searcher, request)
    except TrialwatchError:
        raise
    except Exception as error:
        if type(error) is not Exception and not isinstance(error, _DAMAGE):
            raise
        raise IndexDamaged(f"the search index in {IndexLocation.of(data_dir).root} is damaged"
                           f" ({type(error).__name__}: {error})") from error


def run_search(searcher: Searcher, request: SearchRequest) -> SearchResponse:
    """Search with an open searcher (reuse one from `open_searcher` for many searches).

    When a word is in no trial, the response carries a suggestion; when the suggestion is confident, the results are
    those of the suggestion and `corrected` says so.
    """
    understood = Understood(request) if request.literal else understand(request, _places_in(searcher))
    request = understood.request
    near = resolve_near(request.near, request.within, open_sites_only=request.open_only) if request.near else None
    vocabulary = vocabulary_of(searcher)
    compiled = compile_request(request, searcher.schema, vocabulary)
    suggestion = suggest(searcher.reader(), request, compiled.text, vocabulary)
    unmatched = _unmatched_words(request.query, compiled.text, searcher.reader())
    corrected = suggestion is not None and suggestion.confident and not request.literal
    if suggestion is not None and corrected:
        compiled = compile_request(suggestion.request, searcher.schema, vocabulary)
        results, total, reach = _execute(searcher, suggestion.request, compiled, near)
    else:
        results, total, reach = _execute(searcher, request, compiled, near)
        if suggestion is not None and not results:  # nothing to lose
            corrected = True
            compiled = compile_request(suggestion.request, searcher.schema, vocabulary)
            results, total, reach = _execute(searcher, suggestion.request, compiled, near)
    return SearchResponse(request=request, results=results, total=total, suggestion=suggestion, corrected=corrected,
                          understood=understood.notes, unmatched=unmatched,
                          meanings=compiled.best.synonyms if compiled.best else (),
                          near=near.note if near else None, within=near.within_text if near else None,
                          closest_outside=_closest_outside(searcher, reach) if reach and not results else None)


def vocabulary_of(searcher: Searcher) -> Vocabulary | None:
    """The vocabulary learned with the searcher's index (`index.vocabulary`), None for an index in memory."""
    storage = getattr(getattr(searcher, "_ix", None), "storage", None)
    folder = getattr(storage, "folder", None)
    return load_vocabulary(Path(folder)) if folder else None


def _places_in(searcher: Searcher) -> PlaceLookup:
    """Countries by the names the index's sites give them, or pycountry's (official and common) where a site is;
    cities as the index's sites spell them.

    Answers are kept with the index reader: a reader never changes.
    """
    known = _PLACES.setdefault(searcher.reader(), {})
    vocabulary = vocabulary_of(searcher)
    registry_countries = vocabulary.countries if vocabulary is not None else {}

    def lookup(name: str) -> Literal["country", "city"] | None:
        if name not in known:
            if phrase_key(name) in registry_countries or (
                _any_site_in(searcher, "countries", name) and _is_country(name)
            ):
                known[name] = "country"
            elif _any_site_in(searcher, "cities", name):
                known[name] = "city"
            else:
                known[name] = None
        return known[name]

    return lookup


def _is_country(name: str) -> bool:
    return name.lower() in _country_names()


@functools.cache
def _country_names() -> frozenset[str]:
    """Every country's name, official name and common name, lower-cased (never its codes: "in" is not India)."""
    import pycountry

    names = set()
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            if value := getattr(country, attribute, None):
                names.add(value.lower())
    return frozenset(names)


def _any_site_in(searcher: Searcher, field: str, name: str) -> bool:
    words = list(searcher.schema[field].process_text(name, mode="query"))
    reader = searcher.reader()
    if not words or not all(reader.doc_frequency(field, word) for word in words):
        return False
    phrase = query.Term(field, words[0]) if len(words) == 1 else query.Phrase(field, words)
    return bool(searcher.search(phrase, limit=1, scored=False))


def _unmatched_words(text: str, parsed: query.Query | None, reader: IndexReader) -> tuple[str, ...]:
    if parsed is None:
        return ()
    missing = [
        text[leaf.startchar : leaf.endchar]
        for leaf in parsed.leaves()
        if isinstance(leaf, query.Term) and leaf.startchar is not None
        and not any(reader.doc_frequency(field, leaf.text) for field in _fields_searched(leaf.fieldname))
    ]
    return tuple(dict.fromkeys(missing))


def _fields_searched(field: str) -> tuple[str, ...]:
    """Where a word of the query text is looked for: plain words in the criteria too."""
    return (field, *bestmatch.CRITERIA_FIELDS) if field == DEFAULT_FIELD else (field,)


def _execute(
    searcher: Searcher, request: SearchRequest, compiled: CompiledRequest, near: Near | None
) -> tuple[list[SearchResult], int | None, WithinReach | None]:
    """The results of a compiled request, and the near-me filter it ran with (None without a place)."""
    total: int | None
    reach = WithinReach(searcher.reader(), near) if near is not None else None
    # sorted by distance: every match is ranked, then the nearest `limit` kept
    limit = searcher.doc_count_all() if reach is not None and request.sort == "distance" else request.limit
    fields: dict[int, frozenset[str]] | None = None
    if compiled.scored is None:
        ranked, total = _newest_first(searcher, compiled, limit, reach)
        words: Words = {}
    elif compiled.best is not None:
        ranked, total, fields = _best_match_first(searcher, compiled, compiled.best, limit, reach)
        words = query_words(compiled.scored, searcher.reader())
    else:
        ranked, total = _best_first(searcher, compiled, limit, request.count, reach)
        words = query_words(compiled.scored, searcher.reader())
    if reach is not None and request.sort == "distance":
        ranked = sorted(ranked, key=lambda item: (_km(reach, item[0]), -item[1]))[: request.limit]
    analyzers = {field: searcher.schema[field].analyzer for field in SEARCHED_FIELDS}
    required = set()
    if compiled.best is not None and compiled.best.required is not None:
        required = {field for field, _ in compiled.best.required.iter_all_terms()}

    def words_of(docnum: int) -> Words:
        if fields is None:
            return words
        # a plain word's criteria are looked through only in the trials where it matched them
        return {field: found for field, found in words.items()
                if field not in bestmatch.CRITERIA_FIELDS or field in required or field in fields[docnum]}

    results = []
    for docnum, score in ranked:
        stored = searcher.stored_fields(docnum)
        result = _result(stored, score, words_of(docnum), analyzers)
        if reach is not None:
            result = dataclasses.replace(result, nearest_site=reach.nearest_site(docnum, stored.get("sites", [])))
        results.append(result)
    return results, total, reach


def _km(reach: WithinReach, docnum: int) -> float:
    found = reach.measure(docnum)
    return found[0] if found is not None else float("inf")


def _closest_outside(searcher: Searcher, reach: WithinReach) -> NearestTrial | None:
    """The matching trial closest to the place beyond the distance searched, when the search found none within."""
    if reach.closest_outside is None:
        return None
    docnum = reach.closest_outside[1]
    stored = searcher.stored_fields(docnum)
    site = reach.nearest_site(docnum, stored.get("sites", []))
    return NearestTrial(stored["nct_id"], site) if site is not None else None


def _per_trial(
    searcher: Searcher, compiled: CompiledRequest, reach: WithinReach | None, within: Container[int] | None = None
) -> Container[int] | None:
    """What is checked per candidate trial (of `within`): the age limits, then the distance to its sites."""
    allow = AdmitsAge(searcher.reader(), compiled.age, within) if compiled.age is not None else within
    if reach is None:
        return allow
    reach.within = allow
    return reach


def _best_first(
    searcher: Searcher, compiled: CompiledRequest, limit: int, count: bool, reach: WithinReach | None
) -> tuple[Ranked, int | None]:
    fast = _fast_best_first(searcher, compiled, limit, count, reach)
    if fast is not None:
        return fast
    collector: collectors.Collector = _TopCollector(limit=limit)
    allow = _allowed(searcher, compiled.filter, compiled, reach)
    if allow is not None or compiled.mask is not None:
        collector = _FilterCollector(collector, allow=allow, restrict=compiled.mask)
    searcher.search_with_collector(compiled.scored, collector)
    hits = collector.results()
    return [(hit.docnum, hit.score) for hit in hits], len(hits) if count else None


def _best_match_first(
    searcher: Searcher, compiled: CompiledRequest, best: bestmatch.BestMatch, limit: int, reach: WithinReach | None
) -> tuple[Ranked, int, dict[int, frozenset[str]]]:
    fast: FastSearch | None
    try:
        fast = FastSearch(searcher)
    except Unsupported:
        fast = None
    within = _documents(searcher, compiled.filter, fast)
    allow = _per_trial(searcher, compiled, reach)
    exclude = _documents(searcher, compiled.mask, fast)
    return bestmatch.top(searcher, best, limit, within, allow, exclude)


def _fast_best_first(
    searcher: Searcher, compiled: CompiledRequest, limit: int, count: bool, reach: WithinReach | None
) -> tuple[Ranked, int | None] | None:
    """`_best_first` on whole posting lists (`search.fastpath`); None when the query has a shape it leaves to Whoosh."""
    assert compiled.scored is not None
    if type(compiled.scored) is query.Term and compiled.filter is None and compiled.mask is None and reach is None:
        return None  # one word: Whoosh's block-max search skips what cannot reach the top, reading less
    try:
        fast = FastSearch(searcher)
        within = _documents(searcher, compiled.filter, fast)
        allow = _per_trial(searcher, compiled, reach)
        exclude = _documents(searcher, compiled.mask, fast)
        ranked, total = fast.top(compiled.scored, limit, within, allow, exclude, count=count)
    except Unsupported:
        return None
    return ranked, total if count else None


def _newest_first(
    searcher: Searcher, compiled: CompiledRequest, limit: int, reach: WithinReach | None
) -> tuple[Ranked, int]:
    """Every trial the filters let through, newest update first (those without a date last), all counted."""
    fast: FastSearch | None
    try:
        fast = FastSearch(searcher)
    except Unsupported:
        fast = None
    allow = _per_trial(searcher, compiled, reach)
    masked = _documents(searcher, compiled.mask, fast) or set()
    matching = _documents(searcher, compiled.filter, fast)
    docnums = [
        docnum for docnum in (matching if matching is not None else searcher.docs_for_query(query.Every()))
        if docnum not in masked and (allow is None or docnum in allow)
    ]
    reader = searcher.reader()
    updated = reader.column_reader(UNRANKED_ORDER, translate=False)
    undated = searcher.schema[UNRANKED_ORDER].default

    def newest_first(docnum: int) -> tuple[int, int]:
        value = updated[docnum]
        return -1 if value == undated else value, -docnum

    order = _NEWEST_ORDER.get(reader)
    if isinstance(order, list):  # a searcher used again: walk the whole index in order until `limit` pass
        passing = set(docnums)
        newest = []
        for docnum in order:
            if docnum in passing:
                newest.append(docnum)
                if len(newest) == limit:
                    break
    else:
        newest = heapq.nlargest(limit, docnums, key=newest_first)
        # the first search of a searcher (a CLI process) does not pay for sorting the index; the second does, once
        _NEWEST_ORDER[reader] = (
            sorted(range(reader.doc_count_all()), key=newest_first, reverse=True) if order is not None else False
        )
    return [(docnum, 0.0) for docnum in newest], len(docnums)


def _documents(searcher: Searcher, filter: query.Query | None, fast: FastSearch | None) -> set[int] | None:
    """The documents a filter query matches (None for no filter), from whole posting lists when it can."""
    if filter is None:
        return None
    if fast is not None:
        try:
            return fast.documents(filter)
        except Unsupported:
            pass
    return set(searcher.docs_for_query(filter))


def _allowed(
    searcher: Searcher, filter: query.Query | None, compiled: CompiledRequest, reach: WithinReach | None
) -> query.Query | Container[int] | None:
    """What a result must be in: the filter query, narrowed to the trials admitting the age and within reach."""
    if compiled.age is None and reach is None:
        return filter
    within = set(searcher.docs_for_query(filter)) if filter is not None else None
    return _per_trial(searcher, compiled, reach, within)


class _FilterCollector(collectors.FilterCollector):
    """Whoosh's filter collector, counting right when nothing is allowed.

    Whoosh's `all_ids` (used to count when the child skips blocks) tests the allow set's truth, so an empty allow
    set (a filter no trial passes) let every match through and a search with no results reported a total of them.
    """

    def all_ids(self) -> Iterator[int]:
        for docnum in self.child.all_ids():
            if self._allow is not None and docnum not in self._allow:
                continue
            if self._restrict is not None and docnum in self._restrict:
                continue
            yield docnum


class _TopCollector(collectors.TopCollector):
    """Whoosh's top-N collector, raising the bar to the N-th score as soon as it holds N results.

    Whoosh raises it only when a better result arrives, so while results tie (common among similar trials) it
    scores every match; with the bar up, blocks of postings that can at best tie are skipped.
    """

    minscore: float | None

    def _collect(self, global_docnum: int, score: float) -> float:
        key: float = super()._collect(global_docnum, score)
        if self.minscore is None and len(self.items) == self.limit:
            self.minscore = self.items[0][0]
        return key


def _result(
    stored: Mapping[str, Any], score: float, words: Words, analyzers: Mapping[str, Analyzer]
) -> SearchResult:
    last_update = stored.get("last_update")
    return SearchResult(
        nct_id=stored["nct_id"],
        title=stored.get("title") or stored["nct_id"],
        status=stored.get("status"),
        sponsor=stored.get("sponsor"),
        drugs=stored.get("interventions", []),
        last_update=last_update.date() if isinstance(last_update, dt.datetime) else None,
        score=score,
        snippets=trial_snippets(stored, words, analyzers) if words else [],
        limits=StatedLimits(**stored.get("limits", {})),
        treatments_named_in=stored.get("treatments_named_in", ""),
    )
