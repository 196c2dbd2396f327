"""Severity, shown kind and one-line summaries of change events (pure functions over events)."""

from __future__ import annotations

import pytest

from harvester.history.events import Event
from harvester.history.meaning import FIRST_SEEN, severity, shown_kind
from search.views.change import summary, view


def event(kind, watch=None, **details):
    return Event(id=1, event_key=f"NCT00000001:{kind}:v1", nct_id="NCT00000001", kind=kind, watch=watch,
                 detected_at="2026-11-25T03:17:00+00:00", details=details, old_version_id=None, new_version_id=1,
                 run_id=None)


@pytest.mark.parametrize(("old", "new", "level", "line"), [
    ("NOT_YET_RECRUITING", "RECRUITING", "major", "Recruitment opened"),
    ("RECRUITING", "ACTIVE_NOT_RECRUITING", "major", "Recruitment closed"),
    ("RECRUITING", "SUSPENDED", "major", "Trial suspended"),
    ("ACTIVE_NOT_RECRUITING", "COMPLETED", "major", "Trial completed"),
    ("RECRUITING", "WITHDRAWN", "major", "Trial withdrawn"),
    ("ACTIVE_NOT_RECRUITING", "UNKNOWN", "minor", "Status changed to unknown"),
])
def test_status_moves(old, new, level, line):
    change = event("status", old=old, new=new)
    assert severity(change) == level
    assert summary(change, "status").startswith(line)


def test_sites_are_notable_and_counted_by_country():
    change = event("sites", added=[{"site": f"Hospital {n}, Paris, France", "status": "RECRUITING"} for n in range(3)],
                   removed=[], status_changed=[])
    assert severity(change) == "notable"
    assert summary(change, "sites") == "3 sites added in France"
    two = event("sites", added=[{"site": "A, Lyon, France", "status": None},
                                {"site": "B, Oslo, Norway", "status": None}])
    assert summary(two, "sites") == "2 sites added in 2 countries"


def test_criteria_notable_sponsor_minor_dropped_major():
    assert severity(event("criteria", added=[{"list": "inclusion", "text": "x"}], removed=[])) == "notable"
    assert summary(event("criteria", added=[{"list": "inclusion", "text": "x"}], removed=[]), "criteria") == \
        "Eligibility: 1 criterion added"
    assert severity(event("sponsor", lead_sponsor={"old": "A", "new": "B"})) == "minor"
    assert severity(event("dropped", watch="lupus")) == "major"


def test_dates_and_enrolment_are_notable_with_plain_summaries():
    moved = event("dates", completion_date={"old": "2026-04", "new": "2027-01", "days": 275, "type": "ESTIMATED"},
                  start_date={"old": "2025-01", "new": "2025-03-03", "days": 61, "type": "ACTUAL"})
    assert severity(moved) == "notable"
    assert summary(moved, "dates") == "Completion moved from 2026-04 to 2027-01; start moved from 2025-01 to 2025-03-03"
    assert [(pair.label, pair.old, pair.new) for pair in view(moved, None).old_new()] == [
        ("Completion", "2026-04", "2027-01"), ("Start", "2025-01", "2025-03-03")]
    target = event("enrollment", old=100, new=150, old_type="ESTIMATED", new_type="ESTIMATED")
    assert severity(target) == "notable"
    assert summary(target, "enrollment") == "Enrolment target changed from 100 to 150"
    assert [(pair.old, pair.new) for pair in view(target, None).old_new()] == [("100 (estimated)", "150 (estimated)")]
    actual = event("enrollment", old=100, new=87, old_type="ESTIMATED", new_type="ACTUAL")
    assert summary(actual, "enrollment") == "Actual enrolment 87 (target was 100)"
    assert view(actual, None).headline == "Actual enrolment 87 (target was 100) (NCT00000001)"


def test_first_seen_is_kept_apart_from_a_new_trial():
    old_trial = event("new", first_posted="2004-03-01", trial={"status": "COMPLETED"})
    fresh = event("new", first_posted="2026-11-20", trial={"status": "RECRUITING"})
    began = "2026-11-01T00:00:00+00:00"
    assert shown_kind(old_trial, began) == FIRST_SEEN
    assert shown_kind(fresh, began) == "new"
    assert shown_kind(event("new", rejoined=True), began) == "new"
    assert view(old_trial, began).summary == "First seen (completed)"
    assert view(old_trial, began).severity == "minor"
    assert view(fresh, began).summary == "New trial, first posted 2026-11-20"
