"""Watches: saved registry queries that `trialwatch refresh` keeps up to date, and the trials each one matches.

Two tables in the store (`harvester.store.schema`):

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
from typing import Any

from harvester.errors import UsageError
from harvester.registry.client import StudyQuery
from harvester.statuses import status_option
from harvester.store.store import Store, utc_now

__all__ = ["DEFAULT_WATCHES", "Watch", "Watches", "check_watch_name", "query_json"]

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
    #: where `refresh` POSTs this watch's new events (`harvester.history.webhook`)
    notify_url: str | None = None

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
        if store.get_meta(_DEFAULTS_META_KEY) is not None or store.read_only:  # read-only: the watches as they are
            return
        with store.transaction():
            if store.get_meta(_DEFAULTS_META_KEY) is None:
                for name, query in DEFAULT_WATCHES.items():
                    store.insert_watch(name, query_json(query), utc_now(), if_absent=True)
                store.set_meta(_DEFAULTS_META_KEY, utc_now())

    # --- the saved queries ------------------------------------------------------------------------------------

    def add(self, name: str, query: StudyQuery) -> Watch:
        check_watch_name(name)
        if not (query.condition or query.intervention or query.term or query.advanced):
            raise UsageError("a watch needs a condition, an intervention or a term",
                             hint="e.g. trialwatch watch add lupus-nephritis --condition 'lupus nephritis'")
        with self.store.transaction():
            if self.find(name) is not None:
                raise UsageError(f"there is already a watch named {name!r}",
                                 hint="remove it first, or pick another name")
            self.store.insert_watch(name, query_json(query), utc_now())
        return self.get(name)

    def remove(self, name: str) -> None:
        """Forget a watch and the trials it matched; events already recorded stay in the history."""
        with self.store.transaction():
            watch = self.get(name)
            self.store.delete_watch(watch.id)

    def find(self, name: str) -> Watch | None:
        row = self.store.watch_row(name)
        return _watch(row) if row else None

    def get(self, name: str) -> Watch:
        watch = self.find(name)
        if watch is None:
            known = ", ".join(w.name for w in self.all()) or "none"
            raise UsageError(f"no watch named {name!r}", hint=f"watches: {known}")
        return watch

    def all(self) -> list[Watch]:
        return [_watch(row) for row in self.store.watch_rows()]

    def set_notify_url(self, watch: Watch, url: str | None) -> None:
        with self.store.transaction():
            self.store.set_watch_notify_url(watch.id, url)

    def record_attempt(self, watch: Watch, *, run_id: int, error: str | None) -> None:
        self.store.record_watch_attempt(watch.id, run_id=run_id, error=error)

    def record_success(self, watch: Watch, *, run_id: int, started_at: str, data_timestamp: str | None,
                       full: bool) -> None:
        """Advance the incremental window to this run's start (call inside the transaction of the run's results)."""
        self.store.record_watch_success(watch.id, run_id=run_id, started_at=started_at, data_timestamp=data_timestamp,
                                        full=full)

    # --- the trials a watch matches ---------------------------------------------------------------------------

    def members(self, watch: Watch, *, include_dropped: bool = False) -> set[str]:
        return self.store.watch_members(watch.id, include_dropped=include_dropped)

    def count_members(self, watch: Watch) -> int:
        return self.store.count_watch_members(watch.id)

    def mark_matched(self, watch: Watch, nct_ids: Iterable[str], when: str) -> list[str]:
        """Record that the watch matched these trials now; returns those that had been dropped and are back."""
        ids = sorted(set(nct_ids))
        returned = self.store.dropped_watch_members(watch.id, ids)
        self.store.mark_watch_matched(watch.id, ids, when)
        return returned

    def mark_dropped(self, watch: Watch, nct_ids: Iterable[str], when: str) -> None:
        self.store.mark_watch_dropped(watch.id, nct_ids, when)


def _watch(row: dict[str, Any]) -> Watch:
    values = dict(row)
    values["query"] = StudyQuery.model_validate(json.loads(values["query"]))
    return Watch(**values)
