"""What a patient typed -> a search request: NCT ids, statuses, phases, age groups, sex and places become filters.

"skin lupus trials in France still recruiting" is read as the words ``skin lupus`` with the filters country France
and status recruiting. Only plain text is read this way: a query with field syntax (``drug:x``), quotes or
``AND`` / ``OR`` / ``NOT`` means exactly what it says, and so does every query under ``--literal``. An option the
user gave (``--status``, ``--phase``, ``--sex``, ``--country``) wins over what the text seems to say.

Places are recognised from the index's own vocabulary (`PlaceLookup`): a country name anywhere, a city only after
"in", "near" or "around", so that a city called like a common word is not taken for a place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from search.countries import country_names, is_adjective
from search.models import OPEN_STATUS, SearchRequest

__all__ = ["PlaceLookup", "Understood", "understand"]

#: (words of a place) -> "country", "city" or None, as the index knows its trials' sites
PlaceLookup = Callable[[str], Literal["country", "city"] | None]

_EXPLICIT_SYNTAX = re.compile(r'[":]|\b(?:AND|OR|NOT)\b')
_NCT_ID = re.compile(r"\b(?:nct[\s-]?)?(\d{8})\b", re.IGNORECASE)

#: phrase -> statuses, longest phrases first so "not yet recruiting" is not read as "recruiting"
_STATUS_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("not yet recruiting", ("not_yet_recruiting",)),
    ("not yet open", ("not_yet_recruiting",)),
    ("active not recruiting", ("active_not_recruiting",)),
    ("enrolling by invitation", ("enrolling_by_invitation",)),
    ("still recruiting", ("recruiting",)),
    ("currently recruiting", ("recruiting",)),
    ("recruiting now", ("recruiting",)),
    ("now recruiting", ("recruiting",)),
    ("recruiting", ("recruiting",)),
    ("enrolling", ("recruiting", "enrolling_by_invitation")),
    ("open to enrolment", (OPEN_STATUS,)),
    ("open to enrollment", (OPEN_STATUS,)),
    ("still open", (OPEN_STATUS,)),
    ("open trials", (OPEN_STATUS,)),
    ("open trial", (OPEN_STATUS,)),
    ("open studies", (OPEN_STATUS,)),
    ("open study", (OPEN_STATUS,)),
    ("completed", ("completed",)),
    ("finished", ("completed",)),
    ("terminated", ("terminated",)),
    ("withdrawn", ("withdrawn",)),
    ("suspended", ("suspended",)),
)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_PHASE = re.compile(r"\bphase\s*(1|2|3|4|iv|iii|ii|i)\b(?:\s*(?:/|-|and|or)\s*(1|2|3|4|iv|iii|ii|i)\b)?", re.IGNORECASE)
_SEX_WORDS = {
    "women": "female", "woman": "female", "female": "female", "females": "female", "girls": "female",
    "men": "male", "man": "male", "male": "male", "males": "male", "boys": "male",
}
#: age-group words -> the registry's age groups (stdAges), longest phrases first
_AGE_PHRASES: tuple[tuple[str, str], ...] = (
    ("older adults", "older_adult"), ("older adult", "older_adult"), ("older people", "older_adult"),
    ("elderly", "older_adult"), ("seniors", "older_adult"),
    ("adults", "adult"), ("adult", "adult"), ("grown ups", "adult"),
    ("children", "child"), ("child", "child"), ("childrens", "child"), ("kids", "child"), ("kid", "child"),
    ("paediatric", "child"), ("pediatric", "child"), ("paediatrics", "child"), ("pediatrics", "child"),
    ("teenagers", "child"), ("teenager", "child"), ("teens", "child"), ("adolescents", "child"),
    ("adolescent", "child"), ("infants", "child"), ("babies", "child"), ("toddlers", "child"), ("minors", "child"),
)
_AGE_NOTES = {"child": "children (under 18)", "adult": "adults (18 to 64)", "older_adult": "older adults (65+)"}
#: the words around what a patient is looking for: they name no trial, so they would only blur the ranking
_QUESTION_PHRASES = (
    "is there a trial for", "is there any trial for", "are there trials for", "are there any trials for",
    "is there a study for", "are there any studies for", "what trials are there for", "any trials for",
    "can i join", "could i join", "how can i join", "i want to join", "would i be excluded if i am on",
    "would i be excluded if i'm on", "would i be excluded if i take", "would i be excluded if",
    "am i eligible", "new treatments for", "new treatment for", "latest treatments for", "treatment options for",
    "treatments for", "options for", "a cure for", "cure for", "looking for", "i was diagnosed with",
    "diagnosed with", "i suffer from", "suffering from", "i am on", "i'm on", "i take", "i have", "for me",
    "near me", "my son has", "my daughter has", "my child has", "my mother has", "my father has", "my wife has",
    "my husband has",
)
_FILLER_WORDS = frozenset({
    "trial", "trials", "study", "studies", "clinical", "research", "any", "a", "an", "the", "for", "with", "of",
    "is", "are", "there", "can", "i", "me", "my", "please", "find", "show", "want", "which", "what", "where",
    "in", "near", "around", "and", "or", "new", "latest", "newest", "ongoing", "available", "possible", "help",
})
#: after a country's adjective, these words make it a place ("French trials", "Spanish hospitals")
_SITE_WORDS = frozenset({"trial", "trials", "study", "studies", "site", "sites", "hospital", "hospitals", "centre",
                         "centres", "center", "centers", "clinic", "clinics", "research"})
_PLACE_INTRO = re.compile(r"\b(?:in|near|around|at)\s+", re.IGNORECASE)
#: what makes a city a place to measure from ("near Lyon"), as ``--near`` does; "in Lyon" means sites in Lyon
_NEAR = re.compile(r"\b(?:near|around|close to|nearby)\s+$")


@dataclass(frozen=True)
class Understood:
    """The request to run, and what was read from the text, for the "understood as" line."""

    request: SearchRequest
    #: e.g. ("lupus", "in France", "recruiting"); empty when the text was taken literally
    notes: tuple[str, ...] = ()

    def line(self) -> str:
        return "understood as: " + " · ".join(self.notes) if self.notes else ""


def understand(request: SearchRequest, places: PlaceLookup | None = None) -> Understood:
    """Read the filters out of a plain-text query. Returns the request unchanged when there is nothing to read."""
    text = request.query
    if not text.strip() or _EXPLICIT_SYNTAX.search(text):
        return Understood(request)
    changes: dict[str, object] = {}
    notes: list[str] = []
    lowered = " " + re.sub(r"[\s,;?!.]+", " ", text.lower()) + " "

    ids = tuple(dict.fromkeys(f"NCT{number}" for number in _NCT_ID.findall(lowered)))
    if ids:  # a named trial is the answer, whatever else the sentence asks about it ("is NCT... recruiting?")
        return Understood(request.replace(query="", nct_ids=ids), ("trial " + ", ".join(ids),))

    typed = len(lowered.split())
    for phrase in _QUESTION_PHRASES:
        lowered = lowered.replace(f" {phrase} ", " ")

    statuses: list[str] = []
    for phrase, found in _STATUS_PHRASES:
        if f" {phrase} " in lowered:
            lowered = lowered.replace(f" {phrase} ", " ")
            statuses += [status for status in found if status not in statuses]
    if statuses and not request.statuses:
        changes["statuses"] = tuple(statuses)
        notes.append(" or ".join(status.replace("_", " ") for status in statuses))

    phases: list[str] = []
    for match in _PHASE.finditer(lowered):
        phases += [_ROMAN.get(number.lower(), number) for number in match.groups() if number]
    if phases:
        lowered = _PHASE.sub(" ", lowered)
        if not request.phases:
            changes["phases"] = tuple(dict.fromkeys(phases))
            notes.append("phase " + "/".join(dict.fromkeys(phases)))

    groups: list[str] = []
    for phrase, group in _AGE_PHRASES:
        if f" {phrase} " in lowered:
            lowered = lowered.replace(f" {phrase} ", " ")
            groups += [group] if group not in groups else []
    if groups and not request.age_groups and request.age is None:
        changes["age_groups"] = tuple(groups)
        notes.append(" or ".join(_AGE_NOTES[group] for group in groups))

    words = lowered.split()
    sexes = {_SEX_WORDS[word] for word in words if word in _SEX_WORDS}
    if len(sexes) == 1:
        words = [word for word in words if word not in _SEX_WORDS]
        if request.sex is None:
            (sex,) = sexes
            changes["sex"] = sex
            notes.append(f"open to {'women' if sex == 'female' else 'men'}")

    near = _near_place(" ".join(words)) if request.near is None else None
    if near is not None:
        rest, name = near
        words = rest.split()
        changes["near"] = name
        notes.append(f"near {name.title()}")

    if places is not None:
        words, place_changes, place_notes = _places(" ".join(words), places, request)
        changes.update(place_changes)
        notes += place_notes

    kept = [word for word in words if word not in _FILLER_WORDS]
    if not changes and len(kept) == typed:
        return Understood(request)
    changes["query"] = " ".join(kept)
    if kept:
        notes.insert(0, " ".join(kept))
    return Understood(request.replace(**changes), tuple(notes))


def _near_place(text: str) -> tuple[str, str] | None:
    """(the text without it, the city) when the text asks for trials near a city the gazetteer knows."""
    if not re.search(r"\b(?:near|around|close to|nearby)\s", text):
        return None
    from harvester.errors import UnknownPlace
    from search.places import mentions, resolve

    for mention in mentions(text):
        introducer = _NEAR.search(text[: mention.start])
        if introducer is None or mention.resolution.place.kind != "city":
            continue
        name, end = text[mention.start : mention.end], mention.end
        following = text[end:].split()
        for size in (3, 2, 1):  # a country or a US state after the city narrows it: "near paris texas"
            qualifier = " ".join(following[:size])
            if len(following) < size or qualifier in _FILLER_WORDS:
                continue
            try:
                resolve(f"{name}, {qualifier}")
            except UnknownPlace:
                continue
            name, end = f"{name}, {qualifier}", text.index(qualifier, end) + len(qualifier)
            break
        return text[: introducer.start()] + text[end:], name
    return None


def _country_called(
    words: list[str], first: int, size: int, introduced: set[int], starts: list[int], places: PlaceLookup
) -> tuple[str, Literal["country", "city"] | None]:
    """A country named by an everyday name ("Russia", "the UK") or an adjective ("French trials").

    An adjective names a place only after "in" or before a word for trials or sites, so that "Chinese medicine"
    or "German measles" stay words.
    """
    called = " ".join(words[first : first + size])
    if is_adjective(called):
        following = words[first + size] if first + size < len(words) else ""
        if starts[first] not in introduced and following not in _SITE_WORDS:
            return called, None
    for name in country_names(called):
        if places(name.lower()) == "country":
            return name.lower(), "country"
    return called, None


def _places(
    text: str, places: PlaceLookup, request: SearchRequest
) -> tuple[list[str], dict[str, object], list[str]]:
    """The words left once places are taken out, the request changes and the notes for them."""
    words = text.split()
    introduced = {match.end() for match in _PLACE_INTRO.finditer(text)}
    starts, position = [], 0
    for word in words:
        starts.append(position)
        position += len(word) + 1
    changes: dict[str, object] = {}
    notes: list[str] = []
    taken: set[int] = set()
    for size in (3, 2, 1):
        for first in range(len(words) - size + 1):
            span = range(first, first + size)
            if taken.intersection(span):
                continue
            name = " ".join(words[first : first + size])
            kind = places(name)
            if kind is None:
                name, kind = _country_called(words, first, size, introduced, starts, places)
            if kind == "city" and starts[first] not in introduced:
                continue
            if kind is None or (kind == "country" and "country" in changes) or (kind == "city" and "city" in changes):
                continue
            taken.update(span)
            if kind == "country" and request.country is None:
                changes["country"] = name
                notes.append(f"in {name.title()}")
            elif kind == "city" and request.city is None:
                changes["city"] = name
                notes.append(f"in {name.title()}")
    return [word for index, word in enumerate(words) if index not in taken], changes, notes
