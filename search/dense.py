"""Best-match ranking over dense arrays (numpy), for searches that touch many postings.

`search.bestmatch.top` adds up each clause's scores per trial and ranks the trials by (words matched, score). In
dicts that is a few Python operations per posting: ~1 µs each, 100-200 ms for a common word ("diabetes",
"placebo") in 100,000 trials, where every trial that mentions it is a candidate. Here each clause is a pair of
arrays (document numbers, scores), added into one score array and one bit-mask array of matched words the size of
the index, filtered with masks and ranked with a partial sort: the same float operations in the same order, so the
same scores and the same order as the dicts give (`tests/test_search_dense.py`).

numpy takes ~0.15 s to import: a one-off search (a CLI process) imports it only when its postings are many enough
to pay for that (`IMPORT_WORTH`); from an index reader's second search on (a web app, a benchmark), or once numpy is
imported, arrays rank every search of `ARRAY_MINIMUM` postings or more.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Container, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from search.caching import ByIdentity

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["ARRAY_MINIMUM", "IMPORT_WORTH", "ArrayMask", "ClauseArrays", "documents_mask", "load", "rank", "worth_it"]

#: postings from which a process that has numpy ranks with arrays
ARRAY_MINIMUM = 2_000
#: postings from which a search imports numpy for them (the import costs as much as ~150,000 postings in dicts)
IMPORT_WORTH = 150_000
#: the most query words ranked by how many of them a trial matches (a bit each in a 64-bit mask)
MAX_SLOTS = 63


#: index readers that have searched with best match once: the next search is a long-lived process's
_SEARCHED: weakref.WeakSet[object] = weakref.WeakSet()


def load() -> None:
    """Import numpy now: a server does it before its first visitor, who would otherwise wait for it."""
    import numpy  # noqa: F401


def worth_it(postings: int, slots: int, reader: object) -> bool:
    """Whether a search of `reader` over `postings` postings (all its clauses together) ranks with arrays."""
    reused = reader in _SEARCHED
    _SEARCHED.add(reader)
    if slots > MAX_SLOTS:
        return False
    return postings >= (ARRAY_MINIMUM if reused or "numpy" in sys.modules else IMPORT_WORTH)


class ArrayMask(Protocol):
    """A per-trial filter that can answer for the whole index at once (`search.eligibility.AdmitsAge`)."""

    def mask(self, size: int) -> NDArray[np.bool_]: ...


class ClauseArrays:
    """One clause's scores as sorted arrays, made once from its dict (and kept with it in the score cache)."""

    __slots__ = ("docnums", "scores")

    def __init__(self, scores: Mapping[int, float]) -> None:
        import numpy as np

        docnums = np.fromiter(scores.keys(), dtype=np.int64, count=len(scores))
        values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
        order = np.argsort(docnums, kind="stable")
        self.docnums, self.scores = docnums[order], values[order]

    def __contains__(self, docnum: int) -> bool:
        import numpy as np

        at = int(np.searchsorted(self.docnums, docnum))
        return at < len(self.docnums) and int(self.docnums[at]) == docnum


def rank(
    size: int,
    clauses: Sequence[tuple[ClauseArrays, float, int, str | None]],
    required: ClauseArrays | None,
    limit: int,
    within: set[int] | None,
    allow: Container[int] | None,
    exclude: Container[int] | None,
) -> tuple[list[tuple[int, float]], int]:
    """The best `limit` (document, score) of an index of `size` documents, and how many match.

    `clauses` are (scores, weight, bit mask of the words it covers, group): a clause of a group counts by the best
    of its group. With `required`, only its documents match, and its scores add. The rest as `bestmatch.top`.
    """
    import numpy as np

    score = np.zeros(size)
    covered = np.zeros(size, dtype=np.uint64)
    matched = np.zeros(size, dtype=np.bool_)
    groups: dict[str, NDArray[np.float64]] = {}
    for arrays, weight, bits, group in clauses:
        docs, weighted = arrays.docnums, arrays.scores * weight
        if group is None:
            score[docs] += weighted  # a clause has each document once: no repeated index to add twice
        else:
            best = groups.setdefault(group, np.zeros(size))
            best[docs] = np.maximum(best[docs], weighted)
        covered[docs] |= np.uint64(bits)
        matched[docs] = True
    for best in groups.values():
        score += best
    if required is not None:
        score[required.docnums] += required.scores
        matched = np.zeros(size, dtype=np.bool_)
        matched[required.docnums] = True
    if within is not None:
        matched &= documents_mask(within, size)
    if exclude is not None:
        matched &= ~documents_mask(exclude, size)
    candidates = np.flatnonzero(matched)
    if allow is not None:
        if hasattr(allow, "mask"):
            candidates = candidates[allow.mask(size)[candidates]]
        else:
            candidates = np.array([docnum for docnum in candidates.tolist() if docnum in allow], dtype=np.int64)
    words = np.bitwise_count(covered[candidates])
    return _best(candidates, words, score[candidates], limit), len(candidates)


def _best(
    docnums: NDArray[np.int64], words: NDArray[np.uint8], scores: NDArray[np.float64], limit: int
) -> list[tuple[int, float]]:
    """The `limit` best by (words desc, score desc, document number asc), as `heapq.nsmallest` picks them."""
    import numpy as np

    if len(docnums) > limit:
        # keep what can be in the top: the best word counts, then the scores at least the limit-th best's (ties too)
        kept = np.zeros(len(docnums), dtype=np.bool_)
        room = limit
        for count in np.unique(words)[::-1]:
            if room <= 0:
                break
            level = np.flatnonzero(words == count)
            if len(level) > room:
                bar = np.partition(scores[level], len(level) - room)[len(level) - room]
                kept[level[scores[level] >= bar]] = True
                break
            kept[level] = True
            room -= len(level)
        docnums, words, scores = docnums[kept], words[kept], scores[kept]
    order = np.lexsort((docnums, -scores, -words.astype(np.int64)))[:limit]
    return list(zip(docnums[order].tolist(), scores[order].tolist(), strict=True))


#: recent document sets' masks (a set of 100,000 documents is ~5 MB, kept with its mask: a few are enough for the
#: filters cached with the reader)
_MASKS: ByIdentity[Container[int], NDArray[np.bool_]] = ByIdentity(kept=8)


def documents_mask(documents: Container[int], size: int) -> NDArray[np.bool_]:
    """Membership of each of `size` documents in `documents`, made once for the same set."""
    mask = _MASKS.get(documents, lambda _: _new_mask(documents, size))
    return mask if len(mask) == size else _new_mask(documents, size)


def _new_mask(documents: Container[int], size: int) -> NDArray[np.bool_]:
    import numpy as np

    if isinstance(documents, (set, frozenset)):
        members = np.fromiter(documents, dtype=np.int64, count=len(documents))
        mask = np.zeros(size, dtype=np.bool_)
        mask[members[members < size]] = True
        return mask
    return np.array([docnum in documents for docnum in range(size)], dtype=np.bool_)
