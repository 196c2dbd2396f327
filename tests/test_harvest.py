"""Replayed harvests into a temp store: paging, versions, runs, and what a failure mid-harvest leaves."""

from __future__ import annotations

import json

import httpx
import pytest

from harvester.errors import RegistryUnavailable
from harvester.registry.client import RegistryClient, StudyQuery
from harvester.registry.harvest import harvest_query
from harvester.registry.http import HttpSettings, PoliteClient
from harvester.registry.parse import parse_study
from tests.records import snapshot_record

NO_WAIT = HttpSettings(min_interval=0, max_attempts=1)
LUPUS = StudyQuery(condition="lupus", intervention="lenalidomide", page_size=2)


def test_replayed_multipage_harvest_stores_every_record(cassette, store):
    with cassette("harvest_lupus.yaml") as recorded, RegistryClient(settings=NO_WAIT) as client:
        summary = harvest_query(client, store, LUPUS)
    assert recorded.all_played
    assert summary.line() == "fetched 4, new 4, changed 0, unchanged 0"
    assert store.nct_ids() == ["NCT00184067", "NCT03934567", "NCT04523987", "NCT06388018"]
    run = store.runs()[0]
    assert (run.kind, run.outcome, run.data_timestamp, run.new) == ("harvest", "ok", "2025-09-11T09:15:04", 4)
    assert run.query["query"]["query.cond"] == "lupus"
    version = store.latest_version("NCT06388018")
    assert version.source_url == "https://clinicaltrials.gov/api/v2/studies/NCT06388018"
    assert version.last_update_posted is not None


def test_a_lupus_harvest_of_the_real_lupus_records_follows_the_pages_and_reads_the_sle_trial(cassette, store):
    """harvest_real_lupus.yaml: real lupus records of the downloads, one a page (DERIVED wrappers and tokens)."""
    with cassette("harvest_real_lupus.yaml", recordable=False) as recorded, \
            RegistryClient(settings=NO_WAIT) as client:
        summary = harvest_query(client, store, StudyQuery(condition="lupus", page_size=1))
    assert recorded.all_played
    assert summary.line() == "fetched 2, new 2, changed 0, unchanged 0"
    assert store.nct_ids() == ["NCT03840928", "NCT05843643"]
    sle = parse_study(json.loads(store.latest_version("NCT05843643").raw))
    assert sle.conditions == ["Systemic Lupus Erythematosus"] and sle.overall_status == "NOT_YET_RECRUITING"
    assert sle.lead_sponsor and sle.lead_sponsor.name == "AbbVie"
    registry = parse_study(json.loads(store.latest_version("NCT03840928").raw))
    assert "Lupus Erythematosus" in registry.conditions and len(registry.conditions) > 10


def test_replaying_the_same_harvest_adds_no_versions(cassette, store):
    for _ in range(2):
        with cassette("harvest_lupus.yaml"), RegistryClient(settings=NO_WAIT) as client:
            summary = harvest_query(client, store, LUPUS)
    assert summary.line() == "fetched 4, new 0, changed 0, unchanged 4"
    assert store.count_versions() == 4
    assert [run.outcome for run in store.runs()] == ["ok", "ok"]


def _registry_failing_on_page_2() -> httpx.MockTransport:
    """/version and a first page of real records, then 503 for the second page."""
    first_page = {"studies": [snapshot_record("NCT04523987"), snapshot_record("NCT04267848")], "nextPageToken": "NF0g5JE"}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/version"):
            return httpx.Response(200, json={"apiVersion": "2.0.5", "dataTimestamp": "2026-11-24T09:00:00"})
        if "pageToken" in request.url.params:
            return httpx.Response(503, text="Service Unavailable")
        return httpx.Response(200, content=json.dumps(first_page).encode(), headers={"Content-Type": "application/json"})

    return httpx.MockTransport(answer)


def test_a_failure_mid_harvest_keeps_whole_pages_only_and_records_the_run(store):
    http = PoliteClient(NO_WAIT, transport=_registry_failing_on_page_2())
    with RegistryClient(http=http) as client, pytest.raises(RegistryUnavailable):
        harvest_query(client, store, LUPUS)
    assert store.nct_ids() == ["NCT04267848", "NCT04523987"]
    run = store.runs()[0]
    assert run.outcome == "failed" and run.fetched == 2
    assert "503" in run.message


def test_a_record_without_nct_id_is_skipped_and_reported(store, caplog):
    broken = snapshot_record("NCT04267848")  # derived: nctId removed
    del broken["protocolSection"]["identificationModule"]["nctId"]
    page = {"studies": [snapshot_record("NCT04523987"), broken]}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/version"):
            return httpx.Response(200, json={"apiVersion": "2.0.5", "dataTimestamp": "2026-11-24T09:00:00"})
        return httpx.Response(200, json=page)

    with RegistryClient(http=PoliteClient(NO_WAIT, transport=httpx.MockTransport(answer))) as client:
        summary = harvest_query(client, store, LUPUS)
    assert (summary.new, summary.skipped) == (1, 1)
    assert "skipped 1 without a valid NCT id" in summary.line()
    assert "skipped a record" in caplog.text
