"""Change events derived from stored versions: once each, whichever command stored the versions; the refresh lock."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from harvester.errors import RefreshLocked, UsageError
from harvester.history.events import CURSOR_META_KEY, derive_pending_events, feed_namespace, query_events
from harvester.history.refresh import incremental_filter, needs_full_listing
from harvester.history.watches import Watches
from harvester.registry.harvest import store_record
from harvester.store.runlock import LOCK_FILENAME, RefreshLock
from harvester.store.snapshot import load_snapshot
from tests.records import snapshot_record
from trialwatch.commands.changes import parse_since


def save(store, record, when="2026-11-25T03:17:00+00:00"):
    with store.transaction():
        return store_record(store, record, fetched_at=when, api_url="https://clinicaltrials.gov/api/v2",
                            data_timestamp=None, run_id=None)


def test_the_bundled_snapshot_is_a_baseline_not_news(store):
    load_snapshot(store)
    assert derive_pending_events(store) == 0
    later = snapshot_record("NCT04523987")  # derived: RECRUITING -> COMPLETED
    later["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    save(store, later)
    assert derive_pending_events(store) == 1
    (event,) = query_events(store)
    assert (event.kind, event.details["old"], event.details["new"]) == ("status", "RECRUITING", "COMPLETED")
    assert event.detected_at == "2026-11-25T03:17:00+00:00"  # when the version was fetched


def test_events_are_derived_once_whatever_stored_the_versions(store):
    save(store, snapshot_record("NCT06714279"), "2026-11-20T03:17:00+00:00")
    later = snapshot_record("NCT06714279")  # derived: recruiting, and a site
    later["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    later["protocolSection"]["contactsLocationsModule"]["locations"] = [
        {"facility": "Beaumont Hospital", "city": "Dublin", "country": "Ireland", "status": "RECRUITING"}]
    save(store, later, "2026-11-21T03:17:00+00:00")
    save(store, later, "2026-11-22T03:17:00+00:00")  # unchanged: no version, no event
    assert derive_pending_events(store) == 3
    assert derive_pending_events(store) == 0
    with store.transaction():
        store.set_meta(CURSOR_META_KEY, "0")  # as if the cursor had been lost: the stable keys still hold
    assert derive_pending_events(store) == 0
    assert [(e.kind, e.detected_at[:10]) for e in query_events(store)] == [
        ("new", "2026-11-20"), ("status", "2026-11-21"), ("sites", "2026-11-21")]
    assert [e.kind for e in query_events(store, since="2026-11-21", kinds=["sites"])] == ["sites"]
    assert next(e.kind for e in query_events(store, newest_first=True)) in ("status", "sites")


def test_a_failed_transaction_derives_nothing_and_keeps_the_cursor(store, monkeypatch):
    save(store, snapshot_record("NCT06714279"))
    import harvester.history.events as events

    def broken(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(events, "add_event", broken)
    with pytest.raises(RuntimeError):
        derive_pending_events(store)
    monkeypatch.undo()
    assert store.get_meta(CURSOR_META_KEY) is None
    assert derive_pending_events(store) == 1


def test_the_feed_namespace_is_made_once(store):
    assert feed_namespace(store) == feed_namespace(store)


def test_the_default_watch_is_created_once(store):
    watches = Watches(store)
    assert [w.name for w in watches.all()] == ["lupus"]
    assert watches.get("lupus").query.condition == "lupus OR cutaneous lupus erythematosus"
    watches.remove("lupus")
    assert Watches(store).all() == []


def test_when_a_watch_lists_in_full():
    from harvester.history.watches import Watch
    from harvester.registry.client import StudyQuery

    never = Watch(1, "w", StudyQuery(condition="x"), "2026-01-01", None, None, None, None, None)
    recent = Watch(1, "w", StudyQuery(condition="x"), "2026-01-01", 3, "2026-11-24T03:17:00+00:00",
                   "2026-11-24T09:00:00", "2026-11-20T03:17:00+00:00", None)
    now = dt.datetime(2026, 11, 25, 3, 17, tzinfo=dt.UTC)
    assert needs_full_listing(never, now=now, full_every_days=7)
    assert not needs_full_listing(recent, now=now, full_every_days=7)
    assert needs_full_listing(recent, now=now, full_every_days=5)
    assert not needs_full_listing(recent, now=now, full_every_days=0)
    assert recent.since_date() == dt.date(2026, 11, 24)  # the registry's data date, not the local clock
    assert incremental_filter(recent.since_date()) == "AREA[LastUpdatePostDate]RANGE[2026-11-23,MAX]"


def test_since_values():
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    assert parse_since("7d", now) == "2026-11-18T12:00:00+00:00"
    assert parse_since("24h", now) == "2026-11-24T12:00:00+00:00"
    assert parse_since("2w", now) == "2026-11-11T12:00:00+00:00"
    assert parse_since("2025-06-01", now) == "2025-06-01T00:00:00+00:00"
    assert parse_since("2025-06-01T08:00+02:00", now) == "2025-06-01T08:00:00+02:00"
    assert parse_since("all", now) is None
    with pytest.raises(UsageError):
        parse_since("last week", now)


def test_the_refresh_lock_is_exclusive_and_says_who_holds_it(tmp_path):
    with RefreshLock(tmp_path) as held:
        assert held.taken_over is None
        assert (tmp_path / LOCK_FILENAME).read_text().startswith(f"{os.getpid()} ")
        with pytest.raises(RefreshLocked, match=f"pid {os.getpid()}, started 20"):
            RefreshLock(tmp_path).acquire()
    assert (tmp_path / LOCK_FILENAME).read_text() == ""
    with RefreshLock(tmp_path) as again:
        assert again.taken_over is None


def test_a_lock_file_left_by_a_killed_run_is_taken_over(tmp_path):
    (tmp_path / LOCK_FILENAME).write_text("999999999 2026-11-24T03:17:00+00:00\n")
    with RefreshLock(tmp_path) as lock:
        assert lock.taken_over == ("took over the refresh lock left by pid 999999999 (started 2026-11-24T03:17:00+00:00),"
                                   " which was killed")
