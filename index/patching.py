"""Changes made to Whoosh's classes for as long as a build needs them (`index.lengths`, `index.postings`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

__all__ = ["ClassPatch"]


class ClassPatch:
    """Attributes of classes replaced while the patch is entered: re-entrant and across threads, the originals back
    when the last user leaves. Processes forked inside inherit the replacements."""

    def __init__(self, *replacements: tuple[type, str, Any]) -> None:
        self._replacements = replacements
        self._originals = [(owner, name, getattr(owner, name)) for owner, name, _ in replacements]
        self._lock = threading.Lock()
        self._depth = 0

    def __call__(self) -> AbstractContextManager[None]:
        return self._entered()

    @contextmanager
    def _entered(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                for owner, name, replacement in self._replacements:
                    setattr(owner, name, replacement)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    for owner, name, original in self._originals:
                        setattr(owner, name, original)
