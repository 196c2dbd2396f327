"""The posting-list search (`search.fastpath`) returns what Whoosh's matchers return: same trials, scores, order."""

from __future__ import annotations

import dataclasses

import pytest

from search import engine
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
    with monkeypatch.context() as patched:
        patched.setattr(engine, "_fast_best_first", lambda *args: None)
        return run_search(searcher, request)


@pytest.mark.parametrize("request_", REQUESTS, ids=str)
@pytest.mark.parametrize("count", [False, True])
def test_same_results_as_whoosh(monkeypatch, searcher, request_, count):
    request = dataclasses.replace(request_, count=count)
    fast, slow = run_search(searcher, request), _whoosh(monkeypatch, searcher, request)
    assert [(r.nct_id, pytest.approx(r.score)) for r in fast.results] == [
        (r.nct_id, pytest.approx(r.score)) for r in slow.results
    ]
    assert fast.total == slow.total


def test_most_requests_take_the_fast_path(searcher):
    fast = FastSearch(searcher)
    compiled = compile_request(SearchRequest(criterion="breast feeding"), searcher.schema)
    fast.top(compiled.scored, 10, None, None, None)  # no Unsupported


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
            fast, slow = run_search(searcher, request), _whoosh(monkeypatch, searcher, request)
            assert [r.nct_id for r in fast.results] == [r.nct_id for r in slow.results]
            assert [r.score for r in fast.results] == pytest.approx([r.score for r in slow.results])
            assert gone not in [r.nct_id for r in fast.results]
