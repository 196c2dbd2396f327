"""Whom to contact about a trial and where its sites are, as `trialwatch show` and the trial page both say it.

From `harvester.sites.contact_sheet`: the nearest site's contacts first when a place is given (else the first open
site's), then the trial's central contacts, then the people responsible for it. A record naming no one to contact
says so and points to the registry's page of the trial.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harvester.models import Contact, Location, Official, Trial
from harvester.sites import contact_sheet, site_status, sites_nearest_first
from search.views.words import code_words, status_words

__all__ = [
    "NEAREST_SITES_SHOWN",
    "ContactView",
    "ContactsView",
    "SiteView",
    "contact_view",
    "contacts_view",
    "nearest_sites",
    "official_text",
    "site_view",
]

#: sites listed nearest first on a page measured from a place; the rest are counted
NEAREST_SITES_SHOWN = 25


@dataclass(frozen=True)
class ContactView:
    name: str
    #: the registry's role in words: ``contact``, ``principal investigator``...
    role: str
    #: ``844-663-3742 ext. 12``, and its ``tel:`` link (None when the number cannot be dialled as written)
    phone: str = ""
    tel: str | None = None
    email: str = ""
    mailto: str | None = None

    def text(self) -> str:
        """``ABBVIE CALL CENTER (contact): phone 844-663-3742, e-mail x@abbvie.com``."""
        who = self.name + (f" ({self.role})" if self.role and self.name else self.role)
        ways = [f"phone {self.phone}" if self.phone else "", f"e-mail {self.email}" if self.email else ""]
        how = ", ".join(way for way in ways if way)
        return f"{who}: {how}" if who and how else who or how


@dataclass(frozen=True)
class SiteView:
    #: ``Boston Medical Center, Boston, Massachusetts, United States``
    place: str
    #: the site's status in words (its trial's when it states none)
    status: str
    #: ``12 km`` from the place the view was measured from; empty when not measured or without coordinates
    distance: str = ""


@dataclass(frozen=True)
class ContactsView:
    #: the site whose contacts come first, and how it was chosen ("nearest site", "first open site")
    site: SiteView | None
    site_is: str
    site_contacts: list[ContactView]
    central: list[ContactView]
    #: ``Yifan Zhai, MD, PhD (study director, Ascentage Pharma Group Inc.)``
    officials: list[str]
    #: whether the record says how to reach anyone (a phone number or an e-mail address)
    reachable: bool
    registry_url: str
    nct_id: str = ""
    #: when nobody can be reached, saying so (the registry's page of the trial may say more)
    none_note: str = field(default="")


def contact_view(contact: Contact) -> ContactView:
    phone = (contact.phone or "") + (f" ext. {contact.phone_ext}" if contact.phone and contact.phone_ext else "")
    return ContactView(name=contact.name or "", role=code_words(contact.role), phone=phone, tel=contact.tel_uri,
                       email=contact.email or "", mailto=contact.mailto_uri)


def official_text(official: Official) -> str:
    about = ", ".join(part for part in (code_words(official.role), official.affiliation) if part)
    return official.name + (f" ({about})" if about else "")


def site_view(trial: Trial, location: Location, distance: str = "") -> SiteView:
    place = ", ".join(part for part in (location.facility, location.city, location.state, location.country) if part)
    return SiteView(place or "Place not given", status_words(site_status(trial, location)).label, distance)


def contacts_view(trial: Trial, near: tuple[float, float] | None = None) -> ContactsView:
    """The trial's contacts, the nearest site's first when `near` (latitude, longitude) is given."""
    from search.nearby import distance_text

    sheet = contact_sheet(trial, near)
    site = None
    if sheet.site is not None:
        site = site_view(trial, sheet.site, distance_text(sheet.site_km) if sheet.site_km is not None else "")
    reachable = sheet.has_contacts
    none_note = "" if reachable else "The record names no one to contact."
    return ContactsView(
        site=site, site_is="nearest site with a contact" if near is not None else "first open site with a contact",
        site_contacts=[contact_view(contact) for contact in sheet.site_contacts],
        central=[contact_view(contact) for contact in sheet.central],
        officials=[official_text(official) for official in sheet.officials],
        reachable=reachable, registry_url=sheet.registry_url, nct_id=trial.nct_id, none_note=none_note,
    )


def nearest_sites(trial: Trial, near: tuple[float, float]) -> list[SiteView]:
    """Every site, nearest to `near` first (those without coordinates last, with no distance)."""
    from search.nearby import distance_text

    return [site_view(trial, site.location, distance_text(site.km) if site.km is not None else "")
            for site in sites_nearest_first(trial, *near)]
