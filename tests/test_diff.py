"""The pure diff of two versions of a trial, on real records and variants derived from them in code.

Every derived variant below says which fields of which real record it changes.
"""

from __future__ import annotations

import pytest

from harvester.history.diff import Change, diff_trials
from harvester.registry.parse import parse_study
from tests.records import fixture_record, snapshot_record


def trial(record):
    return parse_study(record)


def test_identical_versions_have_no_changes():
    record = snapshot_record("NCT04267848")
    assert diff_trials(trial(record), trial(snapshot_record("NCT04267848"))) == []


def test_two_real_snapshots_of_one_study_have_no_changes():
    older = trial(fixture_record("NCT02552212.v2.vh-2023-12-12.json"))
    newer = trial(fixture_record("NCT02552212.v2.vh-2024-01-03.json"))
    assert diff_trials(older, newer) == []


def test_first_version_is_new():
    (change,) = diff_trials(None, trial(snapshot_record("NCT06714279")))
    assert change == Change("new", {"first_posted": "2024-12-03", "start": "2025-01",
                                    "sponsor": "Royal College of Surgeons, Ireland"})


def test_status_change_carries_the_registry_dates():
    old = snapshot_record("NCT06714279")  # real: NOT_YET_RECRUITING, verified 2024-11, posted 2024-12-03
    new = snapshot_record("NCT06714279")  # derived: recruiting, verified and posted later
    status = new["protocolSection"]["statusModule"]
    status.update(overallStatus="RECRUITING", statusVerifiedDate="2025-03")
    status["lastUpdatePostDateStruct"]["date"] = "2025-03-04"
    (change,) = diff_trials(trial(old), trial(new))
    assert change == Change("status", {
        "old": "NOT_YET_RECRUITING", "new": "RECRUITING",
        "status_verified": {"old": "2024-11", "new": "2025-03"},
        "last_update_posted": {"old": "2024-12-03", "new": "2025-03-04"},
    })


def test_a_stopped_trial_says_why():
    old = snapshot_record("NCT04523987")  # real: RECRUITING
    new = snapshot_record("NCT04523987")  # derived: TERMINATED with a whyStopped
    new["protocolSection"]["statusModule"].update(overallStatus="TERMINATED", whyStopped="Slow accrual")
    (change,) = diff_trials(trial(old), trial(new))
    assert (change.kind, change.details["new"], change.details["why_stopped"]) == ("status", "TERMINATED", "Slow accrual")


def test_criteria_added_and_removed_by_text():
    old = snapshot_record("NCT04523987")
    new = snapshot_record("NCT04523987")  # derived: one exclusion item replaced, one inclusion item reworded
    module = new["protocolSection"]["eligibilityModule"]
    text = module["eligibilityCriteria"]
    text = text.replace("* Known G6PD deficiency", "* Known G6PD deficiency\n* Pregnant or breastfeeding")
    text = text.replace("Age ≥ 21 years", "Age ≥ 18 years")
    module["eligibilityCriteria"] = text
    (change,) = diff_trials(trial(old), trial(new))
    assert change.kind == "criteria"
    assert change.details == {
        "added": [{"list": "inclusion", "text": "Age ≥ 18 years"},
                  {"list": "exclusion", "text": "Pregnant or breastfeeding"}],
        "removed": [{"list": "inclusion", "text": "Age ≥ 21 years"}],
    }


def test_reordered_or_rewrapped_criteria_are_not_a_change():
    old = snapshot_record("NCT04523987")
    new = snapshot_record("NCT04523987")  # derived: two inclusion items swapped, one item's spaces doubled
    module = new["protocolSection"]["eligibilityModule"]
    text = module["eligibilityCriteria"]
    first = "* Signed informed consent. Written informed consent must be obtained prior to performing any study-related procedures."
    second = "* Age ≥ 21 years"
    text = text.replace(first + "\n" + second, second + "\n" + first.replace(" must ", "  must "))
    module["eligibilityCriteria"] = text
    assert diff_trials(trial(old), trial(new)) == []


def test_nested_criteria_are_compared_too():
    old = snapshot_record("NCT04267848")
    new = snapshot_record("NCT04267848")  # derived: one nested sub-bullet removed
    module = new["protocolSection"]["eligibilityModule"]
    sub_bullet = "  * Has not undergone a hysterectomy or bilateral oophorectomy; or\n"
    assert sub_bullet in module["eligibilityCriteria"]
    module["eligibilityCriteria"] = module["eligibilityCriteria"].replace(sub_bullet, "", 1)
    (change,) = diff_trials(trial(old), trial(new))
    assert change.details["added"] == []
    assert [item["text"] for item in change.details["removed"]] == [
        "Has not undergone a hysterectomy or bilateral oophorectomy; or"]


def test_age_and_sex_limits_are_part_of_the_criteria_change():
    old = snapshot_record("NCT06714279")
    new = snapshot_record("NCT06714279")  # derived: minimumAge 18 -> 16 Years, sex ALL -> FEMALE
    new["protocolSection"]["eligibilityModule"].update(minimumAge="16 Years", sex="FEMALE")
    (change,) = diff_trials(trial(old), trial(new))
    assert change.details == {"added": [], "removed": [], "limits": {
        "minimum_age": {"old": "18 years", "new": "16 years"}, "sex": {"old": "ALL", "new": "FEMALE"}}}


def test_sponsor_and_collaborators():
    old = snapshot_record("NCT02513394")  # real: Alliance Foundation Trials, five collaborators incl. Pfizer
    new = snapshot_record("NCT02513394")  # derived: another lead sponsor, Pfizer gone, Novartis added
    module = new["protocolSection"]["sponsorCollaboratorsModule"]
    module["leadSponsor"] = {"name": "Breast International Group", "class": "NETWORK"}
    module["collaborators"] = [c for c in module["collaborators"] if c["name"] != "Pfizer"]
    module["collaborators"].append({"name": "Novartis", "class": "INDUSTRY"})
    (change,) = diff_trials(trial(old), trial(new))
    assert change == Change("sponsor", {
        "lead_sponsor": {"old": "Alliance Foundation Trials, LLC.", "new": "Breast International Group"},
        "collaborators": {"added": ["Novartis"], "removed": ["Pfizer"]},
    })


def test_sites_added_removed_and_recruiting():
    old = snapshot_record("NCT05147467")  # real: 11 sites, NOT_YET_RECRUITING at the first ones
    new = snapshot_record("NCT05147467")  # derived: first site recruiting, second removed, one site added
    locations = new["protocolSection"]["contactsLocationsModule"]["locations"]
    locations[0]["status"] = "RECRUITING"
    removed = locations.pop(1)
    locations.append({"facility": "Guangzhou First People's Hospital", "city": "Guangzhou", "country": "China",
                      "status": "RECRUITING"})
    (change,) = diff_trials(trial(old), trial(new))
    assert change.kind == "sites"
    assert change.details["added"] == [{"site": "Guangzhou First People's Hospital, Guangzhou, China",
                                        "status": "RECRUITING"}]
    assert [item["site"] for item in change.details["removed"]] == [
        ", ".join(part for part in (removed["facility"], removed["city"], removed.get("state"), removed["country"]) if part)]
    (moved,) = change.details["status_changed"]
    assert (moved["site"].startswith("Sun Yat-sen University Cancer Center"), moved["old"], moved["new"]) == (
        True, "NOT_YET_RECRUITING", "RECRUITING")


def test_several_kinds_at_once_in_a_fixed_order():
    old = snapshot_record("NCT06714279")
    new = snapshot_record("NCT06714279")  # derived: status, a criterion and a site
    new["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    module = new["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] += "\n* Pregnancy"
    new["protocolSection"]["contactsLocationsModule"]["locations"] = [
        {"facility": "Beaumont Hospital", "city": "Dublin", "country": "Ireland", "status": "RECRUITING"}]
    assert [change.kind for change in diff_trials(trial(old), trial(new))] == ["status", "criteria", "sites"]


def test_dates_moved_by_more_than_a_month_and_the_enrolment_target():
    old = snapshot_record("NCT06714279")  # real: start, primary completion, completion 2025-01; 144 estimated
    new = snapshot_record("NCT06714279")  # derived: completion a year later, start 2 weeks later, 150 estimated
    status = new["protocolSection"]["statusModule"]
    status["completionDateStruct"] = {"date": "2026-01", "type": "ESTIMATED"}
    status["startDateStruct"] = {"date": "2025-01-15", "type": "ESTIMATED"}  # under a month: routine
    new["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": 150, "type": "ESTIMATED"}
    assert diff_trials(trial(old), trial(new)) == [
        Change("dates", {"completion_date": {"old": "2025-01", "new": "2026-01", "days": 365, "type": "ESTIMATED"}}),
        Change("enrollment", {"old": 144, "new": 150, "old_type": "ESTIMATED", "new_type": "ESTIMATED"}),
    ]


def test_a_date_the_older_version_did_not_give_is_no_move():
    old = snapshot_record("NCT06714279")
    del old["protocolSection"]["statusModule"]["completionDateStruct"]
    new = snapshot_record("NCT06714279")
    new["protocolSection"]["statusModule"]["completionDateStruct"] = {"date": "2027-01", "type": "ESTIMATED"}
    assert diff_trials(trial(old), trial(new)) == []


def test_two_different_trials_cannot_be_diffed():
    with pytest.raises(ValueError, match="two different trials"):
        diff_trials(trial(snapshot_record("NCT06714279")), trial(snapshot_record("NCT04523987")))
