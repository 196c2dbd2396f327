"""The lenient half of record parsing: bring a raw API v2 study to the shapes the parser reads, field by field.

Pure, no I/O. Modelled on pypa/packaging's metadata parsing: each field the parser reads has an expected shape;
a value of the wrong shape is coerced only where its meaning is certain (a lone string where a list of strings
is expected becomes a one-item list), otherwise the field (or the list item) is dropped and a `Problem` names the
record's field. Fields the parser does not read are kept untouched. A string is never split into characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["STUDY_SHAPE", "Problem", "Shape", "coerce_record"]

#: leaf shapes
STR, INT, NUMBER, BOOL = "string", "integer", "number", "boolean"

#: a shape is a leaf name, a dict of field shapes (an object), or a one-item list (a list of that shape)
Shape = str | dict[str, Any] | list[Any]

_DATE_STRUCT: Shape = {"date": STR, "type": STR}
_ORGANIZATION: Shape = {"name": STR, "class": STR}
_CONTACT: Shape = {"name": STR, "role": STR, "phone": STR, "phoneExt": STR, "email": STR}
_MESH_LIST: Shape = [{"id": STR, "term": STR}]
_BROWSE_MODULE: Shape = {"meshes": _MESH_LIST, "ancestors": _MESH_LIST, "browseLeaves": [{"name": STR, "asFound": STR}]}

#: every field `harvester.registry.parse` reads, with the shape the API v2 spec gives it
STUDY_SHAPE: Shape = {
    "protocolSection": {
        "identificationModule": {
            "nctId": STR, "briefTitle": STR, "officialTitle": STR, "acronym": STR,
            "secondaryIdInfos": [{"id": STR, "type": STR, "domain": STR}],
        },
        "statusModule": {
            "overallStatus": STR, "lastKnownStatus": STR, "whyStopped": STR, "statusVerifiedDate": STR,
            "startDateStruct": _DATE_STRUCT, "primaryCompletionDateStruct": _DATE_STRUCT,
            "completionDateStruct": _DATE_STRUCT, "studyFirstPostDateStruct": _DATE_STRUCT,
            "lastUpdatePostDateStruct": _DATE_STRUCT,
        },
        "sponsorCollaboratorsModule": {
            "leadSponsor": _ORGANIZATION,
            "collaborators": [_ORGANIZATION],
            "responsibleParty": {
                "type": STR, "investigatorFullName": STR, "oldNameTitle": STR, "investigatorTitle": STR,
                "investigatorAffiliation": STR, "oldOrganization": STR,
            },
        },
        "descriptionModule": {"briefSummary": STR, "detailedDescription": STR},
        "conditionsModule": {"conditions": [STR], "keywords": [STR]},
        "designModule": {"phases": [STR], "studyType": STR, "enrollmentInfo": {"count": INT, "type": STR}},
        "armsInterventionsModule": {
            "interventions": [{"type": STR, "name": STR, "otherNames": [STR], "description": STR,
                               "armGroupLabels": [STR]}],
            "armGroups": [{"label": STR, "type": STR, "description": STR, "interventionNames": [STR]}],
        },
        "eligibilityModule": {
            "eligibilityCriteria": STR, "minimumAge": STR, "maximumAge": STR, "sex": STR, "genderBased": BOOL,
            "healthyVolunteers": BOOL, "stdAges": [STR], "studyPopulation": STR,
        },
        "contactsLocationsModule": {
            "centralContacts": [_CONTACT],
            "overallOfficials": [{"name": STR, "affiliation": STR, "role": STR}],
            "locations": [{"facility": STR, "city": STR, "state": STR, "zip": STR, "country": STR, "status": STR,
                           "geoPoint": {"lat": NUMBER, "lon": NUMBER}, "contacts": [_CONTACT]}],
        },
    },
    "derivedSection": {"conditionBrowseModule": _BROWSE_MODULE, "interventionBrowseModule": _BROWSE_MODULE},
    "hasResults": BOOL,
}


@dataclass(frozen=True)
class Problem:
    """One field that did not have its expected shape, and what was done about it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def coerce_record(record: dict[str, Any], shape: Shape = STUDY_SHAPE) -> tuple[dict[str, Any], list[Problem]]:
    """A copy of `record` in which every field of `shape` has its shape, and the problems found on the way."""
    problems: list[Problem] = []
    value = _coerce(record, shape, None, problems)
    return (value if isinstance(value, dict) else {}), problems


_MISSING = object()

#: where a value is in the record: (the parent's path, key or list index), None for the record; spelt out
#: (`_spelt`) only for a problem, so a record in shape costs no path strings
_Path = tuple["_Path", str | int] | None


def _spelt(path: _Path) -> str:
    parts: list[str] = []
    while path is not None:
        path, key = path
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "".join(reversed(parts)).removeprefix(".")


def _coerce(value: Any, shape: Shape, path: _Path, problems: list[Problem]) -> Any:
    """`value` in `shape`, or `_MISSING` when it has to be dropped (a `Problem` says why)."""
    if value is None:
        return None
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return _drop(path, value, "an object", problems)
        result = dict(value)
        for key, field_shape in shape.items():
            if key in value:
                coerced = _coerce(value[key], field_shape, (path, key), problems)
                if coerced is _MISSING:
                    del result[key]
                else:
                    result[key] = coerced
        return result
    if isinstance(shape, list):
        item_shape = shape[0]
        if isinstance(value, str) and item_shape == STR:
            message = "a lone string where a list of strings was expected: read as one item"
            problems.append(Problem(_spelt(path), message))
            value = [value]
        if not isinstance(value, list):
            return _drop(path, value, "a list", problems)
        items = [_coerce(item, item_shape, (path, number), problems) for number, item in enumerate(value)]
        return [item for item in items if item is not _MISSING and item is not None]
    return _leaf(value, shape, path, problems)


def _leaf(value: Any, shape: str, path: _Path, problems: list[Problem]) -> Any:
    if shape == STR:
        if not isinstance(value, str):
            return _drop(path, value, "a string", problems)
        if not value.isascii() and not _encodable(value):
            problems.append(Problem(_spelt(path), "text with a lone surrogate (not Unicode text): dropped"))
            return _MISSING
        return value
    wanted = {INT: (int,), NUMBER: (int, float), BOOL: (bool,)}[shape]
    if (isinstance(value, bool) and shape != BOOL) or not isinstance(value, wanted):
        return _drop(path, value, f"an {shape}" if shape == INT else f"a {shape}", problems)
    return value


def _drop(path: _Path, value: Any, expected: str, problems: list[Problem]) -> Any:
    problems.append(Problem(_spelt(path), f"{_kind(value)} where {expected} was expected: dropped"))
    return _MISSING


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)
