"""The Whoosh search index of a data dir: schema, documents, atomic rebuilds and incremental updates.

Entry points: `index.build.rebuild_index`, `index.build.update_index`, `index.storage.open_index`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["IndexLocation", "index_status", "open_index", "rebuild_index", "update_index"]

if TYPE_CHECKING:
    from index.build import rebuild_index, update_index
    from index.status import index_status
    from index.storage import IndexLocation, open_index
else:
    from harvester._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {
        "index.build": ("rebuild_index", "update_index"),
        "index.storage": ("IndexLocation", "open_index"),
        "index.status": ("index_status",),
    })
