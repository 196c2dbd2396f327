"""The versioned store: schema, SQL, content hashing, merged trials and the bundled snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["RefreshLock", "Store", "StoredVersion", "ensure_data", "iter_trials", "load_trial"]

if TYPE_CHECKING:
    from harvester.store.runlock import RefreshLock
    from harvester.store.snapshot import ensure_data
    from harvester.store.store import Store, StoredVersion
    from harvester.store.trials import iter_trials, load_trial
else:
    from harvester._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {
        "harvester.store.store": ("Store", "StoredVersion"),
        "harvester.store.trials": ("iter_trials", "load_trial"),
        "harvester.store.snapshot": ("ensure_data",),
        "harvester.store.runlock": ("RefreshLock",),
    })
