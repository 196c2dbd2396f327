"""`TrialSources`: every stored version of a trial by source, and what merging them found (`show --sources`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from harvester.models import Finding
from harvester.store.store import Store
from harvester.store.trials import load_trial
from harvester.terms import NctId

__all__ = ["SourceVersion", "TrialSources", "sources_json", "trial_sources"]


@dataclass(frozen=True)
class SourceVersion:
    """One stored version: which source, when, what content, from where, by which kind of run."""

    version_id: int
    source: str
    fetched_at: str
    content_hash: str
    source_url: str | None
    data_timestamp: str | None
    run_kind: str | None


@dataclass(frozen=True)
class TrialSources:
    nct_id: str
    title: str
    versions: list[SourceVersion]
    findings: list[Finding]


def trial_sources(store: Store, nct_id: NctId) -> TrialSources:
    """The trial's stored versions, oldest first, and the findings of its current merged view.

    Raises `NotInStore`.
    """
    trial = load_trial(store, nct_id)
    stored = store.versions(trial.nct_id)
    run_ids = sorted({version.run_id for version in stored if version.run_id is not None})
    run_kinds = store.run_kinds(run_ids)
    versions = [
        SourceVersion(version_id=v.id, source=v.source, fetched_at=v.fetched_at, content_hash=v.content_hash,
                      source_url=v.source_url, data_timestamp=v.data_timestamp,
                      run_kind=run_kinds.get(v.run_id) if v.run_id is not None else None)
        for v in stored
    ]
    return TrialSources(nct_id=trial.nct_id, title=trial.title, versions=versions, findings=trial.findings)


def sources_json(sources: TrialSources) -> dict[str, Any]:
    return {
        "nct_id": sources.nct_id,
        "title": sources.title,
        "versions": [asdict(version) for version in sources.versions],
        "findings": [finding.model_dump(mode="json") for finding in sources.findings],
    }
