"""Change events: derived once from consecutive stored versions, kept in the store's ``events`` table.

Two sources of events:

- **Trial events** (``new``, ``status``, ``criteria``, ``sponsor``, ``sites``, ``dates``, ``enrollment``; column
  ``watch`` NULL) come from
  the registry records themselves. `derive_pending_events` diffs every API version stored after a cursor
  (``meta.events_version_cursor``) with the trial's previous API version (`harvester.history.diff`), and inserts the
  events and advances the cursor in the same transaction. A run killed anywhere leaves versions whose events are
  not derived yet; the next call derives them. Every event has a stable key (trial, kind, version id) under a
  UNIQUE constraint, so deriving twice can never duplicate one. It does not matter which command stored a
  version (`refresh`, `harvest`): its events are derived by the next `refresh` or `changes`. The first version
  of a trial gives a ``new`` event, unless it came from the bundled snapshot (a baseline, not news).
- **Watch events** (``dropped``; and ``new`` with ``details.rejoined`` when a dropped trial is matched again)
  belong to one watch and are written by `harvester.history.refresh` in the transaction that updates the watch.

``changes --watch W`` shows W's watch events plus the trial events of the trials W matches (until it dropped them).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from harvester.errors import TrialwatchError
from harvester.history.diff import diff_trials, trial_facts
from harvester.models import Trial, status_label
from harvester.store.event_rows import EventFilter
from harvester.store.store import SNAPSHOT_SOURCE_URL, Store, StoredVersion
from harvester.store.trials import trial_from_version

logger = logging.getLogger(__name__)

CURSOR_META_KEY = "events_version_cursor"
FEED_NAMESPACE_META_KEY = "feed_namespace"
#: versions diffed per transaction
BATCH = 200


def _utc(text: str) -> str:
    """A stored timestamp (ISO date or date-time, any offset) as ``YYYY-MM-DDTHH:MM:SS+00:00``."""
    when = dt.datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


# --- deriving -------------------------------------------------------------------------------------------------


def derive_pending_events(store: Store, *, run_id: int | None = None) -> int:
    """Derive the events of every version stored since the last call; returns how many events were added.

    A read-only store (`Store.read_only`) is left as it is: the events derived so far are all there are.
    """
    if store.read_only:
        if store.versions_after(int(store.get_meta(CURSOR_META_KEY) or 0), 1):
            logger.warning("the data dir %s is read-only: versions stored since the last refresh have no change"
                           " events yet", store.path.parent)
        return 0
    added = 0
    while True:
        with store.transaction():
            cursor = int(store.get_meta(CURSOR_META_KEY) or 0)
            versions = store.versions_after(cursor, BATCH)
            if not versions:
                return added
            parsed: dict[int, Trial] = {}
            for version in versions:
                if version.source == "api":
                    added += _derive_version(store, version, parsed, run_id)
            store.set_meta(CURSOR_META_KEY, str(versions[-1].id))


def _parse(version: StoredVersion, parsed: dict[int, Trial]) -> Trial:
    if version.id not in parsed:
        parsed[version.id] = trial_from_version(version)
    return parsed[version.id]


def _derive_version(store: Store, version: StoredVersion, parsed: dict[int, Trial], run_id: int | None) -> int:
    previous = store.previous_version(version)
    if previous is None and version.source_url == SNAPSHOT_SOURCE_URL:
        return 0
    try:
        new = _parse(version, parsed)
        old = _parse(previous, parsed) if previous else None
        changes = diff_trials(old, new)
    except (TrialwatchError, ValueError) as error:
        logger.warning("no change events for version %d of %s: %s", version.id, version.nct_id, error)
        return 0
    added = 0
    for change in changes:
        added += add_event(
            store, key=f"{version.nct_id}:{change.kind}:v{version.id}", nct_id=version.nct_id, kind=change.kind,
            detected_at=_utc(version.fetched_at), details={"trial": trial_facts(new), **change.details},
            old_version_id=previous.id if previous else None, new_version_id=version.id,
            run_id=version.run_id if version.run_id is not None else run_id,
        )
    return added


def add_event(
    store: Store, *, key: str, nct_id: str, kind: str, detected_at: str, details: dict[str, Any],
    watch: str | None = None, old_version_id: int | None = None, new_version_id: int | None = None,
    run_id: int | None = None,
) -> int:
    """Insert one event unless its key is already recorded; returns 1 if it was added, 0 if not."""
    return store.insert_event(key=key, nct_id=nct_id, kind=kind, detected_at=detected_at, details=details,
                              watch=watch, old_version_id=old_version_id, new_version_id=new_version_id,
                              run_id=run_id)


def latest_api_version_id(store: Store, nct_id: str) -> int | None:
    return store.latest_version_id(nct_id, "api")


def stored_facts(store: Store, nct_id: str) -> dict[str, Any]:
    """Title, status and dates of a trial's newest stored API version (empty when there is none)."""
    try:
        return trial_facts(trial_from_version(store.latest_version(nct_id, "api")))
    except (TrialwatchError, ValueError):
        return {}


# --- reading --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    id: int
    event_key: str
    nct_id: str
    kind: str
    watch: str | None
    detected_at: str
    details: dict[str, Any]
    old_version_id: int | None
    new_version_id: int | None
    run_id: int | None

    @property
    def url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"

    @property
    def trial_title(self) -> str | None:
        return (self.details.get("trial") or {}).get("title")

    @property
    def title(self) -> str:
        """One line, e.g. ``NCT06714279 status: not yet recruiting -> recruiting``."""
        d = self.details
        what = {
            "new": lambda: (f"matched again by watch {self.watch}" if d.get("rejoined")
                            else f"new trial ({status_label((d.get('trial') or {}).get('status'))})"),
            "status": lambda: f"status: {status_label(d.get('old'))} -> {status_label(d.get('new'))}",
            "criteria": lambda: "eligibility criteria changed: " + ", ".join(
                [f"{len(d.get('added', []))} added", f"{len(d.get('removed', []))} removed"]
                + (["age/sex limits changed"] if d.get("limits") else [])),
            "sponsor": lambda: "; ".join(filter(None, [
                f"sponsor: {_pair_text(d['lead_sponsor'])}" if "lead_sponsor" in d else None,
                _collaborators_line(d["collaborators"]) if "collaborators" in d else None])),
            "sites": lambda: "sites: " + ", ".join([
                f"{len(d.get('added', []))} added", f"{len(d.get('removed', []))} removed",
                f"{len(d.get('status_changed', []))} changed recruitment status"]),
            "dates": lambda: "dates moved: " + ", ".join(
                f"{DATE_LABELS.get(name, name).lower()} {_pair_text(pair)}" for name, pair in d.items()
                if name in DATE_LABELS),
            "enrollment": lambda: f"enrolment: {d.get('old')} -> {d.get('new')}",
            "dropped": lambda: f"no longer matched by watch {self.watch}",
        }.get(self.kind, lambda: self.kind)()
        return f"{self.nct_id} {what}"

    def summary_lines(self) -> list[str]:
        """The event in a few plain-text lines: the trial, then what changed."""
        d = self.details
        trial = d.get("trial") or {}
        lines = [self.trial_title or self.nct_id]
        if self.kind == "new" and not d.get("rejoined"):
            lines += [f"Status: {status_label(trial.get('status'))}"]
            lines += [f"{label}: {d[key]}" for key, label in (("sponsor", "Sponsor"), ("first_posted", "First posted"),
                                                               ("start", "Start")) if d.get(key)]
        elif self.kind == "status":
            lines.append(f"Overall status: {status_label(d.get('old'))} -> {status_label(d.get('new'))}")
            for key, label in (("status_verified", "Status verified"), ("last_update_posted", "Last update posted")):
                lines.append(f"{label}: {_pair_text(d.get(key) or {})}")
            if d.get("why_stopped"):
                lines.append(f"Why stopped: {d['why_stopped']}")
        elif self.kind == "criteria":
            lines += [f"+ [{item['list']}] {item['text']}" for item in d.get("added", [])]
            lines += [f"- [{item['list']}] {item['text']}" for item in d.get("removed", [])]
            lines += [f"{name.replace('_', ' ')}: {_pair_text(pair)}"
                      for name, pair in (d.get("limits") or {}).items()]
        elif self.kind == "sponsor":
            if "lead_sponsor" in d:
                lines.append(f"Lead sponsor: {_pair_text(d['lead_sponsor'])}")
            collaborators = d.get("collaborators") or {}
            lines += [f"+ collaborator {name}" for name in collaborators.get("added", [])]
            lines += [f"- collaborator {name}" for name in collaborators.get("removed", [])]
        elif self.kind == "sites":
            lines += [f"+ {item['site']} ({status_label(item['status'])})" for item in d.get("added", [])]
            lines += [f"- {item['site']}" for item in d.get("removed", [])]
            lines += [f"~ {item['site']}: {status_label(item['old'])} -> {status_label(item['new'])}"
                      for item in d.get("status_changed", [])]
        elif self.kind == "dates":
            lines += [f"{DATE_LABELS[name]}: {_pair_text(pair)}" for name, pair in d.items() if name in DATE_LABELS]
        elif self.kind == "enrollment":
            lines.append(f"Enrolment: {enrollment_text(d.get('old'), d.get('old_type'))}"
                         f" -> {enrollment_text(d.get('new'), d.get('new_type'))}")
        elif self.kind == "dropped":
            lines.append(f"A complete listing of watch {self.watch} no longer returned this trial.")
            in_registry = d.get("in_registry")
            if in_registry is True:
                lines.append("The registry still has the study; it no longer matches the watch's query.")
            elif in_registry is False:
                lines.append("The registry no longer has the study (not found).")
        elif self.kind == "new":
            lines.append(f"Watch {self.watch} matches this trial again.")
        if trial.get("status") and self.kind not in ("status", "new"):
            lines.append(f"Status: {status_label(trial['status'])}")
        if trial.get("last_update_posted") and self.kind != "status":
            lines.append(f"Last update posted: {trial['last_update_posted']}")
        return lines

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.event_key, "nct_id": self.nct_id, "kind": self.kind, "watch": self.watch,
                "detected_at": self.detected_at, "title": self.title, "url": self.url, "details": self.details,
                "old_version_id": self.old_version_id, "new_version_id": self.new_version_id}


#: the labels of the dates a ``dates`` event reports (`harvester.history.diff.DATE_FIELDS`)
DATE_LABELS = {"start_date": "Start", "primary_completion_date": "Primary completion", "completion_date": "Completion"}


def enrollment_text(count: object, kind: object) -> str:
    """``150 (estimated)``: an enrolment figure with the registry's type (ESTIMATED is the target, ACTUAL the count)."""
    return f"{count} ({str(kind).lower()})" if kind else str(count)


def _pair_text(pair: dict[str, Any]) -> str:
    return f"{pair.get('old') or '-'} -> {pair.get('new') or '-'}"


def _collaborators_line(collaborators: dict[str, list[str]]) -> str:
    parts = [f"+{name}" for name in collaborators.get("added", [])]
    parts += [f"-{name}" for name in collaborators.get("removed", [])]
    return "collaborators: " + ", ".join(parts)


def query_events(
    store: Store, *, since: str | None = None, watch: Any = None, kinds: Sequence[str] = (),
    nct_ids: Iterable[str] = (), newest_first: bool = False, limit: int | None = None, after_id: int | None = None,
) -> list[Event]:
    """Stored events, oldest first: detected at or after `since` (a UTC ISO timestamp), of a watch (a `Watch`),
    of some kinds, of some trials; with `limit`, only the newest `limit` of them (still in the order asked)."""
    where = EventFilter(since=_utc(since) if since else None, kinds=tuple(kinds), nct_ids=tuple(nct_ids),
                        watch=(watch.name, watch.id) if watch is not None else None, after_id=after_id)
    events = [Event(**row) for row in store.event_rows(where, limit=limit)]
    return events if newest_first else events[::-1]


def feed_namespace(store: Store) -> uuid.UUID:
    """This store's namespace for feed and entry ids (`uuid.uuid5`), made once at random and kept in meta."""
    value = store.get_meta(FEED_NAMESPACE_META_KEY)
    if value is None and store.read_only:  # none can be kept: one made from where the store is
        return uuid.uuid5(uuid.NAMESPACE_URL, store.path.resolve().as_uri())
    if value is None:
        with store.transaction():
            value = store.get_meta(FEED_NAMESPACE_META_KEY) or str(uuid.uuid4())
            store.set_meta(FEED_NAMESPACE_META_KEY, value)
    return uuid.UUID(value)
