"""Run a search request against the index: ranked results with snippets, and a correction when words are unknown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from whoosh import collectors, query
from whoosh.analysis import Analyzer
from whoosh.searching import Hit, Searcher

from index.storage import open_index
from search.eligibility import AdmitsAge
from search.models import SearchRequest, SearchResponse, SearchResult
from search.query import CompiledRequest, compile_request
from search.snippets import SEARCHED_FIELDS, Words, query_words, trial_snippets
from search.suggest import suggest

#: the order of results when nothing ranks them (only filters were given)
UNRANKED_ORDER = "last_update"


def search(data_dir: Path, request: SearchRequest) -> SearchResponse:
    """Search the data dir's index once. Raises `SearchIndexError` when there is no index, `QuerySyntaxError`."""
    with open_index(data_dir).searcher() as searcher:
        return run_search(searcher, request)


def run_search(searcher: Searcher, request: SearchRequest) -> SearchResponse:
    """Search with an open searcher (reuse it for many searches).

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
    ranked = compiled.scored is not None
    if ranked:
        matched, allow = compiled.scored, compiled.filter
        collector: collectors.Collector = _TopCollector(limit=request.limit)
    else:
        # nothing to rank by: the filter itself is the query, and the newest trials come first
        matched, allow = compiled.filter or query.Every(), None
        collector = collectors.SortingCollector(UNRANKED_ORDER, limit=request.limit, reverse=True)
    if compiled.age is not None:
        within = set(searcher.docs_for_query(allow)) if allow is not None else None
        allow = AdmitsAge(searcher.reader(), compiled.age, within)
    if allow is not None or compiled.mask is not None:
        collector = collectors.FilterCollector(collector, allow=allow, restrict=compiled.mask)
    searcher.search_with_collector(matched, collector)
    hits = collector.results()
    words = query_words(compiled.scored, searcher.reader()) if ranked else {}
    analyzers = {field: searcher.schema[field].analyzer for field in SEARCHED_FIELDS}
    results = [_result(hit, ranked, words, analyzers) for hit in hits]
    return results, len(hits) if request.count else None


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


def _result(hit: Hit, ranked: bool, words: Words, analyzers: Mapping[str, Analyzer]) -> SearchResult:
    stored = hit.fields()
    last_update: dt.datetime | None = stored.get("last_update")
    return SearchResult(
        nct_id=stored["nct_id"],
        title=stored.get("title") or stored["nct_id"],
        status=stored.get("status"),
        sponsor=stored.get("sponsor"),
        drugs=stored.get("interventions", []),
        last_update=last_update.date() if last_update else None,
        score=hit.score if ranked else 0.0,
        snippets=trial_snippets(stored, words, analyzers) if words else [],
    )
