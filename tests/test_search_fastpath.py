"""The posting-list search (`search.fastpath`) returns what Whoosh's matchers return: same trials, scores, order."""

from __future__ import annotations

import dataclasses
import weakref

import pytest

from search import bestmatch
from search.engine import open_searcher, run_search
from search.fastpath import FastSearch, Unsupported
from search.models import SearchRequest
from search.query import compile_request
from tests.datadirs import copy_of


@pytest.fixture(scope="module")
def searcher(snapshot_template, tmp_path_factory):
    with open_searcher(copy_of(snapshot_template, tmp_path_factory.mktemp("fastpath") / "data")) as searcher:
        yield searcher


REQUESTS = [
    SearchRequest(query="lung cancer", statuses=("recruiting",)),
    SearchRequest(query="lung cancer"),
    SearchRequest(query="cancer", statuses=("open",)),
    SearchRequest(query="cancer", sex="female"),
    SearchRequest(query="cancer", age=34),
    SearchRequest(query="lupus", statuses=("completed",), phases=("2",)),
    SearchRequest(criterion="breast feeding"),
    SearchRequest(exclusion="breast feeding"),
    SearchRequest(criterion="pregnant women"),
    SearchRequest(inclusion="written informed consent"),
    SearchRequest(criterion="breast feeding", statuses=("open",)),
    SearchRequest(query='"multiple myeloma" lenalidomide'),
    SearchRequest(query="myeloma OR lupus"),
    SearchRequest(query="drug:lenalidomide exclusion:pregnant"),
    SearchRequest(drug="pembrolizumab", country="United States"),
    SearchRequest(query="chemotherapy", limit=3),
    SearchRequest(query="placebo", statuses=("nonexistent",)),
    SearchRequest(query="zzzunknown cancer"),
]


def _whoosh(monkeypatch, searcher, request):
    """The search with no fast path at all: every `FastSearch` is refused, so each part falls back to Whoosh."""

    def unsupported(self, searcher):
        raise Unsupported("disabled by the test")

    with monkeypatch.context() as patched:
        patched.setattr(FastSearch, "__init__", unsupported)
        patched.setattr(bestmatch, "_SCORES", weakref.WeakKeyDictionary())  # no scores the fast path cached
        return run_search(searcher, request)


def _fast(monkeypatch, searcher, request):
    """The search as it runs, and how many query parts the fast path evaluated (scored or matched)."""
    evaluated = []
    node, documents = FastSearch.node, FastSearch.documents

    def counted(method):
        def call(self, *args, **kwargs):
            result = method(self, *args, **kwargs)  # raises Unsupported for a part it leaves to Whoosh
            evaluated.append(method.__name__)
            return result
        return call

    with monkeypatch.context() as patched:
        patched.setattr(bestmatch, "_SCORES", weakref.WeakKeyDictionary())  # scored now, not read from the cache
        patched.setattr(FastSearch, "node", counted(node))
        patched.setattr(FastSearch, "documents", counted(documents))
        return run_search(searcher, request), evaluated


@pytest.mark.parametrize("request_", REQUESTS, ids=str)
@pytest.mark.parametrize("count", [False, True])
def test_same_results_as_whoosh(monkeypatch, searcher, request_, count):
    request = dataclasses.replace(request_, count=count)
    (fast, evaluated), slow = _fast(monkeypatch, searcher, request), _whoosh(monkeypatch, searcher, request)
    assert evaluated, "the fast path never ran, so this compares Whoosh with itself"
    assert [(r.nct_id, pytest.approx(r.score)) for r in fast.results] == [
        (r.nct_id, pytest.approx(r.score)) for r in slow.results
    ]
    assert fast.total == slow.total


def test_the_usual_request_shapes_take_the_fast_path(searcher):
    """Words, phrases, OR, fields, criteria and filters: the fast path evaluates each request's query itself."""
    fast = FastSearch(searcher)
    left_to_whoosh = []
    for request in REQUESTS:
        compiled = compile_request(request, searcher.schema)
        try:
            fast.top(compiled.scored, 10, None, None, None)
        except Unsupported:
            left_to_whoosh.append(str(request))
    assert left_to_whoosh == []
    breast_feeding = compile_request(SearchRequest(criterion="breast feeding"), searcher.schema).scored
    ranked, _ = fast.top(breast_feeding, 10, None, None, None)
    assert ranked == [(hit.docnum, pytest.approx(hit.score)) for hit in searcher.search(breast_feeding, limit=10)]


def test_other_query_shapes_are_left_to_whoosh(searcher):
    compiled = compile_request(SearchRequest(query="cancer NOT lupus"), searcher.schema)
    with pytest.raises(Unsupported):
        FastSearch(searcher).top(compiled.scored, 10, None, None, None)


def test_deleted_and_segmented_documents(snapshot_template, tmp_path, monkeypatch):
    """After updates (a second segment, deleted documents), both paths still agree and skip the deleted trials."""
    from index.storage import open_index

    data_dir = copy_of(snapshot_template, tmp_path / "data")
    index = open_index(data_dir)
    with open_searcher(data_dir) as before:
        stored = [dict(fields) for fields in before.all_stored_fields()]
    gone = stored[0]["nct_id"]
    with index.writer() as writer:
        writer.delete_by_term("nct_id", gone)
        for fields in stored[1:4]:  # re-added: deleted in the first segment, present in a new one
            writer.delete_by_term("nct_id", fields["nct_id"])
            writer.add_document(nct_id=fields["nct_id"], text=fields.get("title", ""),
                                inclusion="breast feeding is allowed", exclusion="women who are breast feeding")
    with open_searcher(data_dir) as searcher:
        assert not searcher.is_atomic() or searcher.reader().has_deletions()
        for request in [*REQUESTS, SearchRequest(criterion="breast feeding"), SearchRequest(statuses=("open",))]:
            (fast, evaluated), slow = _fast(monkeypatch, searcher, request), _whoosh(monkeypatch, searcher, request)
            assert evaluated, request
            assert [r.nct_id for r in fast.results] == [r.nct_id for r in slow.results]
            assert [r.score for r in fast.results] == pytest.approx([r.score for r in slow.results])
            assert gone not in [r.nct_id for r in fast.results]
