"""The age filter, checked per candidate trial from the index's age columns.

As a document set it would be two ranges over most of the index, which Whoosh builds in pure Python for every
search (tens of milliseconds at 20,000 trials); a look-up per candidate costs a few microseconds.
"""

from __future__ import annotations

from collections.abc import Container

from whoosh.idsets import DocIdSet
from whoosh.reading import IndexReader


class AdmitsAge(DocIdSet):
    """The documents (of `within`, when given) whose age limits admit `age`, for a Whoosh `FilterCollector`.

    Only membership is supported: that is all a filter is asked.
    """

    def __init__(self, reader: IndexReader, age: float, within: Container[int] | None = None) -> None:
        self.minimum = reader.column_reader("min_age")
        self.maximum = reader.column_reader("max_age")
        self.age = age
        self.within = within

    def __bool__(self) -> bool:
        return True  # Whoosh asks whether a filter is there before using it

    def __contains__(self, docnum: int) -> bool:
        if self.within is not None and docnum not in self.within:
            return False
        return bool(self.minimum[docnum] <= self.age <= self.maximum[docnum])
