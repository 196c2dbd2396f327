"""The versioned store: every version of every record, in one SQLite file.

Like simonw/git-history's item / item_version tables: `trials` holds one row per trial, `versions` one row per
distinct content seen (raw body, compressed), added only when the canonical content hash changes. `runs` records
every harvest. The search index is rebuilt from this file alone. Every table is defined in
`harvester.store.schema`; every SQL statement runs in this package.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import itertools
import json
import os
import sqlite3
import urllib.parse
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harvester.errors import NotInStore, ReadOnlyDataDir, StoreError
from harvester.jsoncodec import canonical_json, decode_json
from harvester.store.delivery_rows import DeliveryRows
from harvester.store.event_rows import EventRows
from harvester.store.schema import migrate
from harvester.store.sql import read_only, store_damaged
from harvester.store.watch_rows import WatchRows
from harvester.terms import RUN_COUNTERS, Outcome, Source

__all__ = [
    "GZIP_LEVEL",
    "KILLED_MESSAGE",
    "SNAPSHOT_SOURCE_URL",
    "STORE_FILENAME",
    "Run",
    "Store",
    "StoredVersion",
    "canonical_api_hash",
    "content_hash",
    "process_alive",
    "utc_now",
]

STORE_FILENAME = "trialwatch.sqlite"
#: the source URL of versions loaded from the bundled snapshot
SNAPSHOT_SOURCE_URL = "trialwatch:bundled-snapshot"
#: a running run's message: which process runs it, so that the next run can tell it was killed
_RUNNING_AS = "running as pid "
KILLED_MESSAGE = "the process ended without finishing the run"


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
#: the order of an unordered derived list: by each item's ``json.dumps(item, sort_keys=True)`` (one encoder for all,
#: the same text without making an encoder per item)
_SORT_KEY = json.JSONEncoder(sort_keys=True)
#: stored versions compress within ~3% of level 9 at a third of its CPU (JSON records of 10-70 KB)
GZIP_LEVEL = 6


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def canonical_api_hash(record: dict[str, Any]) -> str:
    """Hash of a record's meaning: volatile fields dropped, unordered derived lists sorted, keys sorted.

    The two real snapshots of NCT02552212 (tests/fixtures/records) differ only in such fields and hash the same.
    Only the dicts on the way to what is dropped or sorted are copied (the record is not changed), and the text is
    written by `canonical_json` (orjson, the same bytes as the standard library's sorted compact JSON, so hashes
    stored before stay comparable).
    """
    canonical = dict(record)
    for path in _VOLATILE_PATHS:
        parent = canonical
        for key in path[:-1]:
            child = parent.get(key)
            if not isinstance(child, dict):
                break
            parent[key] = parent = dict(child)
        else:
            parent.pop(path[-1], None)
    derived = canonical.get("derivedSection")
    if isinstance(derived, dict):
        canonical["derivedSection"] = derived = dict(derived)
        for name, module in derived.items():
            if isinstance(module, dict) and any(isinstance(module.get(key), list) for key in _UNORDERED_DERIVED_LISTS):
                derived[name] = module = dict(module)
                for key in _UNORDERED_DERIVED_LISTS:
                    if isinstance(module.get(key), list):
                        module[key] = sorted(module[key], key=_SORT_KEY.encode)
    return content_hash(canonical_json(canonical))


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
        return decode_json(self.raw)


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


class Store(WatchRows, EventRows, DeliveryRows):
    """A data dir's SQLite catalogue. Use as a context manager; writes happen inside `transaction()`.

    ``Store.open(data_dir)`` opens (creating or upgrading) a data dir's file; ``Store.in_memory()`` makes a
    throwaway store for tests, like sqlite-utils' ``Database(memory=True)``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        in_memory = str(path) == ":memory:"
        #: True for a store in a data dir that cannot be written: it is read as it is, and every write refused
        self.read_only = not in_memory and _cannot_write(path)
        try:
            if self.read_only:
                self._db = _connect_read_only(path)
            else:
                if not in_memory:
                    path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            if not in_memory and not self.read_only:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            migrate(self._db, path, read_only=self.read_only)
        except StoreError:
            self._db.close()
            raise
        except sqlite3.Error as error:
            if "malformed" in str(error):
                raise store_damaged(path, error) from error
            raise StoreError(f"cannot open the store {path}: {error}", hint="is it a trialwatch data dir?") from error
        except OSError as error:
            raise StoreError(f"cannot create the store {path}: {error.strerror}") from error

    @classmethod
    def in_memory(cls) -> Store:
        return cls(Path(":memory:"))

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        return cls(data_dir / STORE_FILENAME)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all."""
        if self.read_only:
            raise read_only(self.path)
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StoreError(f"the store is busy: {error}",
                             hint="another trialwatch run is writing; try again") from error
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    # --- meta -------------------------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                      (key, value))

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
        latest = self._latest_hash(nct_id, source)
        self._seen(nct_id, fetched_at)
        if latest is not None and latest == content_hash:
            return "unchanged"
        self._execute(
            "INSERT INTO versions (nct_id, source, source_url, fetched_at, last_update_posted, data_timestamp,"
            " content_hash, raw, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (nct_id, source, source_url, fetched_at, last_update_posted, data_timestamp, content_hash,
             gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0), run_id),
        )
        return "new" if latest is None else "changed"

    def seen_unchanged(self, *, nct_id: str, source: Source, content_hash: str, fetched_at: str) -> bool:
        """If the latest version from `source` has `content_hash`, record the trial as seen and return True (what
        `add_version` does for an unchanged record, without the record's bytes); else change nothing."""
        if self._latest_hash(nct_id, source) != content_hash:
            return False
        self._seen(nct_id, fetched_at)
        return True

    def _latest_hash(self, nct_id: str, source: Source) -> str | None:
        row = self._execute(
            "SELECT content_hash FROM versions WHERE nct_id = ? AND source = ? ORDER BY id DESC LIMIT 1",
            (nct_id, source),
        ).fetchone()
        return None if row is None else str(row["content_hash"])

    def _seen(self, nct_id: str, fetched_at: str) -> None:
        self._execute(
            "INSERT INTO trials VALUES (?, ?, ?) ON CONFLICT(nct_id) DO UPDATE SET last_seen = excluded.last_seen",
            (nct_id, fetched_at, fetched_at),
        )

    def latest_version(self, nct_id: str, source: Source | None = None) -> StoredVersion:
        """The newest version of a trial, preferring the registry record over a page when `source` is None."""
        rows = self._execute(
            "SELECT * FROM versions WHERE nct_id = ? AND (? IS NULL OR source = ?)"
            " ORDER BY source = 'api' DESC, id DESC LIMIT 1",
            (nct_id, source, source),
        ).fetchall()
        if not rows:
            raise NotInStore(f"{nct_id} is not in the store", hint=f"run: trialwatch harvest {nct_id}")
        return self._version(rows[0])

    def versions(self, nct_id: str, source: Source | None = None) -> list[StoredVersion]:
        """Every stored version of a trial, oldest first."""
        rows = self._execute(
            "SELECT * FROM versions WHERE nct_id = ? AND (? IS NULL OR source = ?) ORDER BY id",
            (nct_id, source, source),
        ).fetchall()
        return [self._version(row) for row in rows]

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
            yield from (self._version(row) for row in self._execute(f"{sql} ORDER BY {order}"))
            return
        wanted = sorted(set(nct_ids))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._execute(f"{sql} AND v.nct_id IN ({marks}) ORDER BY {order}", chunk).fetchall()
            yield from (self._version(row) for row in rows)

    def trials_changed_after(self, version_id: int) -> tuple[list[str], int]:
        """NCT ids with a version newer than `version_id`, and the newest version id now in the store."""
        rows = self._execute("SELECT DISTINCT nct_id FROM versions WHERE id > ?", (version_id,)).fetchall()
        return [row["nct_id"] for row in rows], self.max_version_id()

    def versions_after(self, version_id: int, limit: int) -> list[StoredVersion]:
        """Up to `limit` versions stored after `version_id`, oldest first."""
        rows = self._execute("SELECT * FROM versions WHERE id > ? ORDER BY id LIMIT ?", (version_id, limit)).fetchall()
        return [self._version(row) for row in rows]

    def previous_version(self, version: StoredVersion) -> StoredVersion | None:
        """The version of the same trial from the same source stored just before `version`."""
        row = self._execute(
            "SELECT * FROM versions WHERE nct_id = ? AND source = ? AND id < ? ORDER BY id DESC LIMIT 1",
            (version.nct_id, version.source, version.id),
        ).fetchone()
        return self._version(row) if row else None

    def latest_version_id(self, nct_id: str, source: Source) -> int | None:
        row = self._execute("SELECT MAX(id) FROM versions WHERE nct_id = ? AND source = ?", (nct_id, source)).fetchone()
        return None if row[0] is None else int(row[0])

    def max_version_id(self) -> int:
        return int(self._execute("SELECT COALESCE(MAX(id), 0) FROM versions").fetchone()[0])

    def nct_ids(self) -> list[str]:
        return [row[0] for row in self._execute("SELECT nct_id FROM trials ORDER BY nct_id")]

    def count_trials(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM trials").fetchone()[0])

    def count_versions(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM versions").fetchone()[0])

    def _version(self, row: sqlite3.Row) -> StoredVersion:
        values = dict(row)
        try:
            values["raw"] = gzip.decompress(values["raw"])
        except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
            detail = f"version {values['id']} of {values['nct_id']} does not decompress: {error}"
            raise store_damaged(self.path, detail) from error
        return StoredVersion(**values)

    # --- runs -------------------------------------------------------------------------------------------------

    def start_run(self, kind: str, query: dict[str, Any]) -> int:
        """Record a run as running in this process (its message names the pid until it finishes).

        Runs of any kind left running by a process that no longer exists are marked killed first.
        """
        self.mark_dead_runs()
        cursor = self._execute(
            "INSERT INTO runs (kind, query, started_at, message) VALUES (?, ?, ?, ?)",
            (kind, json.dumps(query, sort_keys=True), utc_now(), f"{_RUNNING_AS}{os.getpid()}"),
        )
        assert cursor.lastrowid is not None  # an INSERT sets it
        return cursor.lastrowid

    def live_runs(self) -> list[Run]:
        """Runs still running in another process that is alive (a harvest or refresh storing trials now), newest
        first."""
        rows = self._execute("SELECT * FROM runs WHERE outcome = 'running' AND message LIKE ? ORDER BY id DESC",
                             (f"{_RUNNING_AS}%",)).fetchall()
        return [_run(row) for row in rows if (pid := row["message"].removeprefix(_RUNNING_AS)) != str(os.getpid())
                and process_alive(pid)]

    def mark_dead_runs(self) -> int:
        """Mark killed the runs still 'running' whose process (the pid `start_run` recorded) has died."""
        rows = self._execute("SELECT id, message FROM runs WHERE outcome = 'running' AND message LIKE ?",
                             (f"{_RUNNING_AS}%",)).fetchall()
        dead = [row["id"] for row in rows if not process_alive(row["message"].removeprefix(_RUNNING_AS))]
        for run_id in dead:
            self._execute("UPDATE runs SET outcome = 'killed', finished_at = ?, message = ? WHERE id = ?",
                          (utc_now(), KILLED_MESSAGE, run_id))
        return len(dead)

    def update_run(self, run_id: int, **fields: Any) -> None:
        """Set columns of a run, e.g. ``update_run(7, outcome='ok', finished_at=utc_now(), new=3)``."""
        allowed = {"finished_at", "data_timestamp", "outcome", "message", *RUN_COUNTERS}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown run fields: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self._execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*fields.values(), run_id))

    def mark_unfinished_runs(self, kinds: Iterable[str], *, outcome: str, message: str) -> int:
        """Close the runs of these kinds still marked running (their process died); returns how many."""
        wanted = sorted(set(kinds))
        cursor = self._execute(
            f"UPDATE runs SET outcome = ?, finished_at = ?, message = ? WHERE outcome = 'running'"
            f" AND kind IN ({','.join('?' * len(wanted))})",
            (outcome, utc_now(), message, *wanted),
        )
        return cursor.rowcount

    def has_succeeded_run(self, *, except_kind: str) -> bool:
        """Whether a run of another kind than `except_kind` finished ok."""
        row = self._execute("SELECT 1 FROM runs WHERE kind != ? AND outcome = 'ok' LIMIT 1", (except_kind,)).fetchone()
        return row is not None

    def run_kinds(self, run_ids: Iterable[int]) -> dict[int, str]:
        ids = sorted(set(run_ids))
        rows = self._execute(f"SELECT id, kind FROM runs WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall()
        return {int(row["id"]): row["kind"] for row in rows}

    def runs(self, kind: str | None = None, limit: int = 20) -> list[Run]:
        rows = self._execute(
            "SELECT * FROM runs WHERE (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT ?", (kind, kind, limit)
        ).fetchall()
        return [_run(row) for row in rows]


def _run(row: sqlite3.Row) -> Run:
    return Run(**{**dict(row), "query": json.loads(row["query"])})


def _cannot_write(path: Path) -> bool:
    """Whether the store at `path` exists in a data dir this process cannot write (or is itself read-only)."""
    if not path.is_file():
        return path.parent.is_dir() and not os.access(path.parent, os.W_OK)
    return not os.access(path.parent, os.W_OK) or not os.access(path, os.W_OK)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection; without the rights to make WAL's shared-memory file, the file as it is on disk."""
    if not path.is_file():
        raise ReadOnlyDataDir(f"the data dir {path.parent} is read-only and holds no store")
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    db = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError:  # "unable to open database file": no -shm file and no right to create one
        db.close()
        db = sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None)
    return db


def process_alive(pid: str) -> bool:
    """Whether the process with this pid (as text) exists."""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True
