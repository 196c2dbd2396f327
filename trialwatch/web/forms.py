"""The search form: its fields, their choices, and the validation of what a browser sends."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from harvester.errors import BadParameter
from harvester.statuses import OPEN, OverallStatus, status_from_option, status_label, status_option
from search.models import MAX_AGE, MAX_TEXT_LENGTH, clean_text

__all__ = [
    "ANY_STATUS",
    "DEFAULT_STATUS",
    "MAX_PAGE",
    "MAX_TEXT",
    "PAGE_SIZE",
    "SEX_CHOICES",
    "SORT_CHOICES",
    "STATUS_CHOICES",
    "SearchForm",
]

#: the status a search starts with: every trial a patient could still join
DEFAULT_STATUS = OPEN
ANY_STATUS = "any"

#: (value sent by the form, label shown)
STATUS_CHOICES: list[tuple[str, str]] = [
    (DEFAULT_STATUS, "Open now or opening soon"),  # recruiting, by invitation, not yet recruiting
    (ANY_STATUS, "Any status"),
    *[
        (status_option(status), status_label(status).capitalize())
        for status in OverallStatus
        if status is not OverallStatus.UNKNOWN
    ],
    ("unknown", "Unknown"),
]
SEX_CHOICES: list[tuple[str, str]] = [("", "Any"), ("female", "Female"), ("male", "Male")]
SORT_CHOICES: list[tuple[str, str]] = [("relevance", "Best match"), ("distance", "Nearest site first")]

MAX_TEXT = MAX_TEXT_LENGTH
PAGE_SIZE = 20
MAX_PAGE = 500


@dataclass(frozen=True)
class SearchForm:
    q: str = ""
    drug: str = ""
    condition: str = ""
    status: str = DEFAULT_STATUS
    country: str = ""
    age: str = ""
    sex: str = ""
    #: a city to search near, and how near (``50``, ``30 km``, ``50mi``; empty: `search.nearby.DEFAULT_WITHIN_KM`)
    near: str = ""
    within: str = ""
    sort: str = "relevance"
    page: int = 1
    #: search the words as written (no statuses, places or ids read out of them)
    literal: bool = False

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> SearchForm:
        """Read and check the query string. Raises `BadParameter` naming the field and what it accepts."""
        values = {name: clean_text(str(params.get(name, ""))) for name in _TEXT_FIELDS}
        for name, value in values.items():
            if len(value) > MAX_TEXT:
                raise BadParameter(f"{_LABELS[name]} is too long ({len(value)} characters)",
                                   hint=f"use at most {MAX_TEXT} characters")
        status = (params.get("status") or DEFAULT_STATUS).strip().lower().replace("_", "-")
        if status not in dict(STATUS_CHOICES):
            raise BadParameter(f"unknown status {params.get('status')!r}",
                               hint="choose one of: " + ", ".join(value for value, _ in STATUS_CHOICES))
        sex = (params.get("sex") or "").strip().lower()
        if sex in ("all", "any"):
            sex = ""
        if sex not in dict(SEX_CHOICES):
            raise BadParameter(f"unknown sex {params.get('sex')!r}", hint="choose female, male or leave it empty")
        age = (params.get("age") or "").strip()
        if age:
            _check_age(age)
        page_text = (params.get("page") or "1").strip()
        if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_PAGE:
            raise BadParameter(f"bad page number {params.get('page')!r}", hint=f"a whole number from 1 to {MAX_PAGE}")
        literal = str(params.get("literal", "")).strip().lower() in ("1", "true", "on", "yes")
        sort = (params.get("sort") or "relevance").strip().lower()
        if sort not in dict(SORT_CHOICES):
            raise BadParameter(f"unknown order {params.get('sort')!r}", hint="relevance or distance")
        return cls(status=status, sex=sex, age=age, page=int(page_text), literal=literal, sort=sort, **values)

    @property
    def age_years(self) -> float | None:
        return float(self.age) if self.age else None

    @property
    def status_filter(self) -> str | None:
        """The status the search library filters by: None for any, ``open``, or an API status (``RECRUITING``)."""
        if self.status == ANY_STATUS:
            return None
        if self.status == DEFAULT_STATUS:
            return DEFAULT_STATUS
        return status_from_option(self.status)

    @property
    def status_text(self) -> str:
        return dict(STATUS_CHOICES)[self.status]

    def is_blank(self) -> bool:
        """No search words and no filter beyond the default status."""
        return not any((self.q, self.drug, self.condition, self.country, self.age, self.sex, self.near))

    def summary(self) -> list[tuple[str, str]]:
        """The non-empty fields as (label, value), for the results heading."""
        shown = [(label, getattr(self, name)) for name, label in _LABELS.items()]
        order = [("Order", dict(SORT_CHOICES)[self.sort])] if self.sort != "relevance" else []
        return [(label, value) for label, value in shown if value] + [("Status", self.status_text)] + order

    def query_string(self, **changes: object) -> str:
        """This search's query string, with some fields changed (e.g. ``page=2``); defaults left out."""
        form = replace(self, **changes)  # type: ignore[arg-type]
        defaults = SearchForm()
        pairs = [(f.name, str(getattr(form, f.name))) for f in fields(form)
                 if getattr(form, f.name) != getattr(defaults, f.name) or f.name == "status"]
        return urlencode(pairs)


_LABELS = {"q": "Words", "drug": "Drug", "condition": "Condition", "country": "Country", "near": "Near",
           "within": "Within", "age": "Age", "sex": "Sex"}
_TEXT_FIELDS = ("q", "drug", "condition", "country", "near", "within")


def _check_age(text: str) -> None:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= MAX_AGE):
        raise BadParameter(f"age must be a number of years from 0 to {MAX_AGE}, not {text!r}", hint="e.g. 34")
