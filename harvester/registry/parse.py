"""Parse one ClinicalTrials.gov API v2 study object into a `Trial`: a pure function, no I/O.

Lenient in what it reads (a missing module leaves its fields empty, a malformed date is logged and dropped),
strict about the one thing a record cannot lack: its NCT id.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, cast

from pydantic import ValidationError

from harvester.errors import InvalidNctId, InvalidRecord
from harvester.models import (
    Age,
    ArmGroup,
    Contact,
    Eligibility,
    FoundTerm,
    GeoPoint,
    Intervention,
    Location,
    MeshTerm,
    Official,
    Organization,
    PartialDate,
    Provenance,
    ResponsibleParty,
    SecondaryId,
    Trial,
    normalize_nct_id,
)
from harvester.registry.coerce import STUDY_SHAPE, Shape, coerce_record
from harvester.registry.criteria import parse_criteria
from harvester.terms import NctId

__all__ = ["KNOWN_PROTOCOL_MODULES", "KNOWN_TOP_LEVEL", "Json", "RecordKey", "parse_study", "read_record_key",
           "record_nct_id"]

logger = logging.getLogger(__name__)

Json = dict[str, Any]

#: protocolSection modules this parser reads; any other module name is reported in `Trial.unrecognised_modules`
KNOWN_PROTOCOL_MODULES = frozenset(
    {
        "identificationModule",
        "statusModule",
        "sponsorCollaboratorsModule",
        "oversightModule",
        "descriptionModule",
        "conditionsModule",
        "designModule",
        "armsInterventionsModule",
        "outcomesModule",
        "eligibilityModule",
        "contactsLocationsModule",
        "referencesModule",
        "ipdSharingStatementModule",
    }
)
KNOWN_TOP_LEVEL = frozenset(
    {"protocolSection", "derivedSection", "resultsSection", "annotationSection", "documentSection", "hasResults"}
)


def record_nct_id(record: Json) -> NctId | None:
    """The record's NCT id, normalised (`normalize_nct_id`), read without parsing the record; None when it has no
    valid one (`parse_study` then raises `InvalidRecord`)."""
    claimed = _claimed_nct_id(record)
    try:
        return normalize_nct_id(claimed) if claimed is not None else None
    except InvalidNctId:
        return None


def _claimed_nct_id(record: Json) -> str | None:
    """The ``nctId`` a record gives, as written (valid or not), to name the record in messages; None without one."""
    value: Any = record
    for key in ("protocolSection", "identificationModule", "nctId"):
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) and value.strip() else None


@dataclass(frozen=True)
class RecordKey:
    """What the store needs of a record: its NCT id (normalised) and the date its last update was posted."""

    nct_id: NctId
    last_update_posted: dt.date | None


def _key_shape() -> Shape:
    """The part of `STUDY_SHAPE` that `read_record_key` reads, with the same shapes."""
    protocol: dict[str, Any] = cast(dict[str, Any], STUDY_SHAPE)["protocolSection"]
    return {"protocolSection": {
        "identificationModule": {"nctId": protocol["identificationModule"]["nctId"]},
        "statusModule": {"lastUpdatePostDateStruct": protocol["statusModule"]["lastUpdatePostDateStruct"]},
    }}


_KEY_SHAPE = _key_shape()


def read_record_key(record: Json) -> RecordKey:
    """The record's `RecordKey`, read as `parse_study` reads it, without parsing the rest (microseconds, not ~1 ms).

    Raises `InvalidRecord`, with `parse_study`'s message, exactly when `parse_study` would: once every field the
    parser reads has its shape (`coerce_record`), the only thing that can still make a record unreadable is its
    NCT id. tests/test_record_key.py holds the two to that over every real record of ../shared/data/ctgov and
    derived damaged variants. Problems of other fields are reported when the record is parsed (index build).
    """
    if not isinstance(record, dict):
        raise InvalidRecord(f"a study record must be a JSON object, not {type(record).__name__}")
    coerced, _ = coerce_record(record, _KEY_SHAPE)  # a problem of these fields ends in InvalidRecord or a warning
    nct_id = _valid_nct_id(coerced)
    posted = (_module(coerced, "statusModule").get("lastUpdatePostDateStruct") or {}).get("date")
    return RecordKey(nct_id=nct_id, last_update_posted=_full_date(posted, nct_id))


def parse_study(record: Json, provenance: Provenance | None = None) -> Trial:
    """Map one API v2 study object to a `Trial`, leniently and then strictly.

    Fields of the wrong shape are first coerced or dropped (`harvester.registry.coerce`), each with a warning
    naming the record and the field. Raises `InvalidRecord` when the record has no (valid) NCT id or still
    cannot be read; everything else is optional.
    """
    if not isinstance(record, dict):
        raise InvalidRecord(f"a study record must be a JSON object, not {type(record).__name__}")
    record, problems = coerce_record(record)
    for problem in problems:
        logger.warning("%s: %s", _claimed_nct_id(record) or "a record without an NCT id", problem)
    try:
        return _parse_coerced(record, provenance)
    except InvalidRecord:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:  # a shape no rule foresaw
        name = _claimed_nct_id(record) or "a record without an NCT id"
        raise InvalidRecord(f"{name}: unreadable record ({type(error).__name__}: {error})"[:300]) from error


def _valid_nct_id(record: Json) -> NctId:
    """The coerced record's NCT id, normalised; raises `InvalidRecord` when it has no (valid) one."""
    raw_id = _claimed_nct_id(record)
    if raw_id is None:
        raise InvalidRecord("study record without protocolSection.identificationModule.nctId")
    try:
        return normalize_nct_id(raw_id)
    except InvalidNctId as error:
        raise InvalidRecord(f"study record with a malformed NCT id {raw_id!r}") from error


def _parse_coerced(record: Json, provenance: Provenance | None) -> Trial:
    nct_id = _valid_nct_id(record)
    identification = _module(record, "identificationModule")
    status = _module(record, "statusModule")
    sponsors = _module(record, "sponsorCollaboratorsModule")
    description = _module(record, "descriptionModule")
    conditions = _module(record, "conditionsModule")
    design = _module(record, "designModule")
    arms = _module(record, "armsInterventionsModule")
    contacts = _module(record, "contactsLocationsModule")
    derived = record.get("derivedSection") or {}

    try:
        return Trial(
            nct_id=nct_id,
            brief_title=identification.get("briefTitle"),
            official_title=identification.get("officialTitle"),
            acronym=identification.get("acronym"),
            brief_summary=description.get("briefSummary"),
            detailed_description=description.get("detailedDescription"),
            overall_status=status.get("overallStatus"),
            last_known_status=status.get("lastKnownStatus"),
            why_stopped=status.get("whyStopped"),
            status_verified_date=_partial_date(status.get("statusVerifiedDate"), nct_id),
            start_date=_partial_date_struct(status.get("startDateStruct"), nct_id),
            primary_completion_date=_partial_date_struct(status.get("primaryCompletionDateStruct"), nct_id),
            completion_date=_partial_date_struct(status.get("completionDateStruct"), nct_id),
            first_posted=_full_date((status.get("studyFirstPostDateStruct") or {}).get("date"), nct_id),
            last_update_posted=_full_date((status.get("lastUpdatePostDateStruct") or {}).get("date"), nct_id),
            lead_sponsor=_organization(sponsors.get("leadSponsor")),
            collaborators=[org for org in map(_organization, sponsors.get("collaborators") or []) if org],
            responsible_party=_responsible_party(sponsors.get("responsibleParty")),
            conditions=list(conditions.get("conditions") or []),
            keywords=list(conditions.get("keywords") or []),
            condition_mesh=_mesh_terms((derived.get("conditionBrowseModule") or {}).get("meshes")),
            condition_mesh_ancestors=_mesh_terms((derived.get("conditionBrowseModule") or {}).get("ancestors")),
            condition_found=_found_terms((derived.get("conditionBrowseModule") or {}).get("browseLeaves")),
            intervention_mesh=_mesh_terms((derived.get("interventionBrowseModule") or {}).get("meshes")),
            intervention_mesh_ancestors=_mesh_terms((derived.get("interventionBrowseModule") or {}).get("ancestors")),
            interventions=[_intervention(item) for item in arms.get("interventions") or [] if item.get("name")],
            arm_groups=[_arm_group(item) for item in arms.get("armGroups") or [] if item.get("label")],
            phases=list(design.get("phases") or []),
            study_type=design.get("studyType"),
            enrollment=(design.get("enrollmentInfo") or {}).get("count"),
            enrollment_type=(design.get("enrollmentInfo") or {}).get("type"),
            eligibility=_eligibility(_module(record, "eligibilityModule")),
            central_contacts=_contacts(contacts.get("centralContacts")),
            overall_officials=[
                Official(name=item["name"], role=item.get("role"), affiliation=item.get("affiliation"))
                for item in contacts.get("overallOfficials") or [] if item.get("name")
            ],
            locations=[_location(item) for item in contacts.get("locations") or []],
            secondary_ids=[
                SecondaryId(id=item["id"], type=item.get("type"), domain=item.get("domain"))
                for item in identification.get("secondaryIdInfos") or []
                if item.get("id")
            ],
            has_results=bool(record.get("hasResults")),
            provenance=provenance or Provenance(),
            unrecognised_modules=_unrecognised_modules(record),
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidRecord(f"{nct_id}: unreadable field {where}: {first['msg']}") from error


def _module(record: Json, name: str) -> Json:
    module = (record.get("protocolSection") or {}).get(name)
    return module if isinstance(module, dict) else {}


def _unrecognised_modules(record: Json) -> list[str]:
    unknown = [key for key in record if key not in KNOWN_TOP_LEVEL]
    protocol = record.get("protocolSection") or {}
    unknown += [f"protocolSection.{key}" for key in protocol if key not in KNOWN_PROTOCOL_MODULES]
    return unknown


def _partial_date(text: str | None, nct_id: str, date_type: str | None = None) -> PartialDate | None:
    if not text:
        return None
    try:
        return PartialDate.parse(text, date_type if date_type in ("ACTUAL", "ESTIMATED") else None)
    except ValueError:
        logger.warning("%s: ignoring malformed date %r", nct_id, text)
        return None


def _partial_date_struct(struct: Json | None, nct_id: str) -> PartialDate | None:
    if not struct:
        return None
    return _partial_date(struct.get("date"), nct_id, struct.get("type"))


def _full_date(text: str | None, nct_id: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        logger.warning("%s: ignoring malformed date %r", nct_id, text)
        return None


def _organization(item: Json | None) -> Organization | None:
    if not item or not item.get("name"):
        return None
    return Organization(name=item["name"], agency_class=item.get("class"))


def _responsible_party(item: Json | None) -> ResponsibleParty | None:
    if not item:
        return None
    return ResponsibleParty(
        type=item.get("type"),
        investigator_name=item.get("investigatorFullName") or item.get("oldNameTitle"),
        investigator_title=item.get("investigatorTitle"),
        investigator_affiliation=item.get("investigatorAffiliation") or item.get("oldOrganization"),
    )


def _mesh_terms(items: list[Json] | None) -> list[MeshTerm]:
    return [MeshTerm(id=item.get("id"), term=item["term"]) for item in items or [] if item.get("term")]


def _found_terms(leaves: list[Json] | None) -> list[FoundTerm]:
    return [FoundTerm(term=leaf["name"], as_found=leaf["asFound"])
            for leaf in leaves or [] if leaf.get("name") and leaf.get("asFound")]


def _intervention(item: Json) -> Intervention:
    return Intervention(
        type=item.get("type"),
        name=item["name"],
        other_names=list(item.get("otherNames") or []),
        description=item.get("description"),
        arm_group_labels=list(item.get("armGroupLabels") or []),
    )


def _arm_group(item: Json) -> ArmGroup:
    return ArmGroup(
        label=item["label"],
        type=item.get("type"),
        description=item.get("description"),
        intervention_names=list(item.get("interventionNames") or []),
    )


def _eligibility(module: Json) -> Eligibility:
    text = module.get("eligibilityCriteria")
    return Eligibility(
        criteria_text=text,
        criteria=parse_criteria(text),
        minimum_age=Age.parse(module["minimumAge"]) if module.get("minimumAge") else None,
        maximum_age=Age.parse(module["maximumAge"]) if module.get("maximumAge") else None,
        sex=module.get("sex") if module.get("sex") in ("ALL", "FEMALE", "MALE") else None,
        gender_based=module.get("genderBased"),
        healthy_volunteers=module.get("healthyVolunteers"),
        std_ages=list(module.get("stdAges") or []),
        study_population=module.get("studyPopulation"),
    )


def _location(item: Json) -> Location:
    geo = item.get("geoPoint") or {}
    return Location(
        facility=item.get("facility"),
        city=item.get("city"),
        state=item.get("state"),
        zip=item.get("zip"),
        country=item.get("country"),
        status=item.get("status"),
        geo=GeoPoint(lat=geo["lat"], lon=geo["lon"]) if _on_earth(geo) else None,
        contacts=_contacts(item.get("contacts")),
    )


def _on_earth(geo: Json) -> bool:
    """A geoPoint with both coordinates, in range (a point off the globe would be measured from nowhere)."""
    lat, lon = geo.get("lat"), geo.get("lon")
    return lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180


def _contacts(items: list[Json] | None) -> list[Contact]:
    """Contacts with at least a name, a phone number or an e-mail address; blank parts read as absent."""
    found = []
    for item in items or []:
        parts = {key: (item.get(key) or "").strip() or None for key in ("name", "role", "phone", "phoneExt", "email")}
        if parts["name"] or parts["phone"] or parts["email"]:
            found.append(Contact(name=parts["name"], role=parts["role"], phone=parts["phone"],
                                 phone_ext=parts["phoneExt"], email=parts["email"]))
    return found
