"""The local web app of `trialwatch serve`."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["create_app"]

if TYPE_CHECKING:
    from trialwatch.web.app import create_app
else:
    from harvester._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {
        "trialwatch.web.app": ("create_app",),
    })
