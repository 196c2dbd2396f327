"""pydantic models: the contract between harvester, store, index and search.

Field names follow the registry's meaning, not its JSON spelling; `harvester.registry.parse` maps one to the other.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harvester.statuses import OPEN_STATUSES as OPEN_STATUSES
from harvester.statuses import OverallStatus as OverallStatus
from harvester.statuses import status_label as status_label
from harvester.terms import NCT_ID_PATTERN as NCT_ID_PATTERN
from harvester.terms import NctId, Source, study_url
from harvester.terms import normalize_nct_id as normalize_nct_id

__all__ = [
    "NCT_ID_PATTERN",
    "OPEN_STATUSES",
    "Age",
    "AgeUnit",
    "ArmGroup",
    "Contact",
    "Criteria",
    "Criterion",
    "Eligibility",
    "Finding",
    "FoundTerm",
    "GeoPoint",
    "Intervention",
    "Location",
    "MeshTerm",
    "Model",
    "Official",
    "Organization",
    "OverallStatus",
    "PageDetails",
    "PartialDate",
    "Provenance",
    "ResponsibleParty",
    "SecondaryId",
    "Trial",
    "normalize_nct_id",
    "status_label",
]

logger = logging.getLogger(__name__)



class Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="forbid", defer_build=True)


class PartialDate(Model):
    """A registry date that may be year-only or month-only; no day is invented for it."""

    year: int
    month: int | None = None
    day: int | None = None
    type: Literal["ACTUAL", "ESTIMATED"] | None = None

    @classmethod
    def parse(cls, text: str, date_type: str | None = None) -> PartialDate:
        parts = text.strip().split("-")
        if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
            raise ValueError(f"not a yyyy, yyyy-MM or yyyy-MM-dd date: {text!r}")
        numbers: list[int | None] = [int(p) for p in parts] + [None, None]
        date = cls.model_validate({"year": numbers[0], "month": numbers[1], "day": numbers[2], "type": date_type})
        date.earliest()  # validates month/day ranges
        return date

    def earliest(self) -> dt.date:
        """The first day the date can mean, for sorting and range filters."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text


AgeUnit = Literal["YEARS", "MONTHS", "WEEKS", "DAYS", "HOURS", "MINUTES"]
_DAYS_PER_UNIT = {
    "YEARS": 365.25, "MONTHS": 365.25 / 12, "WEEKS": 7.0, "DAYS": 1.0, "HOURS": 1 / 24, "MINUTES": 1 / 1440,
}
_AGE_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.IGNORECASE)
#: the unit `_AGE_PATTERN` read (any case) -> the registry's unit
_AGE_UNITS: dict[str, AgeUnit] = {
    "year": "YEARS", "month": "MONTHS", "week": "WEEKS", "day": "DAYS", "hour": "HOURS", "minute": "MINUTES",
}


class Age(Model):
    """An age limit as the registry states it, e.g. ``18 Years``."""

    value: float
    unit: AgeUnit

    @classmethod
    def parse(cls, text: str) -> Age | None:
        """``"18 Years"`` -> Age(18, YEARS); ``"N/A"`` or anything unrecognised -> None."""
        match = _AGE_PATTERN.match(text)
        if not match:
            return None
        return cls(value=float(match.group(1)), unit=_AGE_UNITS[match.group(2).lower()])

    @property
    def years(self) -> float:
        return self.value * _DAYS_PER_UNIT[self.unit] / 365.25

    def __str__(self) -> str:
        number = int(self.value) if self.value.is_integer() else self.value
        unit = self.unit.lower()
        return f"{number} {unit[:-1] if number == 1 else unit}"


class Criterion(Model):
    """One eligibility criterion; sub-bullets stay under their parent."""

    text: str
    children: list[Criterion] = Field(default_factory=list)

    def walk(self) -> Iterator[Criterion]:
        yield self
        for child in self.children:
            yield from child.walk()


class Criteria(Model):
    """Eligibility text split into ordered inclusion and exclusion lists.

    `other` keeps text that belongs to neither list (a preamble, a note), so nothing is lost.
    """

    inclusion: list[Criterion] = Field(default_factory=list)
    exclusion: list[Criterion] = Field(default_factory=list)
    other: list[Criterion] = Field(default_factory=list)

    def all_texts(self) -> list[str]:
        return [c.text for group in (self.other, self.inclusion, self.exclusion) for top in group for c in top.walk()]


class Eligibility(Model):
    criteria_text: str | None = None
    criteria: Criteria = Field(default_factory=Criteria)
    minimum_age: Age | None = None
    maximum_age: Age | None = None
    sex: Literal["ALL", "FEMALE", "MALE"] | None = None
    gender_based: bool | None = None
    healthy_volunteers: bool | None = None
    std_ages: list[str] = Field(default_factory=list)
    study_population: str | None = None
    #: the age limits were read from the criteria text (a trial page gives no structured limits), not stated
    ages_from_criteria: bool = False

    def admits(self, *, age_years: float | None = None, sex: str | None = None) -> bool:
        """Whether a person of this age and sex fits the stated age and sex limits."""
        if age_years is not None:
            if self.minimum_age and age_years < self.minimum_age.years:
                return False
            if self.maximum_age and age_years > self.maximum_age.years:
                return False
        return sex is None or self.sex in (None, "ALL") or self.sex == sex.upper()


class Organization(Model):
    name: str
    #: the registry's sponsor class: INDUSTRY, NIH, FED, OTHER_GOV, NETWORK, OTHER, INDIV ...
    agency_class: str | None = None


class ResponsibleParty(Model):
    type: str | None = None
    investigator_name: str | None = None
    investigator_title: str | None = None
    investigator_affiliation: str | None = None


class MeshTerm(Model):
    id: str | None = None
    term: str


class FoundTerm(Model):
    """A MeSH term the registry assigned and the record's own words it found it as (``browseLeaves[].asFound``)."""

    term: str
    as_found: str


class Intervention(Model):
    type: str | None = None
    name: str
    other_names: list[str] = Field(default_factory=list)
    description: str | None = None
    arm_group_labels: list[str] = Field(default_factory=list)


class ArmGroup(Model):
    label: str
    type: str | None = None
    description: str | None = None
    intervention_names: list[str] = Field(default_factory=list)


class GeoPoint(Model):
    lat: float
    lon: float


class Contact(Model):
    """Whom to ask about a trial: a central contact, or one of a site's contacts (``CONTACT``,
    ``PRINCIPAL_INVESTIGATOR``...). The registry gives any of the parts, or none."""

    name: str | None = None
    role: str | None = None
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None

    @property
    def reachable(self) -> bool:
        """Whether it says how to reach someone (a phone number or an e-mail address), not only a name."""
        return bool(self.phone or self.email)

    @property
    def tel_uri(self) -> str | None:
        """``tel:`` link for the phone number (RFC 3966: visual separators kept, extension as ``;ext=``)."""
        if not self.phone:
            return None
        number = re.sub(r"[^0-9+\-.()]", "", self.phone.replace(" ", "-")).strip("-.")
        if not re.search(r"\d", number):
            return None
        extension = re.sub(r"\D", "", self.phone_ext or "")
        return f"tel:{number}" + (f";ext={extension}" if extension else "")

    @property
    def mailto_uri(self) -> str | None:
        """``mailto:`` link for the e-mail address, when it looks like one (one @, no spaces)."""
        address = (self.email or "").strip()
        if address.count("@") != 1 or any(character.isspace() for character in address):
            return None
        return f"mailto:{address}"


class Official(Model):
    """A person responsible for the trial (``overallOfficials``): principal investigator, study director, chair."""

    name: str
    role: str | None = None
    affiliation: str | None = None


class Location(Model):
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None
    geo: GeoPoint | None = None
    contacts: list[Contact] = Field(default_factory=list)


class SecondaryId(Model):
    id: str
    type: str | None = None
    domain: str | None = None

    @property
    def is_eu_trial_number(self) -> bool:
        """EudraCT (2004-000000-00) or CTIS (2023-500000-00-00) numbers."""
        eudract_shaped = bool(re.match(r"^\d{4}-\d{6}-\d{2}(-\d{2})?$", self.id))
        return eudract_shaped or (self.type or "").startswith(("EUDRACT", "CTIS"))


class Provenance(Model):
    source: Source = "api"
    source_url: str | None = None
    fetched_at: dt.datetime | None = None
    content_hash: str | None = None
    data_timestamp: str | None = None


class PageDetails(Model):
    """What only a patient-facing trial page (not the registry record) says."""

    site: str
    plain_language_summary: str | None = None
    current_as_of: dt.date | None = None
    patients_applied: int | None = None
    sponsor_description: str | None = None
    gender: str | None = None
    launched_on: dt.date | None = None


class Finding(Model):
    """A disagreement between a trial's sources, found when they are merged (`harvester.store.merge`).

    The registry record is authoritative; a finding says that a trial page shows something else.
    """

    kind: Literal["status-disagreement"] = "status-disagreement"
    registry_value: str | None
    page_value: str | None
    page_url: str | None = None
    #: the page's "current as of" date, if it shows one
    page_as_of: dt.date | None = None

    def describe(self) -> str:
        """One line, e.g. ``status: the registry says recruiting; the trial page (as of 2025-07-01) says ...``."""
        as_of = f" (as of {self.page_as_of})" if self.page_as_of else ""
        return (f"status: the registry says {status_label(self.registry_value)}; the trial page{as_of} says "
                f"{status_label(self.page_value)} (the registry is authoritative)")


class Trial(Model):
    nct_id: NctId
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    brief_summary: str | None = None
    detailed_description: str | None = None

    overall_status: str | None = None
    last_known_status: str | None = None
    why_stopped: str | None = None
    status_verified_date: PartialDate | None = None
    start_date: PartialDate | None = None
    primary_completion_date: PartialDate | None = None
    completion_date: PartialDate | None = None
    first_posted: dt.date | None = None
    last_update_posted: dt.date | None = None

    lead_sponsor: Organization | None = None
    collaborators: list[Organization] = Field(default_factory=list)
    responsible_party: ResponsibleParty | None = None

    conditions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    condition_mesh: list[MeshTerm] = Field(default_factory=list)
    condition_mesh_ancestors: list[MeshTerm] = Field(default_factory=list)
    #: the condition MeSH terms with the phrases of the record the registry found them as
    condition_found: list[FoundTerm] = Field(default_factory=list)
    intervention_mesh: list[MeshTerm] = Field(default_factory=list)
    intervention_mesh_ancestors: list[MeshTerm] = Field(default_factory=list)

    interventions: list[Intervention] = Field(default_factory=list)
    arm_groups: list[ArmGroup] = Field(default_factory=list)
    phases: list[str] = Field(default_factory=list)
    study_type: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None

    eligibility: Eligibility = Field(default_factory=Eligibility)
    #: whom to ask about the trial as a whole
    central_contacts: list[Contact] = Field(default_factory=list)
    overall_officials: list[Official] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    secondary_ids: list[SecondaryId] = Field(default_factory=list)
    has_results: bool = False

    page: PageDetails | None = None
    #: where the registry record and the trial page disagree (empty unless both are stored)
    findings: list[Finding] = Field(default_factory=list)
    provenance: Provenance = Field(default_factory=Provenance)
    #: modules of the record this version of trialwatch does not read, kept by name so nothing is silently ignored
    unrecognised_modules: list[str] = Field(default_factory=list)

    @field_validator("nct_id")
    @classmethod
    def _canonical_nct_id(cls, value: str) -> NctId:
        return normalize_nct_id(value)

    @field_validator("overall_status", "last_known_status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value is not None and value not in OverallStatus.__members__:
            logger.warning("unknown overall status %r kept as-is", value)
        return value

    @property
    def title(self) -> str:
        return self.brief_title or self.official_title or self.nct_id

    @property
    def is_open(self) -> bool:
        return self.overall_status in OPEN_STATUSES

    @property
    def registry_url(self) -> str:
        return study_url(self.nct_id)

    def drug_names(self) -> list[str]:
        """Intervention names and their other (brand, code) names, in record order, each once ignoring case."""
        names: dict[str, str] = {}
        for intervention in self.interventions:
            for name in (intervention.name, *intervention.other_names):
                names.setdefault(" ".join(name.split()).casefold(), name)
        return list(names.values())

    def countries(self) -> list[str]:
        return list(dict.fromkeys(loc.country for loc in self.locations if loc.country))
