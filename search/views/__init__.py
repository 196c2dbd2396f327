"""View models: what the CLI and the web show of a stored trial, a search result and a change, in words.

Both front ends render these and nothing else, so they say the same thing in the same words: the terminal wraps
them (`trialwatch.render`), the web templates escape and lay them out. No HTML and no terminal codes here.

- `search.views.words`: status, age, sex and phase words shared by all views.
- `search.views.trial`: `TrialView`, one stored trial (with its status timeline).
- `search.views.result`: `ResultView`, one search result.
- `search.views.change`: `ChangeView`, one change event.
- `search.views.sources`: `TrialSources`, a trial's stored versions and findings (`show --sources`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = [
    "ChangeView",
    "ResultView",
    "TrialSources",
    "TrialView",
    "result_view",
    "select_changes",
    "trial_sources",
    "trial_view",
]

if TYPE_CHECKING:
    from search.views.change import ChangeView, select_changes
    from search.views.result import ResultView, result_view
    from search.views.sources import TrialSources, trial_sources
    from search.views.trial import TrialView, trial_view
else:
    from harvester._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {
        "search.views.trial": ("TrialView", "trial_view"),
        "search.views.result": ("ResultView", "result_view"),
        "search.views.change": ("ChangeView", "select_changes"),
        "search.views.sources": ("TrialSources", "trial_sources"),
    })
