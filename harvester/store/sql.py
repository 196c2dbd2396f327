"""The store's connection and the one place its SQL runs (`Store` and its table mixins build on `SQLBase`)."""

from __future__ import annotations

import shlex
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from harvester.errors import ReadOnlyDataDir, StoreDamaged, StoreError

__all__ = ["CHUNK", "Rows", "SQLBase", "read_only", "store_damaged", "store_error"]

#: SQLite's limit on host parameters is 999 in old builds; IN lists are sent in chunks of this many
CHUNK = 500


def store_damaged(path: Path, detail: object) -> StoreDamaged:
    """The error for a damaged store file: one line naming the file and the integrity check to run."""
    return StoreDamaged(f"the store {path} is damaged ({detail})",
                        hint=f"check it with: sqlite3 {shlex.quote(str(path))} 'PRAGMA integrity_check'")


def read_only(path: Path) -> ReadOnlyDataDir:
    return ReadOnlyDataDir(f"the data dir {path.parent} is read-only: this needs to write its store")


def store_error(path: Path, error: sqlite3.Error) -> StoreError:
    """A sqlite3 error as the store's own: a damaged file (`StoreDamaged`), else a failed query."""
    if type(error) is sqlite3.DatabaseError:  # "database disk image is malformed", "file is not a database"
        return store_damaged(path, error)
    if "readonly" in str(error):  # "attempt to write a readonly database"
        return read_only(path)
    return StoreError(f"store query failed: {error}")


class Rows:
    """A cursor whose rows are read as they are asked for, with sqlite3 errors met on the way as the store's."""

    def __init__(self, cursor: sqlite3.Cursor, path: Path) -> None:
        self._cursor = cursor
        self._path = path

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    def fetchone(self) -> Any:
        try:
            return self._cursor.fetchone()
        except sqlite3.Error as error:
            raise store_error(self._path, error) from error

    def fetchall(self) -> list[Any]:
        try:
            return self._cursor.fetchall()
        except sqlite3.Error as error:
            raise store_error(self._path, error) from error

    def __iter__(self) -> Iterator[Any]:
        while (row := self.fetchone()) is not None:
            yield row


class SQLBase:
    _db: sqlite3.Connection
    path: Path

    def _execute(self, sql: str, params: Iterable[Any] = ()) -> Rows:
        try:
            return Rows(self._db.execute(sql, tuple(params)), self.path)
        except sqlite3.Error as error:
            raise store_error(self.path, error) from error

    def _rows_in(self, sql: str, before: tuple[Any, ...], ids: Iterable[str]) -> list[sqlite3.Row]:
        """The rows of `sql`, whose ``{}`` is an IN list of `ids` placed after the `before` parameters."""
        wanted = sorted(set(ids))
        rows: list[sqlite3.Row] = []
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            rows += self._execute(sql.format(",".join("?" * len(chunk))), (*before, *chunk)).fetchall()
        return rows
