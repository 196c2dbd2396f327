"""The age filter, checked per candidate trial from the index's age columns.

As a document set it would be two ranges over most of the index, which Whoosh builds in pure Python for every
search (tens of milliseconds at 20,000 trials); a look-up per candidate costs a few microseconds through Whoosh's
column reader, and a fraction of one in a list: from a reader's second age filter on (a web app or a benchmark,
not a CLI process, which searches once), both columns are read whole into lists kept with the reader.
"""

from __future__ import annotations

import weakref
from collections.abc import Container, Sequence
from typing import TYPE_CHECKING

from whoosh.idsets import DocIdSet
from whoosh.reading import IndexReader

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["AdmitsAge", "age_arrays", "age_columns"]

#: index reader -> its age columns as lists, or None once a first age filter looked them up per candidate
_AGE_COLUMNS: weakref.WeakKeyDictionary[object, tuple[list[float], list[float]] | None] = \
    weakref.WeakKeyDictionary()


def age_columns(reader: IndexReader) -> tuple[Sequence[float], Sequence[float]]:
    """The minimum and maximum age of every document: Whoosh's column readers the first time a reader is asked,
    lists read from them (and kept) from the second time on."""
    if reader in _AGE_COLUMNS:
        columns = _AGE_COLUMNS[reader]
        if columns is None:
            columns = _AGE_COLUMNS[reader] = (list(reader.column_reader("min_age")),
                                              list(reader.column_reader("max_age")))
        return columns
    _AGE_COLUMNS[reader] = None
    return reader.column_reader("min_age"), reader.column_reader("max_age")


#: index reader -> its age columns as arrays, for `AdmitsAge.mask`
_AGE_ARRAYS: weakref.WeakKeyDictionary[object, tuple[NDArray[np.float64], NDArray[np.float64]]] = \
    weakref.WeakKeyDictionary()


def age_arrays(
    reader: IndexReader, columns: tuple[Sequence[float], Sequence[float]]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The minimum and maximum age of every document as numpy arrays, made once per reader from its `age_columns`."""
    import numpy as np

    if reader not in _AGE_ARRAYS:
        minimum, maximum = columns
        _AGE_ARRAYS[reader] = (np.fromiter(minimum, dtype=np.float64), np.fromiter(maximum, dtype=np.float64))
    return _AGE_ARRAYS[reader]


class AdmitsAge(DocIdSet):
    """The documents (of `within`, when given) whose age limits admit `age`, for a Whoosh `FilterCollector`.

    Only membership is supported: that is all a filter is asked.
    """

    def __init__(self, reader: IndexReader, age: float, within: Container[int] | None = None) -> None:
        self.reader = reader
        self.minimum, self.maximum = age_columns(reader)
        self.age = age
        self.within = within

    def __bool__(self) -> bool:
        return True  # Whoosh asks whether a filter is there before using it

    def __contains__(self, docnum: int) -> bool:
        if self.within is not None and docnum not in self.within:
            return False
        return bool(self.minimum[docnum] <= self.age <= self.maximum[docnum])

    def mask(self, size: int) -> NDArray[np.bool_]:
        """Membership of every document at once, as `search.dense` asks (numpy is imported by then)."""
        from search.dense import documents_mask

        minimum, maximum = age_arrays(self.reader, (self.minimum, self.maximum))
        admits = (minimum <= self.age) & (self.age <= maximum)
        if self.within is not None:
            admits &= documents_mask(self.within, size)
        return admits
