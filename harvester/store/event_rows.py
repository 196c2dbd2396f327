"""The ``events`` table (`harvester.history.events` derives and words the events)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harvester.store.sql import SQLBase

__all__ = ["EventFilter", "EventRows"]


@dataclass(frozen=True)
class EventFilter:
    """Which events to read: detected at or after `since` (UTC ISO), of some kinds and trials, of a watch."""

    since: str | None = None
    kinds: Sequence[str] = ()
    nct_ids: Sequence[str] = ()
    #: (name, id) of a watch: its own events, and the trial events of the trials it matched until it dropped them
    watch: tuple[str, int] | None = None
    #: only events recorded after this event id (a run's new events)
    after_id: int | None = None


class EventRows(SQLBase):
    def insert_event(
        self, *, key: str, nct_id: str, kind: str, detected_at: str, details: dict[str, Any], watch: str | None,
        old_version_id: int | None, new_version_id: int | None, run_id: int | None,
    ) -> int:
        """Insert one event unless its key is already recorded; returns 1 if it was added, 0 if not."""
        cursor = self._execute(
            "INSERT INTO events (event_key, nct_id, kind, watch, detected_at, details, old_version_id,"
            " new_version_id, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(event_key) DO NOTHING",
            (key, nct_id, kind, watch, detected_at, json.dumps(details, ensure_ascii=False, sort_keys=True),
             old_version_id, new_version_id, run_id),
        )
        return cursor.rowcount

    def event_rows(self, where: EventFilter, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Matching events newest first (at most `limit`), each a dict of the columns with `details` decoded."""
        clauses: list[str] = []
        params: list[Any] = []
        if where.since:
            clauses.append("e.detected_at >= ?")
            params.append(where.since)
        if where.after_id is not None:
            clauses.append("e.id > ?")
            params.append(where.after_id)
        if where.kinds:
            clauses.append(f"e.kind IN ({','.join('?' * len(where.kinds))})")
            params += list(where.kinds)
        if where.nct_ids:
            clauses.append(f"e.nct_id IN ({','.join('?' * len(where.nct_ids))})")
            params += list(where.nct_ids)
        if where.watch is not None:
            clauses.append(
                "(e.watch = ? OR (e.watch IS NULL AND EXISTS (SELECT 1 FROM watch_trials m WHERE m.watch_id = ?"
                " AND m.nct_id = e.nct_id AND (m.dropped_at IS NULL OR e.detected_at <= m.dropped_at))))"
            )
            params += list(where.watch)
        sql = "SELECT e.* FROM events e" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        sql += " ORDER BY e.detected_at DESC, e.id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [{**dict(row), "details": json.loads(row["details"])} for row in self._execute(sql, params)]

    def count_events(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM events").fetchone()[0])
