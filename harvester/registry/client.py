"""`RegistryClient`: the one client of the ClinicalTrials.gov API v2 (`/version`, `/studies`, `/studies/{nctId}`).

It is a `StudySource` (`harvester.registry.source`) without naming it: the harvest and the refresh take that Protocol.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from harvester.errors import BadResponse, StudyNotFound, UsageError
from harvester.registry import DEFAULT_API_URL
from harvester.registry.http import HttpSettings, PoliteClient
from harvester.statuses import STATUS_OPTIONS, OverallStatus
from harvester.terms import NctId

__all__ = [
    "FORMAT_PARAMS",
    "MAX_PAGE_SIZE",
    "PagingGuard",
    "RegistryClient",
    "RegistryVersion",
    "StudyPage",
    "StudyQuery",
]

#: sent with every study request: JSON, markup fields as Markdown (both are the API's defaults, stated anyway)
FORMAT_PARAMS: dict[str, str] = {"format": "json", "markupFormat": "markdown"}

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class RegistryVersion:
    """What `GET /version` says: the API's semantic version and the UTC time of the data (``yyyy-MM-ddTHH:mm:ss``)."""

    api_version: str
    data_timestamp: str | None


@dataclass(frozen=True)
class StudyPage:
    """One page of a `/studies` search. `total_count` is only on the first page, and only if it was asked for."""

    number: int
    studies: list[dict[str, Any]]
    next_page_token: str | None
    total_count: int | None


class StudyQuery(BaseModel):
    """A `/studies` search. Text fields are in the registry's Essie expression syntax.

    `statuses` accepts `OverallStatus` names in any case, with spaces or hyphens for underscores
    (``not-yet-recruiting``). `page_size` is 1..1000 (the server itself coerces anything larger down to 1000).
    With no condition, intervention, term, status or advanced filter the registry returns every study.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    condition: str | None = None
    intervention: str | None = None
    term: str | None = None
    statuses: tuple[OverallStatus, ...] = ()
    advanced: str | None = None
    page_size: int = MAX_PAGE_SIZE
    count_total: bool = False

    @field_validator("condition", "intervention", "term", "advanced")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return value.strip()

    @field_validator("statuses", mode="before")
    @classmethod
    def _known_statuses(cls, value: str | Iterable[str]) -> tuple[OverallStatus, ...]:
        names = [value] if isinstance(value, str) else list(value)
        statuses = []
        for name in names:
            key = str(name).strip().upper().replace("-", "_").replace(" ", "_")
            if key not in OverallStatus.__members__:
                raise UsageError(
                    f"unknown overall status: {name!r}",
                    hint="use one of " + ", ".join(STATUS_OPTIONS),
                )
            statuses.append(OverallStatus(key))
        return tuple(dict.fromkeys(statuses))

    @field_validator("page_size")
    @classmethod
    def _page_size_in_range(cls, value: int) -> int:
        if not 1 <= value <= MAX_PAGE_SIZE:
            raise UsageError(f"page size must be 1 to {MAX_PAGE_SIZE}, not {value}")
        return value

    def to_params(self) -> dict[str, str | int | bool]:
        """The query's `/studies` parameters for the first page (``countTotal`` only when asked for)."""
        params: dict[str, str | int | bool] = {}
        for name, value in (
            ("query.cond", self.condition),
            ("query.intr", self.intervention),
            ("query.term", self.term),
            ("filter.overallStatus", ",".join(status.value for status in self.statuses)),
            ("filter.advanced", self.advanced),
        ):
            if value:
                params[name] = value
        params["pageSize"] = self.page_size
        if self.count_total:
            params["countTotal"] = True
        return params


@dataclass
class PagingGuard:
    """Stops a listing that would never end: a repeated page token, `stale_pages` pages in a row that bring no
    new study, or more studies than the first page's ``totalCount`` plus a margin (a tenth, at least a page)."""

    page_size: int
    stale_pages: int = 3
    seen_tokens: set[str] = field(default_factory=set)
    seen_ids: set[str] = field(default_factory=set)
    pages_without_new: int = 0
    count: int = 0
    total: int | None = None

    def check(self, page: StudyPage) -> None:
        """Raise `BadResponse` when the page after `page` should not be asked for."""
        if page.total_count is not None and self.total is None:
            self.total = page.total_count
        self.count += len(page.studies)
        ids = {_study_key(study) for study in page.studies}
        new = ids - self.seen_ids
        self.seen_ids |= new
        self.pages_without_new = 0 if new else self.pages_without_new + 1
        token = page.next_page_token
        if token in self.seen_tokens:
            raise BadResponse(f"/studies repeated page token {_preview(token)} on page {page.number}; paging stopped")
        if self.pages_without_new >= self.stale_pages:
            raise BadResponse(f"/studies pages {page.number - self.stale_pages + 1} to {page.number} brought no new"
                              " study, yet the registry offers another page; paging stopped")
        if self.total is not None and self.count > self.total + max(self.page_size, self.total // 10):
            raise BadResponse(f"/studies returned {self.count} studies by page {page.number}, more than the"
                              f" {self.total} it counted; paging stopped")
        if token is not None:
            self.seen_tokens.add(token)


def _study_key(study: dict[str, Any]) -> str:
    """The study's NCT id, or for a record without one a digest of its content (still new or not)."""
    section = study.get("protocolSection")
    module = section.get("identificationModule") if isinstance(section, dict) else None
    nct_id = module.get("nctId") if isinstance(module, dict) else None
    return nct_id if isinstance(nct_id, str) else f"#{hash(repr(study))}"


class RegistryClient:
    """Talks to ClinicalTrials.gov API v2 at `base_url` through a `PoliteClient`: a `StudySource`.

    Give `settings` to have the client build (and close) its own `PoliteClient`, or share one as `http`.
    """

    def __init__(
        self, base_url: str = DEFAULT_API_URL, settings: HttpSettings | None = None, *, http: PoliteClient | None = None
    ) -> None:
        if http is not None and settings is not None:
            raise ValueError("give HttpSettings or a PoliteClient, not both")
        self.base_url = base_url.rstrip("/")
        self._owns_http = http is None
        self._http = http or PoliteClient(settings)

    def version(self) -> RegistryVersion:
        """`GET /version`: the API version and the data timestamp."""
        body = self._http.get_json(f"{self.base_url}/version")
        api_version = body.get("apiVersion") if isinstance(body, dict) else None
        data_timestamp = body.get("dataTimestamp") if isinstance(body, dict) else None
        if not isinstance(api_version, str) or not isinstance(data_timestamp, str | None):
            raise BadResponse(f"/version answered something that is not a version: {_preview(body)}")
        return RegistryVersion(api_version=api_version, data_timestamp=data_timestamp)

    def fetch_study(self, nct_id: NctId) -> dict[str, Any]:
        """`GET /studies/{nctId}`: one study record as the API sends it.

        Raises `StudyNotFound` on a 404. An old alias id is redirected (301) by the registry to the study's current
        record, whose `nctId` then differs from `nct_id`.
        """
        not_found = StudyNotFound(
            f"ClinicalTrials.gov has no study {nct_id}", hint="check the NCT id on https://clinicaltrials.gov"
        )
        record = self._http.get_json(f"{self.base_url}/studies/{nct_id}", FORMAT_PARAMS, not_found=not_found)
        if not isinstance(record, dict):
            raise BadResponse(f"/studies/{nct_id} answered something that is not a study: {_preview(record)}")
        return record

    def iter_pages(self, query: StudyQuery) -> Iterator[StudyPage]:
        """`GET /studies` page after page, following `nextPageToken` until a page has none.

        Every later request repeats the first one's parameters, minus ``countTotal``, plus ``pageToken``
        (as the API requires). A page may hold no studies; paging goes on while there is a token, unless the
        paging guards see a listing that would never end (`PagingGuard`): then `BadResponse` is raised after
        the pages already yielded.
        """
        first_params: dict[str, str | int | bool] = {**FORMAT_PARAMS, **query.to_params()}
        later_params = {name: value for name, value in first_params.items() if name != "countTotal"}
        params = first_params
        guard = PagingGuard(page_size=query.page_size)
        for number in itertools.count(1):
            page = _study_page(self._http.get_json(f"{self.base_url}/studies", params), number)
            yield page
            if page.next_page_token is None:
                return
            guard.check(page)
            params = {**later_params, "pageToken": page.next_page_token}

    def interruptible(self) -> AbstractContextManager[Callable[[], None]]:
        """A function that interrupts this client's requests from another thread (`PoliteClient.interruptible`)."""
        return self._http.interruptible()

    def close(self) -> None:
        """Close the HTTP session if this client made it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _study_page(body: Any, number: int) -> StudyPage:
    """Check the shape of a `/studies` JSON answer (`PagedStudies`) and wrap it."""
    if not isinstance(body, dict):
        raise BadResponse(f"/studies page {number} is not a JSON object: {_preview(body)}")
    studies = body.get("studies")
    if not isinstance(studies, list) or not all(isinstance(study, dict) for study in studies):
        raise BadResponse(f"/studies page {number} has no list of studies: {_preview(body)}")
    token = body.get("nextPageToken")
    total = body.get("totalCount")
    if not (token is None or (isinstance(token, str) and token)) or not (total is None or type(total) is int):
        raise BadResponse(f"/studies page {number} has a malformed nextPageToken or totalCount: {_preview(body)}")
    return StudyPage(number=number, studies=studies, next_page_token=token, total_count=total)


def _preview(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
