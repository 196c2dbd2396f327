"""Run a search request against the index: ranked results with snippets, and a correction when words are unknown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path

from whoosh import collectors, query
from whoosh.analysis import Analyzer
from whoosh.searching import Searcher

from index.storage import open_index
from search.eligibility import AdmitsAge
from search.models import SearchRequest, SearchResponse, SearchResult
from search.query import CompiledRequest, compile_request
from search.ranking import SaturatedTfIdf
from search.snippets import SEARCHED_FIELDS, Words, query_words, trial_snippets
from search.suggest import suggest

#: the order of results when nothing ranks them (only filters were given): newest update first
UNRANKED_ORDER = "last_update"

#: a document number and its score
Ranked = list[tuple[int, float]]


def open_searcher(data_dir: Path) -> Searcher:
    """A searcher on the data dir's index that ranks as `run_search` expects. Close it when done.

    Raises `SearchIndexError` when there is no index.
    """
    return open_index(data_dir).searcher(weighting=SaturatedTfIdf())


def search(data_dir: Path, request: SearchRequest) -> SearchResponse:
    """Search the data dir's index once. Raises `SearchIndexError` when there is no index, `QuerySyntaxError`."""
    with open_searcher(data_dir) as searcher:
        return run_search(searcher, request)


def run_search(searcher: Searcher, request: SearchRequest) -> SearchResponse:
    """Search with an open searcher (reuse one from `open_searcher` for many searches).

    When a word is in no trial, the response carries a suggestion; when the request also found nothing, the
    results are those of the suggestion and `corrected` says so.
    """
    compiled = compile_request(request, searcher.schema)
    results, total = _execute(searcher, request, compiled)
    suggestion = suggest(searcher.reader(), request, compiled.text)
    if suggestion is not None and not results:
        results, total = _execute(searcher, suggestion.request, compile_request(suggestion.request, searcher.schema))
        return SearchResponse(request=request, results=results, total=total, suggestion=suggestion, corrected=True)
    return SearchResponse(request=request, results=results, total=total, suggestion=suggestion)


def _execute(
    searcher: Searcher, request: SearchRequest, compiled: CompiledRequest
) -> tuple[list[SearchResult], int | None]:
    if compiled.scored is None:
        ranked, total = _newest_first(searcher, compiled, request.limit)
        words: Words = {}
    else:
        ranked, total = _best_first(searcher, compiled, request.limit, request.count)
        words = query_words(compiled.scored, searcher.reader())
    analyzers = {field: searcher.schema[field].analyzer for field in SEARCHED_FIELDS}
    return [_result(searcher.stored_fields(docnum), score, words, analyzers) for docnum, score in ranked], total


def _best_first(searcher: Searcher, compiled: CompiledRequest, limit: int, count: bool) -> tuple[Ranked, int | None]:
    collector: collectors.Collector = _TopCollector(limit=limit)
    allow = _allowed(searcher, compiled.filter, compiled.age)
    if allow is not None or compiled.mask is not None:
        collector = _FilterCollector(collector, allow=allow, restrict=compiled.mask)
    searcher.search_with_collector(compiled.scored, collector)
    hits = collector.results()
    return [(hit.docnum, hit.score) for hit in hits], len(hits) if count else None


def _newest_first(searcher: Searcher, compiled: CompiledRequest, limit: int) -> tuple[Ranked, int]:
    """Every trial the filters let through, newest update first (those without a date last), all counted."""
    allow = _allowed(searcher, None, compiled.age)
    masked = set(searcher.docs_for_query(compiled.mask)) if compiled.mask is not None else set()
    docnums = [
        docnum for docnum in searcher.docs_for_query(compiled.filter or query.Every())
        if docnum not in masked and (allow is None or docnum in allow)
    ]
    updated = searcher.reader().column_reader(UNRANKED_ORDER, translate=False)
    undated = searcher.schema[UNRANKED_ORDER].default
    docnums.sort(key=lambda docnum: -1 if updated[docnum] == undated else updated[docnum], reverse=True)
    return [(docnum, 0.0) for docnum in docnums[:limit]], len(docnums)


def _allowed(searcher: Searcher, filter: query.Query | None, age: float | None) -> query.Query | AdmitsAge | None:
    """What a result must be in: the filter query, narrowed to the trials admitting `age` when given."""
    if age is None:
        return filter
    within = set(searcher.docs_for_query(filter)) if filter is not None else None
    return AdmitsAge(searcher.reader(), age, within)


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

    def _collect(self, global_docnum: int, score: float) -> float:
        key = super()._collect(global_docnum, score)
        if self.minscore is None and len(self.items) == self.limit:
            self.minscore = self.items[0][0]
        return key


def _result(
    stored: Mapping[str, object], score: float, words: Words, analyzers: Mapping[str, Analyzer]
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
    )
