"""The baseline: SQLite FTS5 (stdlib sqlite3) over the same documents the Whoosh index holds.

The table mirrors the index: one `text` column for plain words (the sections of the index's `text` field,
unweighted: FTS5 weighs columns, not parts of one), one column per searchable field, Porter stemming and accent
folding (``porter unicode61 remove_diacritics 2``). A query returns the top 10 by bm25 with a snippet, as a
trialwatch search does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from index.analysis import status_term, weighted_sections

COLUMNS = ("nct_id", "text", "conditions", "drugs", "inclusion", "exclusion", "sponsor", "countries", "status",
           "last_update")
#: bm25() weights, in column order: the text column weighs as much as the Whoosh title/condition/drug sections
_WEIGHTS = "0, 3, 3, 3, 1, 1, 1, 1, 0, 0"


def build(path: Path, documents: Iterable[dict[str, Any]]) -> int:
    """Write the FTS5 table of `documents` (as `index.documents.trial_document` makes them); returns how many."""
    baseline = Baseline(path)
    count = 0
    for document in documents:
        baseline.add(document)
        count += 1
    baseline.finish()
    return count


class Baseline:
    """An FTS5 table at `path`, filled with `add` (a transaction per 1,000 documents), then searched."""

    _BATCH = 1000

    def __init__(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.execute(
            f"CREATE VIRTUAL TABLE trials USING fts5({', '.join(COLUMNS[:-1])}, last_update UNINDEXED,"
            " tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self._rows: list[tuple[Any, ...]] = []

    def add(self, document: dict[str, Any]) -> None:
        self._rows.append(_row(document))
        if len(self._rows) >= self._BATCH:
            self._flush()

    def finish(self) -> None:
        self._flush()

    def search(self, match: str, *, newest_first: bool = False) -> list[tuple[str, str]]:
        return search(self.db, match, newest_first=newest_first)

    def close(self) -> None:
        self.db.close()

    def _flush(self) -> None:
        with self.db:
            self.db.executemany(f"INSERT INTO trials VALUES ({', '.join('?' * len(COLUMNS))})", self._rows)
        self._rows.clear()


def search(db: sqlite3.Connection, match: str, *, newest_first: bool = False) -> list[tuple[str, str]]:
    """Top 10 (nct_id, snippet) for an FTS5 MATCH expression, best bm25 first or newest update first."""
    order = "last_update DESC" if newest_first else f"bm25(trials, {_WEIGHTS})"
    return db.execute(
        f"SELECT nct_id, snippet(trials, -1, '**', '**', '…', 24) FROM trials WHERE trials MATCH ?"
        f" ORDER BY {order} LIMIT 10",
        (match,),
    ).fetchall()


def _row(document: dict[str, Any]) -> tuple[Any, ...]:
    text = "\n".join(section for _, section in weighted_sections(document["text"]))
    # one token per status ("not_yet_recruiting" would be three words to FTS5)
    status = " ".join(status_term(value).replace("_", "") for value in document.get("status", "").split())
    last_update = document.get("last_update")
    return (document["nct_id"], text, *(document.get(column, "") for column in COLUMNS[2:8]), status,
            last_update.isoformat() if last_update else "")
