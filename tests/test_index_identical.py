"""The build's optimisations change nothing in the index: the bundled snapshot indexed with Whoosh's own chain of
analysis filters and its own field-length reads at commit gives the same segment files, byte for byte, as the
build with the fused analysis pass (`index.analysis.FusedAnalyzer`), positions postings made in one pass
(`index.postings`) and the lengths kept in memory (`index.lengths`); the same query words give the same terms."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.index import open_dir

import index.build
import index.schema
from harvester.store.store import Store
from harvester.store.trials import iter_trials
from index.analysis import FusedAnalyzer, analyzer_chain


def segment_files(directory: Path) -> dict[str, bytes]:
    """Every file of the index's one segment, by its name without the segment's random id (`MAIN_<id>.trm`,
    `MAIN_<id>._text_len.col`); not the TOC (which names the segment) nor the lock."""
    return {path.name.split(".", 1)[1]: path.read_bytes() for path in sorted(directory.glob("MAIN_*.*"))}


@pytest.fixture(scope="module")
def trials(snapshot_template):
    with Store.open(snapshot_template) as store:
        return list(iter_trials(store))


def test_fused_analysis_and_memory_lengths_write_the_same_segment(trials, tmp_path, monkeypatch):
    fast = tmp_path / "fast"
    fast.mkdir()
    trials = trials[:12]  # enough for every field and several segments of postings; cheap
    assert index.build._write(fast, trials, create=True, processes=1) == len(trials)

    reference = tmp_path / "reference"
    reference.mkdir()
    monkeypatch.setattr(index.schema, "text_analyzer", lambda: analyzer_chain(stem=True))
    monkeypatch.setattr(index.schema, "name_analyzer", lambda: analyzer_chain(stem=False))
    # Whoosh as it is: chain analyzers, lengths read back from the segment (no `memory_field_lengths`)
    index.build._write_documents(reference, trials, create=True, processes=1)
    assert not isinstance(open_dir(str(reference)).schema["text"].analyzer.inner, FusedAnalyzer)

    fast_files, reference_files = segment_files(fast), segment_files(reference)
    assert {"trm", "pst", "_stored.col", "_text_len.col"} <= fast_files.keys()
    assert fast_files.keys() == reference_files.keys()
    assert [name for name in fast_files if fast_files[name] != reference_files[name]] == []


@pytest.mark.parametrize("stem", [True, False])
def test_fused_analysis_gives_the_chains_tokens(trials, stem):
    fused, chain = FusedAnalyzer(stem=stem), analyzer_chain(stem=stem)
    texts = [trial.brief_summary or "" for trial in trials] + ["Œdème; naïve T-cells, the 3.5 mg/kg e.g. MK-3475 — a"]
    for options in ({}, {"positions": True, "start_pos": 7, "mode": "index"}, {"mode": "query"}):
        for text in texts:
            assert [(t.text, getattr(t, "pos", None)) for t in fused(text, **options)] == \
                [(t.text, getattr(t, "pos", None)) for t in chain(text, **options)]
    # character offsets (snippets) and kept stop words go through the chain itself
    assert [(t.text, t.startchar) for t in fused("The tumours", chars=True)] == \
        [(t.text, t.startchar) for t in chain("The tumours", chars=True)]
    assert [t.stopped for t in fused("the lupus", removestops=False)] == [True, False]
