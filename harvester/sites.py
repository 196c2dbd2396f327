"""A trial's sites as a patient weighs them: which are open, how far each is from a place, whom to ask first.

Pure functions of the model, shared by the index (which sites count as open for a near-me search), the search
results and the trial views (terminal and web), so that all of them say the same.

A site's status is its own when the registry gives one, else the trial's: the registry lists site statuses only
while a trial recruits, so the sites of a not-yet-recruiting trial carry none and are as not yet recruiting as it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harvester.statuses import OPEN_STATUSES

if TYPE_CHECKING:  # no pydantic at run time: `search` measures distances with this module and starts fast
    from harvester.models import Contact, Location, Official, Trial

__all__ = [
    "EARTH_RADIUS_KM",
    "KM_PER_MILE",
    "OPEN_SITE_STATUSES",
    "ContactSheet",
    "SiteDistance",
    "contact_sheet",
    "distance_km",
    "site_is_open",
    "site_status",
    "sites_nearest_first",
]

#: a site in one of these statuses counts for a search of trials open to enrolment
OPEN_SITE_STATUSES = OPEN_STATUSES
EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi, half_dlambda = math.radians(lat2 - lat1) / 2, math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def site_status(trial: Trial, location: Location) -> str | None:
    """The site's own status, else the trial's."""
    return location.status or trial.overall_status


def site_is_open(trial: Trial, location: Location) -> bool:
    return site_status(trial, location) in OPEN_SITE_STATUSES


@dataclass(frozen=True)
class SiteDistance:
    location: Location
    #: None when the site has no coordinates
    km: float | None


def sites_nearest_first(trial: Trial, lat: float, lon: float) -> list[SiteDistance]:
    """Every site with its distance from (lat, lon), nearest first; sites without coordinates last, in record order."""
    measured = [
        SiteDistance(location, distance_km(lat, lon, location.geo.lat, location.geo.lon) if location.geo else None)
        for location in trial.locations
    ]
    return sorted(measured, key=lambda site: (site.km is None, site.km or 0.0))


@dataclass(frozen=True)
class ContactSheet:
    """Whom to ask about a trial, in the order to ask: one site's contacts, the central contacts, the officials."""

    #: the site whose contacts come first: the nearest (when a place is given) or the first open site with contacts
    site: Location | None
    site_km: float | None
    site_contacts: list[Contact]
    central: list[Contact]
    officials: list[Official]
    #: the registry's page of the trial, where it may say more
    registry_url: str

    @property
    def has_contacts(self) -> bool:
        """Whether the record names anyone to contact (phone or e-mail), at a site or centrally."""
        return any(contact.reachable for contact in (*self.site_contacts, *self.central))


def contact_sheet(trial: Trial, near: tuple[float, float] | None = None) -> ContactSheet:
    """The contacts of a trial, the nearest site's (to `near`, a latitude and longitude) or the first open site's
    first; only a site that names a contact is picked (a name alone is worth asking for at the site), an open one
    before a closed one."""
    if near is not None:
        candidates = sites_nearest_first(trial, *near)
    else:
        candidates = [SiteDistance(location, None) for location in trial.locations]
    with_contacts = [site for site in candidates if site.location.contacts]
    chosen = next((site for site in with_contacts if site_is_open(trial, site.location)), None)
    if chosen is None and near is not None:
        chosen = next(iter(with_contacts), None)
    return ContactSheet(
        site=chosen.location if chosen else None,
        site_km=chosen.km if chosen else None,
        site_contacts=list(chosen.location.contacts) if chosen else [],
        central=list(trial.central_contacts),
        officials=list(trial.overall_officials),
        registry_url=trial.registry_url,
    )
