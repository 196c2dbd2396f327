"""A cold `trialwatch search` imports only what answering a query needs: the record models (pydantic) and the
HTTP client (httpx) cost more start-up time than the search itself."""

from __future__ import annotations

import subprocess
import sys

SEARCH_PATH_MODULES = ("trialwatch.cli", "trialwatch.commands.search", "search.engine", "search.views.result", "trialwatch.render")


def test_search_path_imports_neither_models_nor_http_client() -> None:
    probe = (
        "import importlib, sys\n"
        f"for name in {SEARCH_PATH_MODULES!r}: importlib.import_module(name)\n"
        "print(' '.join(sorted(name for name in ('pydantic', 'httpx') if name in sys.modules)))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
