"""Searching the index for patients: query syntax, filters, ranking, snippets, "did you mean".

Entry points: `search.engine.search`, `search.engine.open_searcher` with `search.engine.run_search`.
"""
