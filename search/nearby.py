"""Near-me searches: a place and a distance -> the trials with a site that close, and each one's nearest site.

The place is resolved offline (`search.places`: the most populous of several of a name, an unknown one is an error
with close names). Distances are great-circle, from each site's registry `geoPoint` (`index.sites`): a trial without
coordinates is never near anything. In a search of open trials only sites that are recruiting, not yet recruiting
or enrolling by invitation count (`harvester.sites`), so a trial is not reported near because of a closed site.

Like the age filter (`search.eligibility`), the distance is checked per candidate trial, from a column, when a search
asks; each trial's nearest site is measured once per search.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from typing import Literal

from whoosh.idsets import DocIdSet
from whoosh.reading import IndexReader

from harvester.errors import UsageError
from harvester.sites import KM_PER_MILE, distance_km
from index.sites import unpack_sites

__all__ = [
    "DEFAULT_WITHIN_KM",
    "DISTANCE_HINT",
    "MAX_WITHIN_KM",
    "Near",
    "NearestSite",
    "Unit",
    "WithinReach",
    "distance_text",
    "parse_distance",
    "resolve_near",
]

Unit = Literal["km", "mi"]
#: how far "near" reaches when no distance is given
DEFAULT_WITHIN_KM = 100.0
#: half the Earth's circumference: every site is within it
MAX_WITHIN_KM = 20_016.0
DISTANCE_HINT = "a number of kilometres, or with a unit: 50mi, 30 km, 80 miles"
_DISTANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km|kms|kilometres?|kilometers?|mi|miles?)?\s*$", re.IGNORECASE)


def parse_distance(text: str) -> tuple[float, Unit]:
    """``"50mi"`` -> (80.47, "mi"); ``"30 km"``, ``"30"`` -> (30.0, "km"). Raises `UsageError`."""
    match = _DISTANCE.match(text)
    if not match:
        raise UsageError(f"cannot read the distance {text!r}", hint=DISTANCE_HINT)
    number, unit = float(match.group(1)), (match.group(2) or "km").lower()
    miles = unit.startswith("mi")
    km = number * KM_PER_MILE if miles else number
    if not 0 < km <= MAX_WITHIN_KM:
        raise UsageError(f"distance {text.strip()!r} is out of range",
                         hint=f"more than 0 and at most {MAX_WITHIN_KM:,.0f} km (half way round the Earth)")
    return km, "mi" if miles else "km"


def distance_text(km: float, unit: Unit = "km") -> str:
    """``12 km``, ``7.5 mi``, ``< 1 km``: whole numbers from 10 on."""
    value = km / KM_PER_MILE if unit == "mi" else km
    if value < 1:
        return f"< 1 {unit}"
    return f"{value:,.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"


@dataclass(frozen=True)
class Near:
    """Where a near-me search measures from, how far it reaches, and which sites count."""

    #: what the name was understood as, e.g. ``Paris, France (the most populous of 4 places of that name)``
    note: str
    #: e.g. ``Paris, France``
    label: str
    lat: float
    lon: float
    within_km: float
    unit: Unit = "km"
    #: only sites open to enrolment count (a search of open trials)
    open_sites_only: bool = False

    @property
    def within_text(self) -> str:
        return distance_text(self.within_km, self.unit).replace("< 1", "1")


def resolve_near(name: str, within: str | None, *, open_sites_only: bool) -> Near:
    """The `Near` of a place name and a distance (`DEFAULT_WITHIN_KM` when None). Raises `UsageError` (an unknown
    place: `harvester.errors.UnknownPlace`, with close names)."""
    from search.places import resolve

    km, unit = parse_distance(within) if within else (DEFAULT_WITHIN_KM, "km")
    resolution = resolve(name)
    place = resolution.place
    if place.lat is None or place.lon is None:
        raise UsageError(f"{place.label} is a country, not a place to measure from",
                         hint=f"give a city near you, or search by country: --country {place.label!r}")
    return Near(note=resolution.note, label=place.label, lat=place.lat, lon=place.lon, within_km=km, unit=unit,
                open_sites_only=open_sites_only)


@dataclass(frozen=True)
class NearestSite:
    """A result's nearest (counting) site."""

    facility: str | None
    city: str | None
    state: str | None
    country: str | None
    status: str | None
    km: float
    unit: Unit = "km"

    @property
    def distance(self) -> str:
        return distance_text(self.km, self.unit)

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.facility, self.city, self.state, self.country) if part)


class WithinReach(DocIdSet):
    """The documents (of `within`, when given) with a counting site within reach of `near`, for a Whoosh filter.

    Remembers the nearest site of every document it is asked about (`nearest`), and the closest document out of
    reach (`closest_outside`), so that an empty result can say how far the nearest trial is.
    """

    def __init__(self, reader: IndexReader, near: Near, within: Container[int] | None = None) -> None:
        self.points = reader.column_reader("site_points")
        self.near = near
        self.within = within
        #: docnum -> (km, the site's number among the document's located sites), or None for no counting site
        self.nearest: dict[int, tuple[float, int] | None] = {}
        self.closest_outside: tuple[float, int] | None = None

    def __bool__(self) -> bool:
        return True  # Whoosh asks whether a filter is there before using it

    def __contains__(self, docnum: int) -> bool:
        if self.within is not None and docnum not in self.within:
            return False
        found = self.measure(docnum)
        if found is None:
            return False
        if found[0] <= self.near.within_km:
            return True
        if self.closest_outside is None or found[0] < self.closest_outside[0]:
            self.closest_outside = (found[0], docnum)
        return False

    def measure(self, docnum: int) -> tuple[float, int] | None:
        """(distance in km, site number) of the document's nearest counting site, or None when it has none."""
        if docnum in self.nearest:
            return self.nearest[docnum]
        best: tuple[float, int] | None = None
        lat, lon, open_only = self.near.lat, self.near.lon, self.near.open_sites_only
        for number, (site_lat, site_lon, is_open) in enumerate(unpack_sites(self.points[docnum] or b"")):
            if open_only and not is_open:
                continue
            km = distance_km(lat, lon, site_lat, site_lon)
            if best is None or km < best[0]:
                best = (km, number)
        self.nearest[docnum] = best
        return best

    def nearest_site(self, docnum: int, stored_sites: list[tuple[str | None, ...]]) -> NearestSite | None:
        found = self.measure(docnum)
        if found is None or found[1] >= len(stored_sites):
            return None
        facility, city, state, country, status = stored_sites[found[1]]
        return NearestSite(facility, city, state, country, status, found[0], self.near.unit)
