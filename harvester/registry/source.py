"""`StudySource`: what the harvest and the refresh need from the registry, and all they may use of it.

`harvester.registry.harvest` (`harvest_query`, `harvest_ids`) and `harvester.history.refresh` take a
`StudySource`, not the HTTP client: `RegistryClient` is one without naming it (the Protocol is structural), the
refresh wraps one in another to note what a listing returned, and a test can give them records from memory.
How to reach the registry (its base URL, the politeness delay and retries of `HttpSettings`) is given to the
client when it is made, and how many studies a page holds travels with each `StudyQuery` (`page_size`); none of
it is part of this interface.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from harvester.registry.client import RegistryVersion, StudyPage, StudyQuery
    from harvester.terms import NctId

__all__ = ["StudySource"]


@runtime_checkable
class StudySource(Protocol):
    """The registry's studies as the harvest and the refresh read them (`RegistryClient` is the real one)."""

    @property
    def base_url(self) -> str:
        """The API's root URL, without a trailing slash: recorded with each run and in each stored version."""
        ...

    def version(self) -> RegistryVersion:
        """The API version and the data timestamp (``GET /version``), asked for at the start of every run."""
        ...

    def iter_pages(self, query: StudyQuery) -> Iterator[StudyPage]:
        """Every study matching `query`, page after page (``GET /studies``), the last page without a token."""
        ...

    def fetch_study(self, nct_id: NctId) -> dict[str, Any]:
        """One study record (``GET /studies/{nctId}``); raises `StudyNotFound` when the registry has none."""
        ...

    def interruptible(self) -> AbstractContextManager[Callable[[], None]]:
        """A function that interrupts the source from another thread until the block ends: its wait in progress
        ends and it sends no further request (`iter_pages` raises instead). `harvest_query` reads pages in a
        thread (`harvester.registry.prefetch`) and interrupts it when storing fails."""
        ...
