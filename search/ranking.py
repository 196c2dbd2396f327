"""How results are ranked: BM25 without length normalisation (BM25 with b = 0).

Why no length normalisation: the ranked fields are lists (drugs, conditions, sites) or weighted sections (the
`text` field, see `index.schema.TEXT_WEIGHTS`), where a longer value means a trial lists more, not that a word
matters less in it. And it makes a term's best possible score in a block of postings exact (it depends on the
weight alone), so Whoosh's block-max search skips every block that cannot beat the current top results, ties
included, and never looks up a document's field length.
"""

from __future__ import annotations

from whoosh.matching import Matcher
from whoosh.scoring import BaseScorer, WeightingModel
from whoosh.searching import Searcher

__all__ = ["K1", "Ranked", "SaturatedTfIdf"]

#: term-frequency saturation, as in BM25
K1 = 2.0
#: ranked documents: each one's document number and its score
Ranked = list[tuple[int, float]]


class SaturatedTfIdf(WeightingModel):
    """score = idf x tf (K1 + 1) / (tf + K1), where tf is the term's (section-weighted) frequency."""

    def supports_block_quality(self) -> bool:
        return True

    def scorer(self, searcher: Searcher, fieldname: str, text: str, qf: float = 1) -> BaseScorer:
        max_weight = searcher.term_info(fieldname, text).max_weight()
        return _SaturatedScorer(searcher.get_parent().idf(fieldname, text) * qf, max_weight)


class _SaturatedScorer(BaseScorer):
    def __init__(self, idf: float, max_weight: float) -> None:
        self.idf = idf
        self.max_weight = max_weight

    def _score(self, weight: float) -> float:
        return self.idf * weight * (K1 + 1) / (weight + K1)

    def supports_block_quality(self) -> bool:
        return True

    def score(self, matcher: Matcher) -> float:
        return self._score(matcher.weight())

    def max_quality(self) -> float:
        return self._score(self.max_weight)

    def block_quality(self, matcher: Matcher) -> float:
        return self._score(matcher.block_max_weight())
