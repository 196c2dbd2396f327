"""The ceiling: tantivy (Rust, through its Python binding) over the same documents, when it is installed.

`pip install tantivy` (the ``bench`` extra). The index mirrors `bench.fts5`'s table: one `text` field for plain
words (the sections of the Whoosh `text` field, unweighted), one field per searchable field, English stemming
(``en_stem``); the status as one raw term per value; the last update as a fast date field for newest-first
order. A query returns the top 10 by BM25 with a snippet of `text`, as a trialwatch search does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from index.analysis import status_term, weighted_sections

TEXT_FIELDS = ("text", "conditions", "drugs", "inclusion", "exclusion", "sponsor", "countries")
_WRITER_HEAP = 256_000_000

try:
    import tantivy
except ImportError:  # the ceiling is optional
    tantivy = None


def available() -> bool:
    return tantivy is not None


class Ceiling:
    """A tantivy index under `path`, filled with `add`, then searched."""

    def __init__(self, path: Path) -> None:
        assert tantivy is not None, "tantivy is not installed"
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("nct_id", stored=True, tokenizer_name="raw")
        for name in TEXT_FIELDS:
            builder.add_text_field(name, stored=name == "text", tokenizer_name="en_stem")
        builder.add_text_field("status", tokenizer_name="raw")
        builder.add_date_field("last_update", fast=True)
        self.schema = builder.build()
        path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(self.schema, path=str(path))
        self._writer: Any = None
        self._searcher: Any = None

    def add(self, document: dict[str, Any]) -> None:
        if self._writer is None:
            self._writer = self.index.writer(heap_size=_WRITER_HEAP)
        last_update = document.get("last_update") or dt.datetime(1970, 1, 1)
        self._writer.add_document(tantivy.Document(
            nct_id=document["nct_id"],
            text="\n".join(section for _, section in weighted_sections(document["text"])),
            **{name: document.get(name, "") for name in TEXT_FIELDS[1:]},
            status=[status_term(value) for value in document.get("status", "").split()],
            last_update=last_update.replace(tzinfo=dt.UTC),
        ))

    def finish(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None
        self.index.reload()
        self._searcher = self.index.searcher()

    def search(self, expression: str, *, newest_first: bool = False) -> list[tuple[str, str]]:
        """Top 10 (nct_id, snippet) for a tantivy query, best BM25 first or newest update first."""
        parsed = self.index.parse_query(expression, ["text"])
        if newest_first:
            hits = self._searcher.search(parsed, 10, count=False, order_by_field="last_update").hits
        else:
            hits = self._searcher.search(parsed, 10, count=False).hits
        snippets = tantivy.SnippetGenerator.create(self._searcher, parsed, self.schema, "text")
        found = []
        for _, address in hits:
            document = self._searcher.doc(address)
            found.append((document["nct_id"][0], snippets.snippet_from_doc(document).to_html()))
        return found
