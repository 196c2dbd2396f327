"""Trial sites with coordinates, packed for the index: what a near-me search measures (`search.nearby`).

One document's sites are a `SITE_RECORD` each in a bytes column (a column is read per document without loading its
stored fields): latitude and longitude as 32-bit floats (within a couple of metres) and whether the site counts for
a search of open trials (`harvester.sites.site_is_open`). The same sites, in the same order, are stored as
(facility, city, state, country, status) for the results to name the nearest one. Sites without coordinates are left
out: they are never near anything.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harvester.models import Trial

__all__ = ["SITE_RECORD", "StoredSite", "located_sites", "unpack_sites"]

#: latitude, longitude, open
SITE_RECORD = struct.Struct("<ff?")
#: (facility, city, state, country, status) of a site, as stored
StoredSite = tuple[str | None, str | None, str | None, str | None, str | None]


def located_sites(trial: Trial) -> tuple[bytes, list[StoredSite]]:
    """The packed sites of a trial with coordinates, and what is stored of each."""
    from harvester.sites import site_is_open, site_status

    packed = bytearray()
    stored: list[StoredSite] = []
    for location in trial.locations:
        if location.geo is None:
            continue
        packed += SITE_RECORD.pack(location.geo.lat, location.geo.lon, site_is_open(trial, location))
        stored.append((location.facility, location.city, location.state, location.country,
                       site_status(trial, location)))
    return bytes(packed), stored


def unpack_sites(packed: bytes) -> Iterator[tuple[float, float, bool]]:
    """(latitude, longitude, open) of each packed site, in order."""
    return SITE_RECORD.iter_unpack(packed)
