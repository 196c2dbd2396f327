"""The store's connection and the one place its SQL runs (`Store` and its table mixins build on `SQLBase`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from harvester.errors import StoreError

#: SQLite's limit on host parameters is 999 in old builds; IN lists are sent in chunks of this many
CHUNK = 500


class SQLBase:
    _db: sqlite3.Connection

    def _execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, tuple(params))
        except sqlite3.Error as error:
            raise StoreError(f"store query failed: {error}") from error

    def _rows_in(self, sql: str, before: tuple[Any, ...], ids: Iterable[str]) -> list[sqlite3.Row]:
        """The rows of `sql`, whose ``{}`` is an IN list of `ids` placed after the `before` parameters."""
        wanted = sorted(set(ids))
        rows: list[sqlite3.Row] = []
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            rows += self._execute(sql.format(",".join("?" * len(chunk))), (*before, *chunk)).fetchall()
        return rows
