"""The ``watches`` and ``watch_trials`` tables (`harvester.history.watches` gives them meaning)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harvester.store.sql import SQLBase

__all__ = ["WatchRows"]


class WatchRows(SQLBase):
    def insert_watch(self, name: str, query_json: str, created_at: str, *, if_absent: bool = False) -> None:
        verb = "INSERT OR IGNORE" if if_absent else "INSERT"
        self._execute(f"{verb} INTO watches (name, query, created_at) VALUES (?, ?, ?)", (name, query_json, created_at))

    def delete_watch(self, watch_id: int) -> None:
        self._execute("DELETE FROM watch_trials WHERE watch_id = ?", (watch_id,))
        self._execute("DELETE FROM watches WHERE id = ?", (watch_id,))

    def watch_row(self, name: str) -> dict[str, Any] | None:
        row = self._execute("SELECT * FROM watches WHERE name = ?", (name,)).fetchone()
        return dict(row) if row else None

    def watch_rows(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._execute("SELECT * FROM watches ORDER BY name")]

    def set_watch_notify_url(self, watch_id: int, url: str | None) -> None:
        self._execute("UPDATE watches SET notify_url = ? WHERE id = ?", (url, watch_id))

    def record_watch_attempt(self, watch_id: int, *, run_id: int, error: str | None) -> None:
        self._execute("UPDATE watches SET last_run_id = ?, last_error = ? WHERE id = ?", (run_id, error, watch_id))

    def record_watch_success(self, watch_id: int, *, run_id: int, started_at: str, data_timestamp: str | None,
                             full: bool) -> None:
        self._execute(
            "UPDATE watches SET last_run_id = ?, last_success_at = ?, last_success_data_timestamp = ?,"
            " last_full_at = CASE WHEN ? THEN ? ELSE last_full_at END, last_error = NULL WHERE id = ?",
            (run_id, started_at, data_timestamp, full, started_at, watch_id),
        )

    def watch_members(self, watch_id: int, *, include_dropped: bool = False) -> set[str]:
        sql = "SELECT nct_id FROM watch_trials WHERE watch_id = ?"
        if not include_dropped:
            sql += " AND dropped_at IS NULL"
        return {row[0] for row in self._execute(sql, (watch_id,))}

    def count_watch_members(self, watch_id: int) -> int:
        row = self._execute("SELECT COUNT(*) FROM watch_trials WHERE watch_id = ? AND dropped_at IS NULL",
                            (watch_id,)).fetchone()
        return int(row[0])

    def dropped_watch_members(self, watch_id: int, nct_ids: Iterable[str]) -> list[str]:
        """Those of `nct_ids` the watch had matched and then dropped."""
        sql = "SELECT nct_id FROM watch_trials WHERE watch_id = ? AND dropped_at IS NOT NULL AND nct_id IN ({})"
        return [row[0] for row in self._rows_in(sql, (watch_id,), nct_ids)]

    def mark_watch_matched(self, watch_id: int, nct_ids: Iterable[str], when: str) -> None:
        for nct_id in sorted(set(nct_ids)):
            self._execute(
                "INSERT INTO watch_trials (watch_id, nct_id, first_matched_at, last_matched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(watch_id, nct_id) DO UPDATE SET last_matched_at = excluded.last_matched_at,"
                " dropped_at = NULL",
                (watch_id, nct_id, when, when),
            )

    def mark_watch_dropped(self, watch_id: int, nct_ids: Iterable[str], when: str) -> None:
        for nct_id in sorted(set(nct_ids)):
            self._execute("UPDATE watch_trials SET dropped_at = ? WHERE watch_id = ? AND nct_id = ?",
                          (when, watch_id, nct_id))
