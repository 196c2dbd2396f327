"""Lazy re-exports for the packages' ``__init__`` modules (PEP 562).

A package names its public API in ``__all__`` without importing it: ``harvester.store.Store`` imports
`harvester.store.store` the first time it is asked for. So importing a light part of a package (``harvester.errors``,
``harvester.registry.DEFAULT_API_URL``) never loads the record models (pydantic) or the HTTP client (httpx), and a
cold ``trialwatch search`` stays cheap (tests/test_cold_start.py). Each package imports the same names under
``if TYPE_CHECKING:`` for mypy; tests/test_exports.py checks that the two agree.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, Sequence[str]]) -> tuple[Callable[[str], Any],
                                                                               Callable[[], list[str]]]:
    """A package's module ``__getattr__`` and ``__dir__`` for `exports` (module -> the names it gives)."""
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # asked once: later reads are plain attribute reads
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__
