"""The ``webhook_deliveries`` table: each run's events as a payload for a URL, kept until delivered."""

from __future__ import annotations

from typing import Any

from harvester.store.sql import SQLBase

__all__ = ["DeliveryRows"]


class DeliveryRows(SQLBase):
    def max_event_id(self) -> int:
        return int(self._execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])

    def add_delivery(self, *, url: str, payload: str, created_at: str) -> int:
        cursor = self._execute("INSERT INTO webhook_deliveries (url, payload, created_at) VALUES (?, ?, ?)",
                               (url, payload, created_at))
        return int(cursor.lastrowid or 0)

    def pending_deliveries(self) -> list[dict[str, Any]]:
        rows = self._execute("SELECT * FROM webhook_deliveries WHERE delivered_at IS NULL ORDER BY id")
        return [dict(row) for row in rows]

    def record_delivery_attempt(self, delivery_id: int, *, when: str, error: str | None) -> None:
        self._execute(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?,"
            " delivered_at = CASE WHEN ? IS NULL THEN ? ELSE NULL END WHERE id = ?",
            (when, error, error, when, delivery_id),
        )
