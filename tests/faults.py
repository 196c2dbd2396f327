"""Labelled fault variants DERIVED from real registry records (never served by the real registry as such).

Each variant takes a fresh copy of a real snapshot record and alters one field, the way the fault tests in
issue 15 did: wrong-typed fields, lone strings where lists are expected, a lone surrogate, deep nesting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.records import snapshot_record

Record = dict[str, Any]

#: the real record every variant is derived from (it has interventions, sponsors and locations)
BASE_ID = "NCT00711542"


def _set(path: str, value: Any) -> Callable[[Record], None]:
    def alter(record: Record) -> None:
        *parents, last = path.split(".")
        node = record
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value

    return alter


P, ID, SP, ST = "protocolSection", "protocolSection.identificationModule", \
    "protocolSection.sponsorCollaboratorsModule", "protocolSection.statusModule"

#: label -> how the variant differs from the real record; the record stays readable (good fields survive)
WRONG_TYPED: dict[str, Callable[[Record], None]] = {
    "interventions as strings": _set(f"{P}.armsInterventionsModule.interventions", ["Belimumab", "Placebo"]),
    "collaborators as strings": _set(f"{SP}.collaborators", ["Some University"]),
    "secondary ids as strings": _set(f"{ID}.secondaryIdInfos", ["2023-0001"]),
    "locations as a string": _set(f"{P}.contactsLocationsModule.locations", "Boston, MA"),
    "leadSponsor as a string": _set(f"{SP}.leadSponsor", "Some Sponsor"),
    "responsibleParty as a string": _set(f"{SP}.responsibleParty", "SPONSOR"),
    "eligibility text as a list": _set(f"{P}.eligibilityModule.eligibilityCriteria", ["Inclusion", "Exclusion"]),
    "eligibility text as a number": _set(f"{P}.eligibilityModule.eligibilityCriteria", 42),
    "minimumAge as a number": _set(f"{P}.eligibilityModule.minimumAge", 18),
    "start date as a number": _set(f"{ST}.startDateStruct.date", 20240101),
    "last update date as a number": _set(f"{ST}.lastUpdatePostDateStruct.date", 20240101),
    "title with a lone surrogate": _set(f"{ID}.briefTitle", "Lupus \ud800 study"),
    "geoPoint as a string": _set(f"{P}.contactsLocationsModule.locations", [{"city": "X", "geoPoint": "1,2"}]),
    "enrollment count as a string": _set(f"{P}.designModule.enrollmentInfo", {"count": "many"}),
}

#: label -> (path, lone string): fields where a string stands for a one-item list of strings
LONE_STRINGS: dict[str, tuple[str, str]] = {
    "conditions": (f"{P}.conditionsModule.conditions", "Lupus nephritis"),
    "keywords": (f"{P}.conditionsModule.keywords", "kidney"),
    "phases": (f"{P}.designModule.phases", "PHASE2"),
    "stdAges": (f"{P}.eligibilityModule.stdAges", "ADULT"),
}

#: label -> alteration that leaves no readable trial: the record is skipped and reported
UNREADABLE: dict[str, Callable[[Record], None]] = {
    "protocolSection as a list": _set(P, ["identificationModule"]),
    "no nctId": _set(f"{ID}.nctId", None),
}


def variant(alter: Callable[[Record], None], nct_id: str = BASE_ID) -> Record:
    """A labelled derived variant: a fresh copy of the real record `nct_id` with `alter` applied."""
    record = snapshot_record(nct_id)
    alter(record)
    return record
