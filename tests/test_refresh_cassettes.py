"""Three nightly refreshes of the default lupus watch, replayed from cassettes built from real records.

See cassettes/README.md ("The refresh scenario") for what each night serves and which fields of NCT06714279 were
changed to make its later version.
"""

from __future__ import annotations

import pytest

from harvester.history.events import derive_pending_events, query_events
from harvester.history.refresh import refresh
from harvester.history.watches import Watches
from harvester.registry.client import RegistryClient
from harvester.registry.http import HttpSettings
from index.build import update_index
from index.storage import IndexLocation, read_state
from search.views.change import event_title


@pytest.fixture
def client():
    with RegistryClient(settings=HttpSettings(min_interval=0, max_attempts=1)) as registry:
        yield registry


def night(cassette, store, client, data_dir, name, **options):
    with cassette(name, recordable=False) as cass:
        summary = refresh(store, client, data_dir, index_update=update_index, **options)
        assert cass.all_played
    return summary


def kinds(events):
    return sorted((event.nct_id, event.kind) for event in events)


def test_three_nights_give_exactly_the_right_events(cassette, store, client, tmp_path):
    first = night(cassette, store, client, tmp_path, "refresh_1_full.yaml")
    (lupus,) = first.watches
    assert (lupus.name, lupus.full, lupus.fetched, lupus.new) == ("lupus", True, 3, 3)
    assert kinds(query_events(store)) == [("NCT00184067", "new"), ("NCT04523987", "new"), ("NCT06714279", "new")]
    assert first.index.startswith("index: rebuilt, 3 trials")

    second = night(cassette, store, client, tmp_path, "refresh_2_incremental.yaml")
    (lupus,) = second.watches
    assert (lupus.full, str(lupus.since), lupus.new, lupus.changed, lupus.dropped) == (False, "2025-01-06", 1, 1, [])
    added = query_events(store)[3:]
    assert kinds(added) == [("NCT03934567", "new"), ("NCT06714279", "criteria"), ("NCT06714279", "dates"),
                            ("NCT06714279", "sites"), ("NCT06714279", "status")]
    status, criteria, sites = (next(e for e in added if e.kind == kind) for kind in ("status", "criteria", "sites"))
    assert event_title(status) == "NCT06714279 status: not yet recruiting -> recruiting"
    assert status.details["status_verified"] == {"old": "2024-11", "new": "2025-03"}
    assert status.details["last_update_posted"] == {"old": "2024-12-03", "new": "2025-03-04"}
    assert criteria.details["added"] == [{"list": "exclusion", "text": "Known allergy to local anaesthetic agents"},
                                         {"list": "exclusion", "text": "Pregnancy"}]
    assert criteria.details["removed"] == [{"list": "exclusion",
                                            "text": "Patients failing to meet the above inclusion criteria."}]
    assert {key: value for key, value in sites.details.items() if key != "trial"} == {
        "added": [{"site": "Beaumont Hospital, Dublin, Ireland", "status": "RECRUITING"}],
        "removed": [], "status_changed": []}
    assert sites.details["trial"]["status"] == "RECRUITING"
    assert status.old_version_id < status.new_version_id == criteria.new_version_id == sites.new_version_id
    assert second.index.startswith("index: updated, 2 changed trials")  # only what changed is re-indexed

    third = night(cassette, store, client, tmp_path, "refresh_3_full.yaml", full=True)
    (lupus,) = third.watches
    assert (lupus.full, lupus.dropped, lupus.unchanged) == (True, ["NCT04523987"], 4)
    (dropped,) = query_events(store)[8:]
    assert (dropped.nct_id, dropped.kind, dropped.watch) == ("NCT04523987", "dropped", "lupus")
    assert dropped.details["in_registry"] is True
    assert event_title(dropped) == "NCT04523987 no longer matched by watch lupus"
    assert third.index == "index: up to date"

    watches = Watches(store)
    assert watches.members(watches.get("lupus")) == {"NCT00184067", "NCT03934567", "NCT06714279"}
    state = read_state(IndexLocation.of(tmp_path).current())
    assert state.store_version_id == store.max_version_id()
    # deriving again adds nothing: events come from versions not yet processed, once
    assert derive_pending_events(store) == 0
    assert len(query_events(store)) == 9
    assert [run.outcome for run in store.runs(kind="refresh")] == ["ok", "ok", "ok"]


def test_the_watch_feed_leaves_out_what_happened_after_a_trial_dropped_out(cassette, store, client, tmp_path):
    for name, options in (("refresh_1_full.yaml", {}), ("refresh_2_incremental.yaml", {}),
                          ("refresh_3_full.yaml", {"full": True})):
        night(cassette, store, client, tmp_path, name, **options)
    lupus = Watches(store).get("lupus")
    assert len(query_events(store, watch=lupus)) == 9
    assert kinds(query_events(store, watch=lupus, kinds=["dropped", "status"])) == [
        ("NCT04523987", "dropped"), ("NCT06714279", "status")]
    # a status change of the dropped trial recorded after it dropped out is not the lupus watch's news any more
    from harvester.history.events import add_event

    with store.transaction():
        add_event(store, key="test:later", nct_id="NCT04523987", kind="status", detected_at="2999-01-01T00:00:00+00:00",
                  details={"old": "RECRUITING", "new": "COMPLETED"})
    assert "test:later" not in [event.event_key for event in query_events(store, watch=lupus)]
    assert "test:later" in [event.event_key for event in query_events(store)]
