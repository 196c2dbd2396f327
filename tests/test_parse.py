"""Golden tests of the API v2 parser on real records."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from harvester.errors import InvalidRecord
from harvester.models import Age, PartialDate
from harvester.registry.parse import parse_study, record_nct_id
from tests.records import fixture_record, snapshot_ids, snapshot_record


@pytest.mark.parametrize("nct_id", snapshot_ids())
def test_every_snapshot_record_parses(nct_id):
    trial = parse_study(snapshot_record(nct_id))
    assert trial.nct_id == nct_id
    assert trial.overall_status
    assert trial.brief_title


def test_nci_alchemist_record():
    trial = parse_study(snapshot_record("NCT04267848"))
    assert trial.overall_status == "RECRUITING"
    assert trial.lead_sponsor.name == "National Cancer Institute (NCI)"
    assert trial.lead_sponsor.agency_class == "NIH"
    assert trial.start_date == PartialDate(year=2020, month=6, day=16, type="ACTUAL")
    assert trial.primary_completion_date.type == "ESTIMATED"
    assert trial.status_verified_date == PartialDate(year=2025, month=8)
    assert str(trial.status_verified_date) == "2025-08"
    assert trial.last_update_posted == dt.date(2025, 9, 10)
    carboplatin = next(i for i in trial.interventions if i.name == "Carboplatin")
    assert carboplatin.type == "DRUG"
    assert "Blastocarb" in carboplatin.other_names
    assert "Blastocarb" in trial.drug_names()
    assert {m.term for m in trial.intervention_mesh} >= {"Carboplatin", "Cisplatin", "Pemetrexed"}
    assert trial.eligibility.minimum_age == Age(value=18, unit="YEARS")
    assert trial.eligibility.maximum_age is None
    assert trial.eligibility.sex == "ALL"
    assert len(trial.locations) == 1148
    anchorage = trial.locations[0]
    assert (anchorage.city, anchorage.state, anchorage.status) == ("Anchorage", "Alaska", "SUSPENDED")
    assert anchorage.geo.lat == pytest.approx(61.21806)
    assert [s.id for s in trial.secondary_ids][:2] == ["NCI-2020-00751", "A081801"]
    criteria = trial.eligibility.criteria
    # this record's text has an "Inclusion Criteria:" heading and no exclusion heading
    assert len(criteria.inclusion) > 20 and criteria.exclusion == []
    assert criteria.inclusion[0].text == "A female of childbearing potential is a sexually mature female who:"
    assert [c.text for c in criteria.inclusion[0].children] == [
        "Has not undergone a hysterectomy or bilateral oophorectomy; or",
        "Has not been naturally postmenopausal for at least 12 consecutive months (i.e., has had menses at any time"
        " in the preceding 12 consecutive months)",
    ]


def test_person_as_lead_sponsor_and_month_only_start():
    trial = parse_study(fixture_record("NCT00763412.v2.json"))
    assert trial.lead_sponsor.name == "Arbelaez, Ana Maria"
    assert trial.lead_sponsor.agency_class == "INDIV"
    assert len(trial.collaborators) == 4
    assert len(trial.keywords) == 10
    assert trial.start_date == PartialDate(year=2006, month=11)
    assert trial.start_date.day is None and trial.start_date.type is None
    repaglinide = next(i for i in trial.interventions if i.name == "repaglinide")
    assert repaglinide.other_names == ["Prandin"]
    assert (trial.eligibility.minimum_age.years, trial.eligibility.maximum_age.years) == (12, 24)


def test_unknown_status_keeps_last_known_status():
    trial = parse_study(fixture_record("NCT04207047.v2.json"))
    assert trial.overall_status == "UNKNOWN"
    assert trial.last_known_status == "ACTIVE_NOT_RECRUITING"


def test_eu_trial_number_among_secondary_ids():
    trial = parse_study(snapshot_record("NCT02552212"))
    assert [s.id for s in trial.secondary_ids if s.is_eu_trial_number] == ["2015-001894-41"]


def test_terminated_trial_has_why_stopped_and_untyped_start():
    trial = parse_study(snapshot_record("NCT00184067"))
    assert trial.overall_status == "TERMINATED"
    assert trial.start_date == PartialDate(year=2004, month=5)


def test_unknown_future_status_is_kept_with_a_warning(caplog):
    record = snapshot_record("NCT04523987")  # derived: overallStatus replaced by an invented future value
    record["protocolSection"]["statusModule"]["overallStatus"] = "PAUSED_FOR_REVIEW"
    with caplog.at_level(logging.WARNING):
        trial = parse_study(record)
    assert trial.overall_status == "PAUSED_FOR_REVIEW"
    assert "PAUSED_FOR_REVIEW" in caplog.text


def test_missing_optional_modules_leave_fields_empty():
    record = snapshot_record("NCT04523987")  # derived: every module but identification removed
    record["protocolSection"] = {"identificationModule": record["protocolSection"]["identificationModule"]}
    del record["derivedSection"]
    trial = parse_study(record)
    assert trial.nct_id == "NCT04523987"
    assert trial.overall_status is None and trial.interventions == [] and trial.locations == []
    assert trial.eligibility.criteria.inclusion == []


def test_record_without_nct_id_is_rejected():
    record = snapshot_record("NCT04523987")  # derived: nctId removed
    del record["protocolSection"]["identificationModule"]["nctId"]
    with pytest.raises(InvalidRecord, match="nctId"):
        parse_study(record)


@pytest.mark.parametrize(("written", "read"), [
    ("NCT04523987", "NCT04523987"),
    (" nct04523987 ", "NCT04523987"),  # what parse_study makes of it too
    ("NCT0452398", None),
    ("04523987", None),
    ("  ", None),
    (4523987, None),
])
def test_record_nct_id_is_the_normalised_id_or_none(written, read):
    record = snapshot_record("NCT04523987")  # derived: the id rewritten
    record["protocolSection"]["identificationModule"]["nctId"] = written
    assert record_nct_id(record) == read
    if read is not None:
        assert parse_study(record).nct_id == read


@pytest.mark.parametrize("record", [{}, {"protocolSection": None}, {"protocolSection": []},
                                    {"protocolSection": {"identificationModule": "NCT04523987"}}])
def test_record_nct_id_of_a_record_without_the_id_is_none(record):
    assert record_nct_id(record) is None


def test_a_malformed_nct_id_is_named_as_written():
    record = snapshot_record("NCT04523987")  # derived: a digit lost
    record["protocolSection"]["identificationModule"]["nctId"] = "NCT0452398"
    with pytest.raises(InvalidRecord, match=r"malformed NCT id 'NCT0452398'"):
        parse_study(record)


def test_malformed_date_is_dropped_not_fatal(caplog):
    record = snapshot_record("NCT04523987")  # derived: start date garbled
    record["protocolSection"]["statusModule"]["startDateStruct"] = {"date": "2019-13-45", "type": "ACTUAL"}
    trial = parse_study(record)
    assert trial.start_date is None
    assert "malformed date" in caplog.text


def test_unrecognised_modules_are_reported():
    record = snapshot_record("NCT04523987")  # derived: a module from a future API version added
    record["protocolSection"]["futureModule"] = {"x": 1}
    assert parse_study(record).unrecognised_modules == ["protocolSection.futureModule"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2015-08", "2015-08"), ("2014-08-05", "2014-08-05"), ("2020", "2020")],
)
def test_partial_dates_keep_their_precision(text, expected):
    assert str(PartialDate.parse(text)) == expected


@pytest.mark.parametrize("text", ["2015-8-1x", "", "2015-13", "2015-02-30"])
def test_partial_date_rejects_nonsense(text):
    with pytest.raises(ValueError):
        PartialDate.parse(text)


@pytest.mark.parametrize(
    ("text", "years"), [("18 Years", 18), ("6 Months", 0.5), ("1 Year", 1), ("4 Weeks", 28 / 365.25)]
)
def test_age_in_years(text, years):
    assert Age.parse(text).years == pytest.approx(years)


def test_age_not_applicable():
    assert Age.parse("N/A") is None


def test_contacts_officials_and_site_contacts():
    trial = parse_study(snapshot_record("NCT05147467"))
    assert [(c.name, c.phone, c.email) for c in trial.central_contacts] == [
        ("Zi Chen, Doctor", "+8618117275173", "Zi.Chen@ascentage.com"),
        ("Min Yu, Doctor", "+8615000679101", "Min.Yu@ascentage.com"),
    ]
    assert trial.central_contacts[0].tel_uri == "tel:+8618117275173"
    assert trial.central_contacts[0].mailto_uri == "mailto:Zi.Chen@ascentage.com"
    official = trial.overall_officials[0]
    assert (official.name, official.role, official.affiliation) == (
        "Yifan Zhai, MD, PhD", "STUDY_DIRECTOR", "Ascentage Pharma Group Inc.")
    first_site = trial.locations[0]
    assert [(c.name, c.role) for c in first_site.contacts] == [
        ("Yang Liang", "CONTACT"), ("Yang Liang, Postdoc", "PRINCIPAL_INVESTIGATOR")]
    assert not first_site.contacts[0].reachable  # a name only: no way to reach them given


def test_contacts_are_read_leniently(caplog):
    """Derived from NCT05147467: a contact's phone made a number, a blank contact, an official without a name,
    a site's contacts a lone object and a geoPoint off the globe."""
    record = snapshot_record("NCT05147467")
    module = record["protocolSection"]["contactsLocationsModule"]
    module["centralContacts"][0]["phone"] = 8618117275173
    module["centralContacts"].append({"name": " ", "role": "CONTACT"})
    module["overallOfficials"].append({"role": "STUDY_CHAIR"})
    module["locations"][0]["contacts"] = {"name": "Yang Liang"}
    module["locations"][1]["geoPoint"] = {"lat": 123.0, "lon": 113.25}
    with caplog.at_level(logging.WARNING):
        trial = parse_study(record)
    assert trial.central_contacts[0].phone is None and trial.central_contacts[0].email == "Zi.Chen@ascentage.com"
    assert len(trial.central_contacts) == 2
    assert len(trial.overall_officials) == 2
    assert trial.locations[0].contacts == []
    assert trial.locations[1].geo is None
    assert "centralContacts[0].phone" in caplog.text and "locations[0].contacts" in caplog.text


@pytest.mark.parametrize(("phone", "extension", "uri"), [
    ("844-663-3742", None, "tel:844-663-3742"),
    ("+33 1 42 16 00 00", "123", "tel:+33-1-42-16-00-00;ext=123"),
    ("(617) 555-0100 ext", None, "tel:(617)-555-0100"),
    ("n/a", None, None),
])
def test_tel_links(phone, extension, uri):
    from harvester.models import Contact

    assert Contact(phone=phone, phone_ext=extension).tel_uri == uri


def test_mailto_only_for_an_address():
    from harvester.models import Contact

    assert Contact(email="a@b.org").mailto_uri == "mailto:a@b.org"
    assert Contact(email="see website").mailto_uri is None
