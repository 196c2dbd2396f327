"""Read trials from the store as models: each raw version parsed by the parser of its source (a registry record
or a trial page), and a trial's newest version of each source merged into one view (`harvester.store.merge`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence

from harvester.errors import NotInStore, TrialwatchError
from harvester.models import Provenance, Trial
from harvester.pages.parse import parse_trial_page
from harvester.registry.parse import parse_study
from harvester.store.merge import merge_trial
from harvester.store.store import Store, StoredVersion
from harvester.terms import NctId

__all__ = ["iter_trials", "load_trial", "merged_trial", "trial_from_version"]

logger = logging.getLogger(__name__)


def trial_from_version(version: StoredVersion) -> Trial:
    """One stored version as a model, read by the parser of its source, with its provenance."""
    provenance = Provenance(
        source=version.source,
        source_url=version.source_url,
        fetched_at=dt.datetime.fromisoformat(version.fetched_at),
        content_hash=version.content_hash,
        data_timestamp=version.data_timestamp,
    )
    if version.source == "page":
        return parse_trial_page(version.raw, version.source_url or "", nct_id=version.nct_id, provenance=provenance)
    return parse_study(version.json(), provenance)


def merged_trial(versions: Sequence[StoredVersion]) -> Trial:
    """One trial from its newest version of each source: the registry record, with the page's details merged in.

    A stored page that no longer parses (after a parser change) is left out with a warning when a registry record
    is there to stand on; a trial known only from that page raises.
    """
    registry = next((trial_from_version(v) for v in versions if v.source == "api"), None)
    page_version = next((v for v in versions if v.source == "page"), None)
    page = None
    if page_version is not None:
        try:
            page = trial_from_version(page_version)
        except TrialwatchError as error:
            if registry is None:
                raise
            logger.warning("left out the stored trial page of %s: %s", page_version.nct_id, error)
    return merge_trial(registry, page)


def load_trial(store: Store, nct_id: NctId) -> Trial:
    """The current view of one trial. Raises `NotInStore`."""
    versions = next(store.latest_by_source([nct_id]), None)
    if versions is None:
        raise NotInStore(f"{nct_id} is not in the store", hint=f"run: trialwatch harvest {nct_id}")
    return merged_trial(versions)


def iter_trials(store: Store, nct_ids: Iterable[str] | None = None) -> Iterator[Trial]:
    """The current view of every stored trial, or of the given ones (registry record and trial page merged)."""
    for versions in store.latest_by_source(nct_ids):
        yield merged_trial(versions)
