"""harvester.sites: site statuses, sites nearest first, and whom to contact first."""

from __future__ import annotations

from harvester.registry.parse import parse_study
from harvester.sites import contact_sheet, site_is_open, site_status, sites_nearest_first
from tests.records import snapshot_record

#: (lat, lon) of Houston and of Haikou
HOUSTON, HAIKOU = (29.76, -95.36), (20.03, 110.34)


def test_a_site_without_a_status_has_its_trials():
    # DERIVED from NCT05147467: not yet recruiting, its sites without statuses (as the registry lists such a trial's)
    # but the last, withdrawn
    record = snapshot_record("NCT05147467")
    record["protocolSection"]["statusModule"]["overallStatus"] = "NOT_YET_RECRUITING"
    locations = record["protocolSection"]["contactsLocationsModule"]["locations"]
    for location in locations:
        location.pop("status")
    locations[-1]["status"] = "WITHDRAWN"
    trial = parse_study(record)
    statuses = [site_status(trial, location) for location in trial.locations]
    assert set(statuses[:-1]) == {"NOT_YET_RECRUITING"} and statuses[-1] == "WITHDRAWN"
    assert [site_is_open(trial, location) for location in trial.locations][-2:] == [True, False]


def test_sites_nearest_first_and_the_nearest_sites_contacts_first():
    trial = parse_study(snapshot_record("NCT03281889"))  # Boston and Houston, one contact at each
    nearest = sites_nearest_first(trial, *HOUSTON)
    assert [site.location.city for site in nearest] == ["Houston", "Boston"] and nearest[0].km < 5
    sheet = contact_sheet(trial, near=HOUSTON)
    assert sheet.site.city == "Houston" and sheet.site_km < 5
    assert sheet.site_contacts == trial.locations[1].contacts and sheet.has_contacts
    first = contact_sheet(trial)  # no place: the first open site's
    assert first.site.city == "Boston" and first.site_km is None


def test_the_nearest_sites_named_contacts_come_first_then_the_central_ones():
    trial = parse_study(snapshot_record("NCT05147467"))  # site contacts are mostly names only; central ones have phones
    sheet = contact_sheet(trial, near=HAIKOU)
    assert sheet.site.city == "Haikou" and [contact.name for contact in sheet.site_contacts] == ["Li'e Lin", "Li'e Lin, M.D."]
    assert not any(contact.reachable for contact in sheet.site_contacts)
    assert [contact.name for contact in sheet.central] == ["Zi Chen, Doctor", "Min Yu, Doctor"] and sheet.has_contacts


def test_a_record_without_contacts_says_so_and_links_the_registry():
    trial = parse_study(snapshot_record("NCT04431453"))  # completed: no contacts, one official
    sheet = contact_sheet(trial)
    assert not sheet.has_contacts and sheet.central == [] and sheet.site is None
    assert sheet.officials[0].role and sheet.registry_url == "https://clinicaltrials.gov/study/NCT04431453"
