"""Fetch ClinicalTrials.gov records and trial pages, parse them into models, keep every version.

The names below are re-exported lazily (`harvester._lazy`): importing the package loads none of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["NctId", "RegistryClient", "Store", "Trial", "TrialwatchError", "normalize_nct_id"]

if TYPE_CHECKING:
    from harvester.errors import TrialwatchError
    from harvester.models import Trial
    from harvester.registry.client import RegistryClient
    from harvester.store.store import Store
    from harvester.terms import NctId, normalize_nct_id
else:
    from harvester._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {
        "harvester.errors": ("TrialwatchError",),
        "harvester.terms": ("NctId", "normalize_nct_id"),
        "harvester.models": ("Trial",),
        "harvester.store.store": ("Store",),
        "harvester.registry.client": ("RegistryClient",),
    })
