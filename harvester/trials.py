"""Read trials from the store as models: the raw version parsed by the parser of its source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from harvester.models import Provenance, Trial, normalize_nct_id
from harvester.parse import parse_study
from harvester.store import StoredVersion, Store


def trial_from_version(version: StoredVersion) -> Trial:
    provenance = Provenance(
        source=version.source,
        source_url=version.source_url,
        fetched_at=dt.datetime.fromisoformat(version.fetched_at),
        content_hash=version.content_hash,
        data_timestamp=version.data_timestamp,
    )
    return parse_study(version.json(), provenance)


def load_trial(store: Store, nct_id: str) -> Trial:
    """The current view of one trial. Raises `InvalidNctId` or `NotInStore`."""
    return trial_from_version(store.latest_version(normalize_nct_id(nct_id)))


def iter_trials(store: Store, nct_ids: Iterable[str] | None = None) -> Iterator[Trial]:
    """The current view of every stored trial, or of the given ones."""
    for version in store.latest_versions(nct_ids):
        yield trial_from_version(version)
