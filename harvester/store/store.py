"""The versioned store: every version of every record, in one SQLite file.

Like simonw/git-history's item / item_version tables: `trials` holds one row per trial, `versions` one row per
distinct content seen (raw body, compressed), added only when the canonical content hash changes. `runs` records
every harvest. The search index is rebuilt from this file alone.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from harvester.errors import NotInStore, StoreError

SCHEMA_VERSION = 1
STORE_FILENAME = "trialwatch.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    query TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    data_timestamp TEXT,
    outcome TEXT NOT NULL DEFAULT 'running',
    message TEXT,
    fetched INTEGER NOT NULL DEFAULT 0,
    new INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS trials (
    nct_id TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    nct_id TEXT NOT NULL REFERENCES trials(nct_id),
    source TEXT NOT NULL,
    source_url TEXT,
    fetched_at TEXT NOT NULL,
    last_update_posted TEXT,
    data_timestamp TEXT,
    content_hash TEXT NOT NULL,
    raw BLOB NOT NULL,
    run_id INTEGER REFERENCES runs(id)
);
CREATE INDEX IF NOT EXISTS versions_by_trial ON versions (nct_id, source, id);
"""

Source = Literal["api", "page"]
Outcome = Literal["new", "changed", "unchanged"]

#: the registry's data date, and its MeSH browse navigation (recomputed, reordered and re-matched on each data
#: refresh although the study did not change); the raw record keeps them
_VOLATILE_PATHS = (
    ("derivedSection", "miscInfoModule", "versionHolder"),
    ("derivedSection", "conditionBrowseModule", "browseLeaves"),
    ("derivedSection", "conditionBrowseModule", "browseBranches"),
    ("derivedSection", "interventionBrowseModule", "browseLeaves"),
    ("derivedSection", "interventionBrowseModule", "browseBranches"),
)
#: derived lists whose order the registry does not keep stable between snapshots
_UNORDERED_DERIVED_LISTS = ("meshes", "ancestors")


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def canonical_api_hash(record: dict[str, Any]) -> str:
    """Hash of a record's meaning: volatile fields dropped, unordered derived lists sorted, keys sorted.

    The two real snapshots of NCT02552212 (tests/fixtures/records) differ only in such fields and hash the same.
    """
    canonical = json.loads(json.dumps(record))
    for path in _VOLATILE_PATHS:
        parent = canonical
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    for module in (canonical.get("derivedSection") or {}).values():
        if isinstance(module, dict):
            for name in _UNORDERED_DERIVED_LISTS:
                if isinstance(module.get(name), list):
                    module[name].sort(key=lambda item: json.dumps(item, sort_keys=True))
    return content_hash(json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())


def content_hash(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class StoredVersion:
    id: int
    nct_id: str
    source: Source
    source_url: str | None
    fetched_at: str
    last_update_posted: str | None
    data_timestamp: str | None
    content_hash: str
    raw: bytes
    run_id: int | None

    def json(self) -> Any:
        return json.loads(self.raw)


@dataclass(frozen=True)
class Run:
    id: int
    kind: str
    query: dict[str, Any]
    started_at: str
    finished_at: str | None
    data_timestamp: str | None
    outcome: str
    message: str | None
    fetched: int
    new: int
    changed: int
    unchanged: int
    skipped: int


class Store:
    """A data dir's SQLite catalogue. Use as a context manager; writes happen inside `transaction()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            self._check_schema_version()
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the store {path}: {error}", hint="is it a trialwatch data dir?") from error
        except OSError as error:
            raise StoreError(f"cannot create the store {path}: {error.strerror}") from error

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        return cls(data_dir / STORE_FILENAME)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def _check_schema_version(self) -> None:
        found = self.get_meta("schema_version")
        if found is None:
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(found) > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer trialwatch (schema {found})", hint="upgrade trialwatch")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StoreError(f"the store is busy: {error}", hint="another trialwatch run is writing; try again") from error
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        """Run SQL on the store's connection (for the store's own tables and those of sibling modules)."""
        try:
            return self._db.execute(sql, tuple(params))
        except sqlite3.Error as error:
            raise StoreError(f"store query failed: {error}") from error

    # --- meta -------------------------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    # --- versions ---------------------------------------------------------------------------------------------

    def add_version(
        self,
        *,
        nct_id: str,
        source: Source,
        raw: bytes,
        content_hash: str,
        fetched_at: str,
        source_url: str | None = None,
        last_update_posted: str | None = None,
        data_timestamp: str | None = None,
        run_id: int | None = None,
    ) -> Outcome:
        """Keep `raw` as a new version unless it has the same content hash as the latest version from `source`."""
        latest = self.execute(
            "SELECT content_hash FROM versions WHERE nct_id = ? AND source = ? ORDER BY id DESC LIMIT 1",
            (nct_id, source),
        ).fetchone()
        self.execute(
            "INSERT INTO trials VALUES (?, ?, ?) ON CONFLICT(nct_id) DO UPDATE SET last_seen = excluded.last_seen",
            (nct_id, fetched_at, fetched_at),
        )
        if latest is not None and latest["content_hash"] == content_hash:
            return "unchanged"
        self.execute(
            "INSERT INTO versions (nct_id, source, source_url, fetched_at, last_update_posted, data_timestamp,"
            " content_hash, raw, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (nct_id, source, source_url, fetched_at, last_update_posted, data_timestamp, content_hash,
             gzip.compress(raw, mtime=0), run_id),
        )
        return "new" if latest is None else "changed"

    def latest_version(self, nct_id: str, source: Source | None = None) -> StoredVersion:
        """The newest version of a trial, preferring the registry record over a page when `source` is None."""
        rows = self.execute(
            "SELECT * FROM versions WHERE nct_id = ? AND (? IS NULL OR source = ?)"
            " ORDER BY source = 'api' DESC, id DESC LIMIT 1",
            (nct_id, source, source),
        ).fetchall()
        if not rows:
            raise NotInStore(f"{nct_id} is not in the store", hint=f"run: trialwatch harvest {nct_id}")
        return _version(rows[0])

    def versions(self, nct_id: str, source: Source | None = None) -> list[StoredVersion]:
        """Every stored version of a trial, oldest first."""
        rows = self.execute(
            "SELECT * FROM versions WHERE nct_id = ? AND (? IS NULL OR source = ?) ORDER BY id",
            (nct_id, source, source),
        ).fetchall()
        return [_version(row) for row in rows]

    def latest_versions(self, nct_ids: Iterable[str] | None = None) -> Iterator[StoredVersion]:
        """The current version of every trial (or of the given ones): the newest API record, else the newest page."""
        yield from self._select_versions(
            "SELECT v.* FROM versions v WHERE v.id = (SELECT id FROM versions w WHERE w.nct_id = v.nct_id"
            " ORDER BY w.source = 'api' DESC, w.id DESC LIMIT 1)",
            nct_ids, order="v.nct_id",
        )

    def latest_by_source(self, nct_ids: Iterable[str] | None = None) -> Iterator[list[StoredVersion]]:
        """For every trial (or the given ones), in NCT id order: its newest version from each source, API first."""
        versions = self._select_versions(
            "SELECT v.* FROM versions v WHERE v.id = (SELECT MAX(w.id) FROM versions w"
            " WHERE w.nct_id = v.nct_id AND w.source = v.source)",
            nct_ids, order="v.nct_id, v.source = 'api' DESC",
        )
        for _, group in itertools.groupby(versions, key=lambda version: version.nct_id):
            yield list(group)

    def _select_versions(self, sql: str, nct_ids: Iterable[str] | None, *, order: str) -> Iterator[StoredVersion]:
        """The rows of `sql` (a SELECT over ``versions v`` with a WHERE clause), for every trial or the given ones."""
        if nct_ids is None:
            yield from (_version(row) for row in self.execute(f"{sql} ORDER BY {order}"))
            return
        wanted = sorted(set(nct_ids))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.execute(f"{sql} AND v.nct_id IN ({marks}) ORDER BY {order}", chunk).fetchall()
            yield from (_version(row) for row in rows)

    def trials_changed_after(self, version_id: int) -> tuple[list[str], int]:
        """NCT ids with a version newer than `version_id`, and the newest version id now in the store."""
        rows = self.execute("SELECT DISTINCT nct_id FROM versions WHERE id > ?", (version_id,)).fetchall()
        return [row["nct_id"] for row in rows], self.max_version_id()

    def max_version_id(self) -> int:
        return self.execute("SELECT COALESCE(MAX(id), 0) FROM versions").fetchone()[0]

    def nct_ids(self) -> list[str]:
        return [row[0] for row in self.execute("SELECT nct_id FROM trials ORDER BY nct_id")]

    def count_trials(self) -> int:
        return self.execute("SELECT COUNT(*) FROM trials").fetchone()[0]

    def count_versions(self) -> int:
        return self.execute("SELECT COUNT(*) FROM versions").fetchone()[0]

    # --- runs -------------------------------------------------------------------------------------------------

    def start_run(self, kind: str, query: dict[str, Any]) -> int:
        cursor = self.execute(
            "INSERT INTO runs (kind, query, started_at) VALUES (?, ?, ?)",
            (kind, json.dumps(query, sort_keys=True), utc_now()),
        )
        return int(cursor.lastrowid)

    def update_run(self, run_id: int, **fields: Any) -> None:
        """Set columns of a run, e.g. ``update_run(7, outcome='ok', finished_at=utc_now(), new=3)``."""
        allowed = {"finished_at", "data_timestamp", "outcome", "message", "fetched", "new", "changed", "unchanged", "skipped"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown run fields: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*fields.values(), run_id))

    def runs(self, kind: str | None = None, limit: int = 20) -> list[Run]:
        rows = self.execute(
            "SELECT * FROM runs WHERE (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT ?", (kind, kind, limit)
        ).fetchall()
        return [Run(**{**dict(row), "query": json.loads(row["query"])}) for row in rows]


def _version(row: sqlite3.Row) -> StoredVersion:
    values = dict(row)
    values["raw"] = gzip.decompress(values["raw"])
    return StoredVersion(**values)
