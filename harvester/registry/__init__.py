"""The ClinicalTrials.gov API v2: polite HTTP, the API client, the record and criteria parsers, the harvest."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = [
    "DEFAULT_API_URL",
    "HttpSettings",
    "RegistryClient",
    "StudyQuery",
    "harvest_ids",
    "harvest_query",
    "import_files",
    "parse_study",
]

#: the registry's API v2 (the client's and the command line's default); here so that reading it imports no HTTP code
DEFAULT_API_URL = "https://clinicaltrials.gov/api/v2"

if TYPE_CHECKING:
    from harvester.registry.client import RegistryClient, StudyQuery
    from harvester.registry.harvest import harvest_ids, harvest_query
    from harvester.registry.http import HttpSettings
    from harvester.registry.importer import import_files
    from harvester.registry.parse import parse_study
else:
    from harvester._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {
        "harvester.registry.client": ("RegistryClient", "StudyQuery"),
        "harvester.registry.http": ("HttpSettings",),
        "harvester.registry.parse": ("parse_study",),
        "harvester.registry.harvest": ("harvest_ids", "harvest_query"),
        "harvester.registry.importer": ("import_files",),
    })
