"""What a search takes and what it returns: typed, so the CLI and the web UI are thin layers over them.

Plain dataclasses rather than pydantic models: `trialwatch search` must start fast, and these need no parsing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from harvester.errors import UsageError
from harvester.statuses import OPEN, OPEN_STATUSES
from search.nearby import NearestSite

__all__ = [
    "AGE_GROUPS",
    "MAX_AGE",
    "MAX_LIMIT",
    "MAX_TEXT_LENGTH",
    "OPEN_STATUS",
    "SNIPPET_LABELS",
    "SORTS",
    "NearestTrial",
    "SearchRequest",
    "SearchResponse",
    "SearchResult",
    "Snippet",
    "StatedLimits",
    "Suggestion",
    "checked_text",
    "clean_text",
]

#: what a status filter accepts besides the registry's statuses: any status in which a patient can still join
OPEN_STATUS = OPEN
#: the oldest age a search takes (years), on the command line and in the web form
MAX_AGE = 150
#: the registry's age groups (stdAges), lowercase: child (0-17), adult (18-64), older_adult (65+)
AGE_GROUPS = ("child", "adult", "older_adult")
MAX_LIMIT = 10_000
#: the longest query text (or text option) a search takes, on the command line and in the web form: a 10,000-letter
#: word took 8 s to search
MAX_TEXT_LENGTH = 500
SORTS = ("relevance", "distance")
#: statuses (as `SearchRequest.statuses` spells them, lowercase) of trials a patient can still join
_OPEN_STATUS_WORDS = frozenset({OPEN_STATUS, *(status.lower() for status in OPEN_STATUSES)})
#: how a snippet from the criteria is introduced
SNIPPET_LABELS = {"exclusion": "excluded if", "inclusion": "included if"}


@dataclass(frozen=True)
class SearchRequest:
    """A query in the search syntax plus the filters a patient sets; every part is optional."""

    query: str = ""
    drug: str | None = None
    condition: str | None = None
    #: words that must appear, in this order, in the inclusion or in the exclusion criteria
    criterion: str | None = None
    inclusion: str | None = None
    exclusion: str | None = None
    sponsor: str | None = None
    #: registry statuses in any spelling (``not-yet-recruiting``, ``NOT_YET_RECRUITING``) or `OPEN_STATUS`
    statuses: tuple[str, ...] = ()
    #: ``1``, ``2``, ``phase3``, ``early1``, ``na`` ...
    phases: tuple[str, ...] = ()
    country: str | None = None
    #: keep only trials with a site in this city
    city: str | None = None
    #: keep only these trials (NCT ids, as the registry writes them)
    nct_ids: tuple[str, ...] = ()
    #: keep only trials whose age limits admit a person of this age (years)
    age: float | None = None
    #: keep only trials for one of these age groups, the registry's stdAges: ``child``, ``adult``, ``older_adult``
    age_groups: tuple[str, ...] = ()
    #: keep only trials open to this sex (trials for all sexes included)
    sex: Literal["female", "male"] | None = None
    limit: int = 10
    #: count every matching trial (`SearchResponse.total`); costs a pass over all matches
    count: bool = True
    #: take the query text as written: no filters read out of it (`search.understand`), no correction run
    literal: bool = False
    #: keep only trials with a site near this place (a city, resolved offline by `search.places`)
    near: str | None = None
    #: how near: ``50``, ``30 km``, ``50mi`` (`search.nearby.parse_distance`); `search.nearby.DEFAULT_WITHIN_KM` if None
    within: str | None = None
    #: ``relevance`` (best match first; newest update first when nothing ranks) or ``distance`` (nearest site first)
    sort: Literal["relevance", "distance"] = "relevance"

    def __post_init__(self) -> None:
        if self.age is not None and not 0 <= self.age <= MAX_AGE:
            raise UsageError(f"age {self.age:g} is out of range", hint=f"give an age in years from 0 to {MAX_AGE}")
        if self.sex not in (None, "female", "male"):
            raise UsageError(f"unknown sex {self.sex!r}", hint="female or male")
        unknown = [group for group in self.age_groups if group.lower().replace("-", "_") not in AGE_GROUPS]
        if unknown:
            raise UsageError(f"unknown age group {unknown[0]!r}", hint="one of: " + ", ".join(AGE_GROUPS))
        if not 1 <= self.limit <= MAX_LIMIT:
            raise UsageError(f"limit {self.limit} is out of range", hint=f"from 1 to {MAX_LIMIT}")
        if self.sort not in SORTS:
            raise UsageError(f"unknown sort order {self.sort!r}", hint="one of: " + ", ".join(SORTS))
        if self.near is not None and not self.near.strip():
            raise UsageError("no place to search near", hint="give a city, e.g. --near Lyon or --near 'Paris, TX'")
        if self.near is None and self.within is not None:
            raise UsageError("a distance without a place", hint="give the place too, e.g. --near Lyon --within 50")
        if self.near is None and self.sort == "distance":
            raise UsageError("sorting by distance needs a place", hint="give one, e.g. --near Lyon --sort distance")
        if self.within is not None:
            from search.nearby import parse_distance

            parse_distance(self.within)

    @property
    def open_only(self) -> bool:
        """Whether only trials open to enrolment are asked for (then only open sites count as near)."""
        return bool(self.statuses) and all(status.lower().replace("-", "_") in _OPEN_STATUS_WORDS
                                           for status in self.statuses)

    def replace(self, **changes: Any) -> SearchRequest:
        return dataclasses.replace(self, **changes)


def clean_text(text: str) -> str:
    """Text as typed, without control characters (NUL, escape sequences) or lone surrogates, spaces collapsed.

    What is searched is also echoed (on stderr, in the results page), so nothing in it may act on a terminal.
    """
    kept = "".join(" " if character.isspace() else character for character in text
                   if character.isspace() or unicodedata.category(character) not in ("Cc", "Cs"))
    return " ".join(kept.split())


def checked_text(what: str, text: str) -> str:
    """`clean_text`, refusing (`UsageError`) a text longer than `MAX_TEXT_LENGTH`; `what` names it in the error."""
    cleaned = clean_text(text)
    if len(cleaned) > MAX_TEXT_LENGTH:
        raise UsageError(f"{what} is too long ({len(cleaned)} characters)",
                         hint=f"use at most {MAX_TEXT_LENGTH} characters")
    return cleaned


def _markdown_bold(word: str) -> str:
    return f"**{word}**"


@dataclass(frozen=True)
class Snippet:
    """A piece of a matched field, with the character spans of the matched words in `text`."""

    field: str
    text: str
    highlights: list[tuple[int, int]]

    @property
    def label(self) -> str:
        """What the field says of a patient: ``excluded if``, ``included if``, else the field's name."""
        return SNIPPET_LABELS.get(self.field, self.field)

    def marked(self, mark: Callable[[str], str] = _markdown_bold) -> str:
        """The text with every highlighted word passed through `mark` (by default ``**word**``)."""
        pieces, position = [], 0
        for start, end in self.highlights:
            pieces += [self.text[position:start], mark(self.text[start:end])]
            position = end
        pieces.append(self.text[position:])
        return "".join(pieces)


@dataclass(frozen=True)
class StatedLimits:
    """A trial's age and sex limits as its record states them (None: not stated), for display."""

    #: ``18 years``
    minimum_age: str | None = None
    maximum_age: str | None = None
    #: the age limits were read from the criteria text, not stated as limits (a trial known from its page)
    from_criteria: bool = False
    #: ``ALL``, ``FEMALE``, ``MALE``
    sex: str | None = None


@dataclass(frozen=True)
class SearchResult:
    nct_id: str
    title: str
    #: the registry's overall status, e.g. ``RECRUITING``
    status: str | None
    sponsor: str | None
    drugs: list[str]
    last_update: dt.date | None
    #: relevance; 0 when nothing ranks the results (then they come newest update first)
    score: float
    snippets: list[Snippet] = field(default_factory=list)
    #: in a near-me search, the trial's nearest site that counts (`search.nearby`)
    nearest_site: NearestSite | None = None
    limits: StatedLimits = field(default_factory=StatedLimits)
    #: when the record lists no interventions, where `drugs` were found: ``keywords and title``
    treatments_named_in: str = ""


@dataclass(frozen=True)
class NearestTrial:
    """A trial and how far its nearest counting site is."""

    nct_id: str
    site: NearestSite


@dataclass(frozen=True)
class Suggestion:
    """A corrected search: the request to run and the corrected words as the user would type them."""

    request: SearchRequest
    text: str
    #: sure enough to be run instead of the words as typed (`search.suggest`)
    confident: bool = False


@dataclass(frozen=True)
class SearchResponse:
    request: SearchRequest
    results: list[SearchResult]
    #: how many trials match in all (results holds at most `request.limit` of them); None unless `request.count`
    total: int | None
    #: a "did you mean" correction when some word is in no indexed trial
    suggestion: Suggestion | None = None
    #: True when `results` come from `suggestion.request` instead: a confident correction of words no trial mentions
    corrected: bool = False
    #: what was read out of the query text, e.g. ("lupus", "in France", "recruiting"); empty when taken literally
    understood: tuple[str, ...] = ()
    #: words of the query text that no trial mentions (the others still ranked the results)
    unmatched: tuple[str, ...] = ()
    #: (words of the query, what the registry's records say they mean) that were searched too, e.g.
    #: ("SLE", "systemic lupus erythematosus")
    meanings: tuple[tuple[str, str], ...] = ()
    #: in a near-me search: the place as understood ("Paris, France (the most populous of ...)") and how far
    near: str | None = None
    within: str | None = None
    #: in a near-me search: the closest trial out of reach, when one was seen (for "the nearest is 240 km away")
    closest_outside: NearestTrial | None = None

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(dataclasses.asdict(self), indent=indent, default=_json_value, ensure_ascii=False)


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
