"""Searching the index for patients: query syntax, filters, ranking, snippets, "did you mean".

Entry points: `search.engine.search`, `search.engine.open_searcher` with `search.engine.run_search`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["SearchRequest", "SearchResponse", "SearchResult", "open_searcher", "run_search", "search"]

if TYPE_CHECKING:
    from search.engine import open_searcher, run_search, search
    from search.models import SearchRequest, SearchResponse, SearchResult
else:
    from harvester._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {
        "search.engine": ("open_searcher", "run_search", "search"),
        "search.models": ("SearchRequest", "SearchResponse", "SearchResult"),
    })
