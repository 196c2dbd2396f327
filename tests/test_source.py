"""The harvest and the refresh take a `StudySource`: the replayed `RegistryClient`, the refresh's listing wrapper and
the in-memory `RecordedSource` are all one, and the harvest and the refresh run on the double as on the client.

mypy checks the same structurally: `trialwatch refresh` and `trialwatch harvest` pass a `RegistryClient` where a
`StudySource` is taken, and tests/fakes.py assigns a `RecordedSource` to a `StudySource` variable.
"""

from __future__ import annotations

import pytest

from harvester.errors import StudyNotFound
from harvester.history.events import query_events
from harvester.history.refresh import _ListingSource, refresh
from harvester.history.watches import Watches
from harvester.registry.client import RegistryClient, StudyQuery
from harvester.registry.harvest import harvest_ids, harvest_query
from harvester.registry.http import HttpSettings
from harvester.registry.source import StudySource
from harvester.terms import NctId
from tests.fakes import RecordedSource
from tests.records import snapshot_record

NO_WAIT = HttpSettings(min_interval=0, max_attempts=1)
LUPUS = StudyQuery(condition="lupus", intervention="lenalidomide", page_size=2)
FIRST = ["NCT00184067", "NCT04523987", "NCT06714279"]
MIRROR = "http://mirror.test/api/v2"


class _WithoutFetch:
    """The shape of the refresh's old listing stand-in: enough for a listing, not a `StudySource`."""

    base_url = MIRROR

    def version(self): ...

    def iter_pages(self, query): ...


def test_a_replayed_registry_client_and_the_test_doubles_are_study_sources(cassette, store):
    with cassette("harvest_lupus.yaml") as recorded, RegistryClient(settings=NO_WAIT) as client:
        assert isinstance(client, StudySource)
        assert isinstance(_ListingSource(client), StudySource)
        summary = harvest_query(_ListingSource(client), store, LUPUS)
    assert recorded.all_played
    assert summary.line() == "fetched 4, new 4, changed 0, unchanged 0"
    double = RecordedSource([])
    assert isinstance(double, StudySource) and isinstance(_ListingSource(double), StudySource)
    assert not isinstance(_WithoutFetch(), StudySource)


def test_the_listing_wrapper_notes_the_normalised_ids_a_listing_returned_and_passes_everything_through():
    lowercase = snapshot_record("NCT04523987")
    lowercase["protocolSection"]["identificationModule"]["nctId"] = " nct04523987"
    nameless = snapshot_record("NCT06714279")
    del nameless["protocolSection"]["identificationModule"]["nctId"]
    double = RecordedSource([snapshot_record("NCT00184067"), lowercase, nameless], base_url=MIRROR)
    listing = _ListingSource(double)
    pages = list(listing.iter_pages(StudyQuery(term="a", page_size=2)))
    assert [len(page.studies) for page in pages] == [2, 1]
    assert listing.listed == {"NCT00184067", "NCT04523987"}
    assert (listing.base_url, listing.version()) == (MIRROR, double.version())
    assert listing.fetch_study(NctId("NCT00184067")) is double.listed[0]
    assert double.fetched == ["NCT00184067"]


def test_harvest_query_and_harvest_ids_run_on_any_study_source(store):
    double = RecordedSource([snapshot_record(nct_id) for nct_id in FIRST], base_url=MIRROR)
    summary = harvest_query(double, store, StudyQuery(condition="lupus", page_size=2, count_total=True))
    assert (summary.line(), summary.total) == ("fetched 3, new 3, changed 0, unchanged 0", 3)
    assert store.nct_ids() == FIRST
    run = store.runs()[0]
    assert (run.outcome, run.data_timestamp, run.query["api_url"]) == ("ok", "2025-09-11T09:15:04", MIRROR)
    assert store.latest_version("NCT04523987").source_url == f"{MIRROR}/studies/NCT04523987"

    again = harvest_ids(double, store, [NctId("NCT06714279")])
    assert again.line() == "fetched 1, new 0, changed 0, unchanged 1"
    assert double.fetched == ["NCT06714279"]
    with pytest.raises(StudyNotFound):
        harvest_ids(double, store, [NctId("NCT99999999")])
    assert store.runs()[0].outcome == "failed"


def test_refresh_runs_on_a_study_source_and_fetches_a_dropped_trial_from_it(store, tmp_path):
    double = RecordedSource([snapshot_record(nct_id) for nct_id in FIRST])
    first = refresh(store, double, tmp_path, names=["lupus"], page_size=2)
    (lupus,) = first.watches
    assert (lupus.full, lupus.listed, lupus.new, lupus.error) == (True, 3, 3, None)
    assert [query.page_size for query in double.queries] == [2]
    assert Watches(store).members(Watches(store).get("lupus")) == set(FIRST)

    incremental = refresh(store, double, tmp_path, names=["lupus"])
    assert incremental.watches[0].full is False
    assert "AREA[LastUpdatePostDate]RANGE[" in (double.queries[-1].advanced or "")

    double.listed, double.unlisted = double.listed[::2], double.listed[1:2]  # NCT04523987 no longer matches
    third = refresh(store, double, tmp_path, names=["lupus"], full=True)
    (lupus,) = third.watches
    assert (lupus.full, lupus.dropped, lupus.unchanged) == (True, ["NCT04523987"], 3)
    assert double.fetched == ["NCT04523987"]
    (dropped,) = query_events(store, kinds=["dropped"])
    assert (dropped.nct_id, dropped.watch, dropped.details["in_registry"]) == ("NCT04523987", "lupus", True)
