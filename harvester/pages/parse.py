"""A patient-facing trial page (ClinConnect's layout) -> `Trial`: a pure function of the HTML, no I/O.

The parser reads what a visitor reads, not the markup: the page is flattened to lines of visible text
(`harvester.pages.text`), and sections are found by their visible headings, whatever element carries them:

* a heading is an ``<h1>``..``<h6>`` (or ``role="heading"``) line, or a line whose whole text is a known label
  ("Trial Information", "Keywords", "ClinConnect Summary", "Gender", "Eligibility criteria", "Locations",
  "Patients applied", "Timeline", "Conditions"), or a short "About <sponsor>" line;
* a section is the lines from its heading up to the next heading; "Inclusion Criteria" / "Exclusion Criteria"
  stay inside the eligibility section (and open it when the page has no "Eligibility criteria" heading);
* single values are found by their labels anywhere on the page: "Launched by <sponsor> · <date>",
  "Current as of <date>" (the date may be on the label's own line or the next), "<n> patients applied".

Choices:

* Title: the line just above the "Launched by" byline, else the first ``<h1>``.
* Sponsor: the byline's name (else the "About ..." heading's). Pages may print it in capitals
  ("ASSISTANCE PUBLIQUE - HÔPITAUX DE PARIS"); when
  the same name, letter for letter but for case, appears in the page's own text (the About section says
  "Assistance Publique - Hôpitaux de Paris (AP-HP)"), that spelling is used. The About heading's form
  ("Assistance Publique Hôpitaux De Paris") is not: it drops the hyphen. Nothing is invented.
* Status: the line of the "Trial Information" section that names an API v2 status ("Not yet recruiting" ->
  ``NOT_YET_RECRUITING``); only that section, so a site status in a location list is never taken for it.
* Keywords and conditions: one per element (chips, list items), else split on commas.
* Eligibility: the section's lines go to `parse_criteria_items` (numbered items top level, following
  unnumbered bullets nested under them), losslessly.
* Locations: one per line, read as ``[facility, ]city[, state], country`` by commas.
* A page is a trial page when it is about one NCT id (the one it was fetched for, if given: it may not name
  only others) and has a "Trial Information", eligibility or summary section; anything else raises
  `NotATrialPage`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from harvester.errors import NotATrialPage
from harvester.models import (
    Eligibility,
    Location,
    Organization,
    OverallStatus,
    PageDetails,
    Provenance,
    Trial,
    normalize_nct_id,
)
from harvester.pages.text import Line, clean_text, item_texts, visible_lines
from harvester.registry.criteria import parse_criteria_items
from harvester.registry.criteria_ages import age_limits_from_criteria
from harvester.terms import NctId

__all__ = ["page_status", "parse_trial_page"]

#: visible section headings -> section names; compared without case and without a trailing colon
SECTION_LABELS = {
    "trial information": "information",
    "keywords": "keywords",
    "conditions": "conditions",
    "clinconnect summary": "summary",
    "plain language summary": "summary",
    "gender": "gender",
    "eligibility criteria": "eligibility",
    "eligibility": "eligibility",
    "locations": "locations",
    "patients applied": "patients",
    "timeline": "timeline",
}
#: sections whose presence makes a page a trial page
TRIAL_SECTIONS = frozenset({"information", "eligibility", "summary"})

_ABOUT = re.compile(r"^about\s+(?P<name>\S.*)$", re.IGNORECASE)
_ABOUT_MAX_WORDS = 12
_CRITERIA_HEADING = re.compile(r"^(?:key\s+)?(?:inclusion|exclusion)\s+criteria\s*:?$", re.IGNORECASE)
_BYLINE = re.compile(r"^launched by\s+(?P<sponsor>.+?)(?:\s*[·•|]\s*(?P<date>[^·•|]+))?$", re.IGNORECASE)
_CURRENT_AS_OF = re.compile(r"^current as of\b\s*:?\s*(?P<value>.*)$", re.IGNORECASE)
_PATIENTS_APPLIED = re.compile(r"^(?P<value>\d[\d,]*)\s+patients?\s+applied$", re.IGNORECASE)
_NCT_ID = re.compile(r"\bNCT\d{8}\b", re.IGNORECASE)
_MONTHS = {name: number for number, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}
_ENGLISH_DATE = re.compile(r"^(?P<month>[A-Za-z]+)\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})$")
#: page wordings that are not the API's enum spelled out
_STATUS_ALIASES = {"UNKNOWN_STATUS": OverallStatus.UNKNOWN}
#: the page's gender line (upper-cased) -> `Eligibility.sex`; any other line states no sex
_SEXES: dict[str, Literal["ALL", "FEMALE", "MALE"]] = {"ALL": "ALL", "FEMALE": "FEMALE", "MALE": "MALE"}


@dataclass
class _Section:
    name: str
    heading: str
    lines: list[Line] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [line.text for line in self.lines]


@dataclass
class _Page:
    """A page's lines, and its sections by name (the first section of each name)."""

    lines: list[Line]
    sections: dict[str, _Section]

    def section_texts(self, name: str) -> list[str]:
        section = self.sections.get(name)
        return section.texts() if section else []

    def items(self, name: str) -> list[str]:
        section = self.sections.get(name)
        return list(dict.fromkeys(item for line in section.lines for item in item_texts(line))) if section else []

    def find(self, pattern: re.Pattern[str]) -> tuple[int, re.Match[str]] | None:
        """The index and match of the first line matching `pattern`."""
        return next(((i, match) for i, line in enumerate(self.lines) if (match := pattern.match(line.text))), None)

    def labelled_value(self, pattern: re.Pattern[str]) -> str | None:
        """The ``value`` group of the first line matching `pattern`, or the next line's text when it is empty
        (a label and its value in two elements: ``<dt>Current as of</dt><dd>July 01, 2025</dd>``)."""
        found = self.find(pattern)
        if found is None:
            return None
        index, match = found
        if match["value"]:
            return match["value"]
        return self.lines[index + 1].text if index + 1 < len(self.lines) else None


def page_status(text: str) -> str | None:
    """``"Not yet recruiting"`` -> ``NOT_YET_RECRUITING``; None when the text names no API v2 status."""
    key = re.sub(r"[^A-Z]+", "_", text.upper()).strip("_")
    if key in OverallStatus.__members__:
        return key
    alias = _STATUS_ALIASES.get(key)
    return alias.value if alias else None


def parse_trial_page(
    html: str | bytes, url: str, *, nct_id: str | None = None, provenance: Provenance | None = None
) -> Trial:
    """Read a trial page into a `Trial` (fields the page shows) with its `PageDetails`.

    `url` is where the page came from (its host names the site). `nct_id` is the trial the page was fetched
    for: a page that names other NCT ids but not this one is not its page. Raises `NotATrialPage`.
    """
    page = _sectioned(visible_lines(html))
    found_id = _nct_id(page, nct_id, url)
    if not TRIAL_SECTIONS & page.sections.keys():
        raise NotATrialPage(f"not a trial page: {url} has no Trial Information, eligibility or summary section")

    byline = page.find(_BYLINE)
    about = page.sections.get("about")
    description = "\n\n".join(about.texts()) if about else None
    summary = "\n\n".join(page.section_texts("summary")) or None
    sponsor = _sponsor(byline[1] if byline else None, about)
    if sponsor is not None:
        sponsor = _restore_case(sponsor, [description, summary])
    current_as_of = page.labelled_value(_CURRENT_AS_OF)
    applied = page.labelled_value(_PATIENTS_APPLIED)
    launched = byline[1]["date"] if byline else None
    gender = next(iter(page.section_texts("gender")), None)
    criteria_items = page.section_texts("eligibility")
    criteria = parse_criteria_items(criteria_items)
    minimum_age, maximum_age = age_limits_from_criteria(c.text for top in criteria.inclusion for c in top.walk())

    return Trial(
        nct_id=found_id,
        brief_title=_title(page, byline),
        overall_status=next(filter(None, map(page_status, page.section_texts("information"))), None),
        lead_sponsor=Organization(name=sponsor) if sponsor else None,
        conditions=page.items("conditions"),
        keywords=page.items("keywords"),
        eligibility=Eligibility(
            criteria_text="\n".join(criteria_items) or None,
            criteria=criteria,
            minimum_age=minimum_age,
            maximum_age=maximum_age,
            ages_from_criteria=bool(minimum_age or maximum_age),
            sex=_SEXES.get(gender.upper()) if gender else None,
        ),
        locations=[_location(text) for text in page.section_texts("locations")],
        page=PageDetails(
            site=urlsplit(url).hostname or url,
            plain_language_summary=summary,
            current_as_of=_english_date(current_as_of) if current_as_of else None,
            patients_applied=int(applied.replace(",", "")) if applied else None,
            sponsor_description=description,
            gender=gender,
            launched_on=_english_date(launched) if launched else None,
        ),
        provenance=provenance or Provenance(source="page", source_url=url),
    )


def _heading_name(line: Line) -> str | None:
    """The section a line opens: a known label, "about", "unknown" (another heading element), or None."""
    label = line.text.rstrip(":").strip().casefold()
    if label in SECTION_LABELS:
        return SECTION_LABELS[label]
    is_short = len(line.text.split()) <= _ABOUT_MAX_WORDS and not line.text.endswith((".", "!", "?"))
    if _ABOUT.match(line.text) and (line.is_heading_element or is_short):
        return "about"
    return "unknown" if line.is_heading_element else None


def _sectioned(lines: list[Line]) -> _Page:
    sections: dict[str, _Section] = {}
    current: _Section | None = None
    for line in lines:
        if _CRITERIA_HEADING.match(line.text):
            if current is None or current.name != "eligibility":
                current = sections.setdefault("eligibility", _Section("eligibility", line.text))
            current.lines.append(line)
            continue
        name = _heading_name(line)
        if name is not None:
            current = _Section(name, line.text)
            sections.setdefault(name, current)
        elif current is not None:
            current.lines.append(line)
    return _Page(lines, sections)


def _nct_id(page: _Page, expected: str | None, url: str) -> NctId:
    named = list(dict.fromkeys(match.upper() for line in page.lines for match in _NCT_ID.findall(line.text)))
    if expected is not None:
        expected = normalize_nct_id(expected)
        if named and expected not in named:
            raise NotATrialPage(f"not a trial page for {expected}: {url} is about {', '.join(named[:3])}")
        return expected
    if not named:
        raise NotATrialPage(f"not a trial page: {url} names no NCT id")
    return normalize_nct_id(named[0])


def _title(page: _Page, byline: tuple[int, re.Match[str]] | None) -> str | None:
    if byline is not None and byline[0] > 0:
        above = page.lines[byline[0] - 1]
        if _heading_name(above) in (None, "unknown"):
            return above.text
    return next((line.text for line in page.lines if line.tag == "h1"), None)


def _sponsor(byline: re.Match[str] | None, about: _Section | None) -> str | None:
    """The byline's name, else the name in the "About ..." heading."""
    if byline is not None:
        return byline["sponsor"]
    if about is not None and (match := _ABOUT.match(about.heading)):
        return match["name"]
    return None


def _restore_case(name: str, texts: Iterable[str | None]) -> str:
    """An all-capitals name as the page's own text spells it, if it does (same letters, other case)."""
    name = clean_text(name)
    if not name.isupper():
        return name
    pattern = re.compile(re.escape(name).replace(r"\ ", r"\s+"), re.IGNORECASE)
    for text in filter(None, texts):
        if match := pattern.search(text):
            return match.group()
    return name


def _english_date(text: str) -> dt.date | None:
    """``"July 01, 2025"`` or ``"May 7, 2025"`` -> a date (locale-independent); None if it is not one."""
    match = _ENGLISH_DATE.match(text.strip())
    month = _MONTHS.get(match["month"].casefold()) if match else None
    if match is None or month is None:
        return None
    try:
        return dt.date(int(match["year"]), month, int(match["day"]))
    except ValueError:
        return None


def _location(text: str) -> Location:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) == 1:
        return Location(facility=parts[0])
    if len(parts) == 2:
        return Location(city=parts[0], country=parts[1])
    if len(parts) == 3:
        return Location(facility=parts[0], city=parts[1], country=parts[2])
    return Location(facility=", ".join(parts[:-3]), city=parts[-3], state=parts[-2], country=parts[-1])
