"""Ranking in dense arrays (`search.dense`) gives what ranking in dicts gives: same trials, scores, order, count."""

from __future__ import annotations

import sys

import pytest

from search import bestmatch, dense
from search.engine import open_searcher, run_search
from search.models import SearchRequest
from tests.datadirs import copy_of


@pytest.fixture(scope="module")
def searcher(snapshot_template, tmp_path_factory):
    with open_searcher(copy_of(snapshot_template, tmp_path_factory.mktemp("dense") / "data")) as searcher:
        yield searcher


REQUESTS = [
    SearchRequest(query="lupus"),
    SearchRequest(query="placebo", limit=25),
    SearchRequest(query="lupus nephritis", statuses=("recruiting",)),
    SearchRequest(query="breast cancer", country="United States"),
    SearchRequest(query="diabetes", age=45, sex="female"),
    SearchRequest(query="cancer", age=34),
    SearchRequest(query="psoriasis trial for adults"),
    SearchRequest(query="sle hydroxychloroquine"),
    SearchRequest(query="lupus", near="Lyon", within="500 km"),
    SearchRequest(query="myeloma", drug="lenalidomide"),
    SearchRequest(query="chemotherapy -radiation"),
    SearchRequest(query="cancer", statuses=("nonexistent",)),
]


def _ranked(monkeypatch, searcher, request, *, arrays: bool):
    with monkeypatch.context() as patched:
        patched.setattr(dense, "worth_it", lambda postings, slots, reader: arrays)
        chosen: list[str] = []
        for name in ("_top_dense", "_top_dicts"):
            patched.setattr(bestmatch, name, _recording(getattr(bestmatch, name), chosen))
        response = run_search(searcher, request)
    return [(r.nct_id, r.score, [s.text for s in r.snippets]) for r in response.results], response.total, chosen


def _recording(ranking, chosen):
    def ranked(*args, **kwargs):
        chosen.append(ranking.__name__)
        return ranking(*args, **kwargs)
    return ranked


@pytest.mark.parametrize("request_", REQUESTS, ids=str)
def test_same_ranking_in_arrays_as_in_dicts(monkeypatch, searcher, request_):
    in_dicts, total_dicts, dict_path = _ranked(monkeypatch, searcher, request_, arrays=False)
    in_arrays, total_arrays, array_path = _ranked(monkeypatch, searcher, request_, arrays=True)
    assert dict_path == ["_top_dicts"] and array_path == ["_top_dense"]
    assert in_arrays == in_dicts
    assert total_arrays == total_dicts


def test_ties_go_to_the_lower_document_number_as_in_dicts():
    import numpy as np

    docnums = np.arange(10, dtype=np.int64)
    words = np.array([1, 2, 2, 1, 2, 2, 2, 1, 1, 2], dtype=np.uint8)
    scores = np.array([9.0, 1.0, 3.0, 9.0, 3.0, 3.0, 1.0, 0.5, 9.0, 3.0])
    expected = sorted(zip(docnums.tolist(), words.tolist(), scores.tolist(), strict=True), key=lambda d: (-d[1], -d[2], d[0]))
    for limit in range(1, 11):
        assert dense._best(docnums, words, scores, limit) == [(d, s) for d, _, s in expected[:limit]]


class _Reader:
    """Stands for an index reader: `worth_it` only remembers it (weakly)."""


def test_a_one_off_search_imports_numpy_only_for_many_postings(monkeypatch):
    monkeypatch.delitem(sys.modules, "numpy", raising=False)
    assert not dense.worth_it(dense.IMPORT_WORTH - 1, 1, _Reader())
    assert dense.worth_it(dense.IMPORT_WORTH, 1, _Reader())
    assert not dense.worth_it(dense.IMPORT_WORTH, dense.MAX_SLOTS + 1, _Reader())


def test_a_reader_searched_again_ranks_in_arrays_from_few_postings(monkeypatch):
    monkeypatch.delitem(sys.modules, "numpy", raising=False)
    reader = _Reader()
    assert not dense.worth_it(dense.ARRAY_MINIMUM, 1, reader)
    assert dense.worth_it(dense.ARRAY_MINIMUM, 1, reader)
    assert not dense.worth_it(dense.ARRAY_MINIMUM - 1, 1, reader)
