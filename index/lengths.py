"""Field lengths kept in memory while a Whoosh segment is written, instead of read back from disk at commit.

At commit, Whoosh's `SegmentWriter` writes every posting with the length of its field in its document, and reads
that length back per posting from the length column it has just written (`W3PerDocReader.doc_field_length`: a file
look-up, a struct unpack and a byte-to-length conversion, for each of the millions of postings): ~11% of a build's
CPU. `memory_field_lengths()` makes the per-document writer remember the lengths it writes (as the byte the
column holds, turned back into the length the reader would return), and the segment writer hand those to the
posting writer. The segment files are byte for byte what Whoosh writes without it (`tests/test_index_identical.py`).

Whoosh's multiprocess writer makes its `SegmentWriter`s itself, so the change is made to Whoosh's classes for as
long as `memory_field_lengths()` is entered (worker processes are forked inside it, and inherit it).
"""

from __future__ import annotations

from typing import Any

from whoosh.codec import whoosh3
from whoosh.writing import SegmentWriter

from index.patching import ClassPatch

__all__ = ["MemoryFieldLengths", "memory_field_lengths"]

_ORIGINAL_ADD_FIELD = whoosh3.W3PerDocWriter.add_field
_ORIGINAL_FLUSH = SegmentWriter._flush_segment


class MemoryFieldLengths:
    """`doc_field_length` answered from the lengths one per-document writer recorded."""

    def __init__(self, lengths: dict[str, dict[int, int | None]]) -> None:
        self._lengths = lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        column = self._lengths.get(fieldname)
        if column is None:  # no document had a length for this field: the reader finds no column
            return default
        return column.get(docnum)  # a document without one: the column's 0 byte, which the reader returns as None

    def close(self) -> None:
        """Nothing to close (the reader this stands for had files)."""


def _add_field(self: Any, fieldname: str, fieldobj: Any, value: Any, length: int) -> None:
    _ORIGINAL_ADD_FIELD(self, fieldname, fieldobj, value, length)
    if length:
        lengths = self.__dict__.setdefault("_memory_lengths", {})
        quantized = whoosh3.length_to_byte(length)
        lengths.setdefault(fieldname, {})[self._docnum] = whoosh3.byte_to_length(quantized) if quantized else None


def _flush_segment(self: Any) -> None:
    """`SegmentWriter._flush_segment` with the lengths from memory instead of a reader of the new segment."""
    self.perdocwriter.close()
    lengths = MemoryFieldLengths(getattr(self.perdocwriter, "_memory_lengths", {})) if self.codec.length_stats \
        else None
    self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
    self.fieldwriter.close()


#: Whoosh writers made inside keep field lengths in memory
memory_field_lengths = ClassPatch(
    (whoosh3.W3PerDocWriter, "add_field", _add_field), (SegmentWriter, "_flush_segment", _flush_segment)
)
