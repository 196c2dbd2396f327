"""Brand names of drugs used in lupus and cutaneous lupus trials, so a patient's "Revlimid" finds "lenalidomide".

Records list brand and code names only sometimes (in `otherNames`), and a trial page may list a drug only among
its keywords. This small, hand-kept table (generic name -> US/EU brand names, as on the drugs' labels) fills both
gaps at index time: brand names are added to a trial's drugs, and a keyword that names a known drug counts as one.
Extend it when a drug is missing; it is not meant to be a full drug dictionary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "BRAND_NAMES",
    "brand_and_generic_names",
    "distinct_names",
    "drugs_named_in",
    "known_drugs",
    "named_treatments",
]

BRAND_NAMES: dict[str, tuple[str, ...]] = {
    "anifrolumab": ("Saphnelo",),
    "azathioprine": ("Imuran", "Azasan"),
    "belimumab": ("Benlysta",),
    "cyclophosphamide": ("Cytoxan", "Endoxan"),
    "dapsone": ("Aczone",),
    "deucravacitinib": ("Sotyktu",),
    "hydroxychloroquine": ("Plaquenil",),
    "lenalidomide": ("Revlimid",),
    "methotrexate": ("Trexall", "Otrexup", "Rasuvo", "Xatmep", "Jylamvo", "Metoject"),
    "mycophenolate mofetil": ("CellCept",),
    "mycophenolic acid": ("Myfortic",),
    "obinutuzumab": ("Gazyva", "Gazyvaro"),
    "prednisone": ("Deltasone", "Rayos"),
    "rituximab": ("Rituxan", "MabThera"),
    "tacrolimus": ("Prograf", "Protopic"),
    "thalidomide": ("Thalomid",),
    "ustekinumab": ("Stelara",),
    "voclosporin": ("Lupkynis",),
}

_GENERIC_BY_NAME = {
    name.lower(): generic for generic, brands in BRAND_NAMES.items() for name in (generic, *brands)
}


def known_drugs(names: Iterable[str]) -> list[str]:
    """The names (e.g. keywords) that name a drug in the table, as written."""
    return [name for name in names if name.strip().lower() in _GENERIC_BY_NAME]


def distinct_names(names: Iterable[str]) -> list[str]:
    """Names in order, each once ignoring case and spacing (the first spelling kept): ``MTX``, ``mtx`` -> ``MTX``."""
    first: dict[str, str] = {}
    for name in names:
        first.setdefault(" ".join(name.split()).casefold(), name)
    return list(first.values())


def drugs_named_in(text: str) -> list[str]:
    """The table's drug names (generic or brand) that `text` (a title) says, as written there, in text order."""
    found = []
    for name in _GENERIC_BY_NAME:
        match = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)
        if match:
            found.append((match.start(), match.group()))
    return [name for _, name in sorted(found)]


def named_treatments(keywords: Iterable[str], title: str) -> tuple[list[str], str]:
    """For a record that lists no interventions (a trial page): the drugs its keywords or title name, each once,
    and where they were found (``keywords``, ``title``, ``keywords and title``; empty when none)."""
    in_keywords, in_title = known_drugs(keywords), drugs_named_in(title)
    where = " and ".join(part for part, found in (("keywords", in_keywords), ("title", in_title)) if found)
    return distinct_names([*in_keywords, *in_title]), where


def brand_and_generic_names(names: Iterable[str]) -> list[str]:
    """For every drug name in the table, its generic name and all its brand names (in table order)."""
    generics = dict.fromkeys(_GENERIC_BY_NAME[name.strip().lower()] for name in names
                             if name.strip().lower() in _GENERIC_BY_NAME)
    return [name for generic in generics for name in (generic, *BRAND_NAMES[generic])]
