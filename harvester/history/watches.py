"""Watches: saved registry queries that `trialwatch refresh` keeps up to date, and the trials each one matches.

Two tables in the store, created on first use:

- ``watches``: one row per saved query (unique name, the `StudyQuery` as JSON) and its refresh state: when its
  last successful refresh started (local clock and the registry's data timestamp, which the next incremental
  window starts from) and when it last had a complete, non-incremental listing.
- ``watch_trials``: the trials a watch has matched. ``dropped_at`` is set when a complete listing no longer
  returned the trial (see `harvester.history.refresh`), and cleared when it is matched again.

A fresh data dir gets `DEFAULT_WATCHES` once; a watch the user removes does not come back.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from harvester.registry.client import StudyQuery
from harvester.errors import UsageError
from harvester.statuses import status_option
from harvester.store.store import Store, utc_now

SCHEMA = """
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
"""

#: set once the default watches were created, so that removing them is final
_DEFAULTS_META_KEY = "watches_defaults_created"

#: the watch a fresh data dir starts with: lupus, cutaneous lupus spelled out (query.cond takes Essie's OR)
DEFAULT_WATCHES = {"lupus": StudyQuery(condition="lupus OR cutaneous lupus erythematosus")}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_watch_name(name: str) -> str:
    if not _NAME.match(name):
        raise UsageError(f"not a usable watch name: {name!r}",
                         hint="use letters, digits, '.', '_' or '-' (up to 64 characters), e.g. lupus-nephritis")
    return name


@dataclass(frozen=True)
class Watch:
    id: int
    name: str
    query: StudyQuery
    created_at: str
    last_run_id: int | None
    last_success_at: str | None
    last_success_data_timestamp: str | None
    last_full_at: str | None
    last_error: str | None

    def describe(self) -> str:
        """The query in words, e.g. ``condition "lupus", status recruiting``."""
        parts = [f'{label} "{value}"' for label, value in (
            ("condition", self.query.condition), ("intervention", self.query.intervention),
            ("term", self.query.term), ("filter", self.query.advanced)) if value]
        if self.query.statuses:
            parts.append("status " + "|".join(status_option(status) for status in self.query.statuses))
        return ", ".join(parts)

    def since_date(self) -> dt.date | None:
        """The day the last successful refresh saw the registry's data as of (None before the first success)."""
        stamp = self.last_success_data_timestamp or self.last_success_at
        return dt.date.fromisoformat(stamp[:10]) if stamp else None


def query_json(query: StudyQuery) -> str:
    """A watch's query as stored: what it asks, not how it is paged."""
    return query.model_dump_json(include={"condition", "intervention", "term", "statuses", "advanced"})


class Watches:
    """The watches of one store. Writes that belong together go inside the caller's `store.transaction()`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        ready = store.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'watch_trials'").fetchone()
        if ready and store.get_meta(_DEFAULTS_META_KEY) is not None:
            return
        with store.transaction():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    store.execute(statement)
            if store.get_meta(_DEFAULTS_META_KEY) is None:
                for name, query in DEFAULT_WATCHES.items():
                    store.execute("INSERT OR IGNORE INTO watches (name, query, created_at) VALUES (?, ?, ?)",
                                  (name, query_json(query), utc_now()))
                store.set_meta(_DEFAULTS_META_KEY, utc_now())

    # --- the saved queries ------------------------------------------------------------------------------------

    def add(self, name: str, query: StudyQuery) -> Watch:
        check_watch_name(name)
        if not (query.condition or query.intervention or query.term or query.advanced):
            raise UsageError("a watch needs a condition, an intervention or a term",
                             hint="e.g. trialwatch watch add lupus-nephritis --condition 'lupus nephritis'")
        with self.store.transaction():
            if self.find(name) is not None:
                raise UsageError(f"there is already a watch named {name!r}", hint="remove it first, or pick another name")
            self.store.execute("INSERT INTO watches (name, query, created_at) VALUES (?, ?, ?)",
                               (name, query_json(query), utc_now()))
        return self.get(name)

    def remove(self, name: str) -> None:
        """Forget a watch and the trials it matched; events already recorded stay in the history."""
        with self.store.transaction():
            watch = self.get(name)
            self.store.execute("DELETE FROM watch_trials WHERE watch_id = ?", (watch.id,))
            self.store.execute("DELETE FROM watches WHERE id = ?", (watch.id,))

    def find(self, name: str) -> Watch | None:
        row = self.store.execute("SELECT * FROM watches WHERE name = ?", (name,)).fetchone()
        return _watch(row) if row else None

    def get(self, name: str) -> Watch:
        watch = self.find(name)
        if watch is None:
            known = ", ".join(w.name for w in self.all()) or "none"
            raise UsageError(f"no watch named {name!r}", hint=f"watches: {known}")
        return watch

    def all(self) -> list[Watch]:
        return [_watch(row) for row in self.store.execute("SELECT * FROM watches ORDER BY name")]

    def record_attempt(self, watch: Watch, *, run_id: int, error: str | None) -> None:
        self.store.execute("UPDATE watches SET last_run_id = ?, last_error = ? WHERE id = ?", (run_id, error, watch.id))

    def record_success(self, watch: Watch, *, run_id: int, started_at: str, data_timestamp: str | None,
                       full: bool) -> None:
        """Advance the incremental window to this run's start (call inside the transaction of the run's results)."""
        self.store.execute(
            "UPDATE watches SET last_run_id = ?, last_success_at = ?, last_success_data_timestamp = ?,"
            " last_full_at = CASE WHEN ? THEN ? ELSE last_full_at END, last_error = NULL WHERE id = ?",
            (run_id, started_at, data_timestamp, full, started_at, watch.id),
        )

    # --- the trials a watch matches ---------------------------------------------------------------------------

    def members(self, watch: Watch, *, include_dropped: bool = False) -> set[str]:
        sql = "SELECT nct_id FROM watch_trials WHERE watch_id = ?" + ("" if include_dropped else " AND dropped_at IS NULL")
        return {row[0] for row in self.store.execute(sql, (watch.id,))}

    def count_members(self, watch: Watch) -> int:
        return self.store.execute("SELECT COUNT(*) FROM watch_trials WHERE watch_id = ? AND dropped_at IS NULL",
                                  (watch.id,)).fetchone()[0]

    def mark_matched(self, watch: Watch, nct_ids: Iterable[str], when: str) -> list[str]:
        """Record that the watch matched these trials now; returns those that had been dropped and are back."""
        ids = sorted(set(nct_ids))
        returned = [row[0] for row in self._select_in(
            "SELECT nct_id FROM watch_trials WHERE watch_id = ? AND dropped_at IS NOT NULL AND nct_id IN ({})",
            watch.id, ids)]
        for nct_id in ids:
            self.store.execute(
                "INSERT INTO watch_trials (watch_id, nct_id, first_matched_at, last_matched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(watch_id, nct_id) DO UPDATE SET last_matched_at = excluded.last_matched_at,"
                " dropped_at = NULL",
                (watch.id, nct_id, when, when),
            )
        return returned

    def mark_dropped(self, watch: Watch, nct_ids: Iterable[str], when: str) -> None:
        for nct_id in sorted(set(nct_ids)):
            self.store.execute("UPDATE watch_trials SET dropped_at = ? WHERE watch_id = ? AND nct_id = ?",
                               (when, watch.id, nct_id))

    def _select_in(self, sql: str, watch_id: int, ids: list[str]) -> list[tuple[str]]:
        rows: list[tuple[str]] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows += self.store.execute(sql.format(",".join("?" * len(chunk))), (watch_id, *chunk)).fetchall()
        return rows


def _watch(row) -> Watch:
    values = dict(row)
    values["query"] = StudyQuery.model_validate(json.loads(values["query"]))
    return Watch(**values)
