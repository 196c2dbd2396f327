"""Postings with positions made in one pass over the words, for the fields the fused analysis reads.

For every indexed text field, Whoosh's `Positions.word_values` runs the analyzer token by token (a `Token` object
per word, through a generator and a stop-word filter), gathers each term's positions and weight, and pickles its
position deltas. With `FusedAnalyzer` (or sections of it, `WeightedSectionsAnalyzer`) the terms and positions come
straight from the words (`positioned_terms`, `weighted_positions`). Same terms, frequencies, weights (summed in the
same order) and bytes: the segment files are those Whoosh writes (`tests/test_index_identical.py`).

As `index.lengths`, the change is made to Whoosh's class while `fused_positions()` is entered (the writer processes
a build forks inherit it); any other analyzer or value goes Whoosh's own way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pickle import dumps
from typing import Any

from whoosh.formats import Positions
from whoosh.system import pack_uint

from index.analysis import FusedAnalyzer, WeightedSectionsAnalyzer
from index.patching import ClassPatch

__all__ = ["fused_positions"]

_ORIGINAL_WORD_VALUES: Callable[..., Iterator[tuple[str, int, float, bytes]]] = Positions.word_values


def _encode(positions: list[int]) -> bytes:
    """`Positions.encode`: the count, then the pickled deltas. (Each posting gets bytes of its own: a block that
    pickled one bytes object for many postings would write a memo reference instead of the bytes.)"""
    deltas, base = [], 0
    for position in positions:
        deltas.append(position - base)
        base = position
    count: bytes = pack_uint(len(deltas))
    return count + dumps(deltas, 2)


def _word_values(self: Positions, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
    if not isinstance(value, str) or set(kwargs) - {"mode"} or kwargs.get("mode", "index") != "index":
        return _ORIGINAL_WORD_VALUES(self, value, analyzer, **kwargs)
    if type(analyzer) is FusedAnalyzer:
        positions: dict[str, list[int]] = {}
        for term, at in analyzer.positioned_terms(value):
            if term in positions:
                positions[term].append(at)
            else:
                positions[term] = [at]
        weights = None
    elif type(analyzer) is WeightedSectionsAnalyzer and (found := analyzer.weighted_positions(value)) is not None:
        positions, weights = found
    else:
        return _ORIGINAL_WORD_VALUES(self, value, analyzer, **kwargs)
    boost = self.field_boost
    # a plain field's tokens have boost 1.0 each: Whoosh's sum of them is their count
    return ((term, len(at), (weights[term] if weights is not None else float(len(at))) * boost, _encode(at))
            for term, at in positions.items())


#: Whoosh writers made inside make positions postings in one pass
fused_positions = ClassPatch((Positions, "word_values", _word_values))
