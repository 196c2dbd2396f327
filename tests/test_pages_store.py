"""Trial pages in the store: page versions and their hash, page-only trials, merging with registry records,
status findings, the bundled snapshot's page."""

from __future__ import annotations

import logging

import pytest

from harvester.errors import NotATrialPage
from harvester.pages.harvest import page_content_hash, store_page
from harvester.pages.parse import parse_trial_page
from harvester.registry.harvest import store_record
from harvester.store.merge import merge_trial, status_findings
from harvester.store.snapshot import ensure_data, read_snapshot
from harvester.store.store import Store
from harvester.store.trials import iter_trials, load_trial
from tests.pages import SEED_ID, SEED_URL, derived_page, reconstructed
from tests.records import snapshot_record

API_ID = "NCT04267848"  # RECRUITING in the bundled snapshot
API_URL = f"https://clinconnect.io/trials/{API_ID}"


def put_page(store: Store, html: str, url: str = SEED_URL, fetched_at: str = "2025-07-02T08:00:00+00:00", **kw):
    with store.transaction():
        return store_page(store, html, url, fetched_at=fetched_at, **kw)


def put_record(store: Store, nct_id: str = API_ID) -> None:
    with store.transaction():
        store_record(store, snapshot_record(nct_id), fetched_at="2025-09-11T09:15:04+00:00",
                     api_url="https://clinicaltrials.gov/api/v2", data_timestamp="2025-09-11T09:15:04", run_id=None)


# --- page versions ---------------------------------------------------------------------------------------------


def test_a_page_is_kept_as_its_own_source_version_with_its_html(store):
    assert put_page(store, reconstructed()) == (SEED_ID, "new")
    version = store.latest_version(SEED_ID, "page")
    assert version.source == "page" and version.source_url == SEED_URL
    assert version.raw.decode("utf-8") == reconstructed()
    assert version.data_timestamp == "2025-07-01"  # the page's "Current as of"
    assert version.content_hash == page_content_hash(parse_trial_page(reconstructed(), SEED_URL))


def test_volatile_parts_and_markup_do_not_make_a_new_version(store):
    put_page(store, reconstructed())
    assert put_page(store, derived_page(patients_applied=12, current_as_of="August 14, 2025")) == (SEED_ID, "unchanged")
    restyled = reconstructed().replace('class="card"', 'class="card card--v2"').replace("</head>", "<script></script></head>")
    assert put_page(store, restyled) == (SEED_ID, "unchanged")
    other_site = put_page(store, reconstructed(), url="https://www.clinconnect.io/trials/NCT06965244")
    assert other_site == (SEED_ID, "unchanged")
    assert store.count_versions() == 1


def test_a_changed_status_makes_a_new_version(store):
    put_page(store, reconstructed())
    assert put_page(store, derived_page(status="Recruiting")) == (SEED_ID, "changed")
    assert [v.source for v in store.versions(SEED_ID)] == ["page", "page"]
    assert load_trial(store, SEED_ID).overall_status == "RECRUITING"


def test_a_non_trial_page_stores_nothing(store):
    with pytest.raises(NotATrialPage, match="not a trial page"):
        put_page(store, reconstructed("search-results.reconstructed.html"), nct_id=SEED_ID)
    assert (store.count_trials(), store.count_versions()) == (0, 0)


# --- page-only trials are first-class --------------------------------------------------------------------------


def test_a_trial_known_only_from_its_page_is_loaded_and_iterated(store):
    put_record(store)
    put_page(store, reconstructed())
    trial = load_trial(store, SEED_ID)
    assert (trial.overall_status, trial.provenance.source) == ("NOT_YET_RECRUITING", "page")
    assert trial.findings == []
    assert [t.nct_id for t in iter_trials(store)] == [API_ID, SEED_ID]
    assert [t.nct_id for t in iter_trials(store, [SEED_ID])] == [SEED_ID]


# --- merging with the registry record --------------------------------------------------------------------------


def test_the_registry_is_authoritative_and_a_status_disagreement_is_a_finding(store):
    put_record(store)
    put_page(store, derived_page(API_ID), url=API_URL, nct_id=API_ID)
    trial = load_trial(store, API_ID)
    assert trial.overall_status == "RECRUITING"  # the registry's, not the page's
    assert trial.provenance.source == "api"
    assert trial.lead_sponsor is not None and trial.lead_sponsor.name == "National Cancer Institute (NCI)"
    assert trial.page is not None and trial.page.site == "clinconnect.io"  # the page's own details are merged in
    assert len(trial.findings) == 1
    finding = trial.findings[0]
    assert (finding.registry_value, finding.page_value, finding.page_url) == ("RECRUITING", "NOT_YET_RECRUITING", API_URL)
    assert finding.describe() == ("status: the registry says recruiting; the trial page (as of 2025-07-01) says not yet"
                                  " recruiting (the registry is authoritative)")
    assert [t.findings for t in iter_trials(store, [API_ID])] == [trial.findings]


def test_agreeing_sources_have_no_finding(store):
    put_record(store)
    put_page(store, derived_page(API_ID, status="Recruiting"), url=API_URL, nct_id=API_ID)
    assert load_trial(store, API_ID).findings == []


def test_status_findings_and_merge_are_pure():
    registry = parse_trial_page(derived_page(status="Recruiting"), SEED_URL)
    page = parse_trial_page(reconstructed(), SEED_URL)
    assert status_findings(registry, registry) == []
    assert [f.page_value for f in status_findings(registry, page)] == ["NOT_YET_RECRUITING"]
    assert merge_trial(None, page) is page and merge_trial(registry, None) is registry
    with pytest.raises(ValueError, match="nothing to merge"):
        merge_trial(None, None)


def test_a_stored_page_that_no_longer_parses_is_left_out_next_to_a_registry_record(store, caplog):
    put_record(store)
    with store.transaction():
        store.add_version(nct_id=API_ID, source="page", raw=b"<p>gone</p>", content_hash="sha256:x",
                          fetched_at="2025-07-02T08:00:00+00:00", source_url=API_URL)
    with caplog.at_level(logging.WARNING):
        trial = load_trial(store, API_ID)
    assert trial.page is None and trial.overall_status == "RECRUITING"
    assert "left out the stored trial page of NCT04267848" in caplog.text


# --- the bundled snapshot --------------------------------------------------------------------------------------


def test_the_snapshot_bundles_the_seed_page(store):
    pages = read_snapshot()["pages"]
    assert [(p["nct_id"], p["url"], p["html_reconstructed_from_text"]) for p in pages] == [(SEED_ID, SEED_URL, True)]
    assert pages[0]["html"] == reconstructed()
    info = ensure_data(store)
    assert info is not None and info.pages == 1 and "and 1 trial page" in info.describe()
    trial = load_trial(store, SEED_ID)
    assert trial.brief_title == "Lenalidomide vs Methotrexate in Difficult-to-treat Cutaneous Lupus Erythematosus"
    assert trial.overall_status == "NOT_YET_RECRUITING"
    assert SEED_ID in {t.nct_id for t in iter_trials(store)}
