"""Every table of a data dir's SQLite file, its schema version, and the migrations between versions.

`meta.schema_version` says which version a file has. Opening a file runs the migrations it lacks, in order, each
in one transaction with the new version number, so an old data dir upgrades in place on first use and a failed
migration leaves it as it was. A file from a newer release (a version above `SCHEMA_VERSION`) is refused.

Versions:

1. ``meta``, ``runs``, ``trials``, ``versions``; the ``watches``, ``watch_trials`` and ``events`` tables were made
   on first use by the modules that used them, so a version-1 file may or may not have them.
2. The store creates every table itself; version 2 adds those three where a version-1 file lacks them.
3. ``webhook_deliveries``: the payloads `refresh --notify-url` POSTs, kept until delivered.
4. ``watches.notify_url``: a watch's own webhook (`watch notify`).
"""

from __future__ import annotations

import sqlite3

from harvester.errors import ReadOnlyDataDir, StoreError

__all__ = ["SCHEMA_VERSION", "migrate"]

_VERSION_1 = """
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

_VERSION_2 = """
CREATE TABLE IF NOT EXISTS watches (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_run_id INTEGER,
    last_success_at TEXT,
    last_success_data_timestamp TEXT,
    last_full_at TEXT,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS watch_trials (
    watch_id INTEGER NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
    nct_id TEXT NOT NULL,
    first_matched_at TEXT NOT NULL,
    last_matched_at TEXT NOT NULL,
    dropped_at TEXT,
    PRIMARY KEY (watch_id, nct_id)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    event_key TEXT NOT NULL UNIQUE,
    nct_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    watch TEXT,
    detected_at TEXT NOT NULL,
    details TEXT NOT NULL,
    old_version_id INTEGER,
    new_version_id INTEGER,
    run_id INTEGER
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (detected_at, id);
CREATE INDEX IF NOT EXISTS events_by_trial ON events (nct_id, id);
"""

_VERSION_3 = """
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    last_error TEXT,
    delivered_at TEXT
);
"""

_VERSION_4 = """
ALTER TABLE watches ADD COLUMN notify_url TEXT;
"""

#: MIGRATIONS[n - 1] takes a file from version n - 1 to version n (a new file goes through all of them)
MIGRATIONS: tuple[str, ...] = (_VERSION_1, _VERSION_2, _VERSION_3, _VERSION_4)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite3.Connection) -> int:
    """The file's schema version; 0 for an empty file."""
    has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    if not has_meta:
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(db: sqlite3.Connection, path: object, *, read_only: bool = False) -> None:
    """Bring the file up to `SCHEMA_VERSION`; refuse one written by a newer release (`StoreError`).

    `db` is in autocommit mode (``isolation_level=None``); each step commits on its own. A `read_only` file is only
    checked: one that would need upgrading is refused (`ReadOnlyDataDir`).
    """
    found = schema_version(db)
    if found > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer trialwatch (schema {found}, this one reads up to"
                         f" {SCHEMA_VERSION})", hint="upgrade trialwatch")
    if read_only and found < SCHEMA_VERSION:
        raise ReadOnlyDataDir(f"{path} is read-only and from an older trialwatch (schema {found}): it cannot be"
                              " upgraded in place", hint="upgrade a writable copy of the data dir")
    for version in range(found + 1, SCHEMA_VERSION + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version - 1].split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute("INSERT INTO meta VALUES ('schema_version', ?)"
                       " ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(version),))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
