"""The ClinicalTrials.gov API v2: polite HTTP, the API client, the record and criteria parsers, the harvest.

One interface per outside service (as pip-audit reaches each vulnerability database through its one
``VulnerabilityService``): the harvest and the refresh reach the registry only through `StudySource`, a
structural Protocol, and take it as an argument::

    StudySource (source.py, Protocol)            what the harvest and the refresh may ask of the registry
    |   base_url                                 the API's root: recorded with each run and stored version
    |   version() -> RegistryVersion             GET /version (data timestamp), at the start of each run
    |   iter_pages(StudyQuery) -> StudyPage...   GET /studies, page after page
    |   fetch_study(NctId) -> dict               GET /studies/{nctId}; StudyNotFound on a 404
    |
    +-- RegistryClient (client.py)               the real one, over http.PoliteClient (politeness, retries)
    +-- refresh's _ListingSource                 wraps a source; notes the NCT ids a listing returned
    +-- tests.fakes.RecordedSource               records from memory, for tests

    taken by  harvest.harvest_query(source, store, query)    harvest.harvest_ids(source, store, nct_ids)
              harvester.history.refresh.refresh(store, source, data_dir, page_size=...)

Its settings are passed in; nothing here reads them from the environment or a file. The CLI gives
`RegistryClient` the base URL (``--api-url``, default `DEFAULT_API_URL`) and an `HttpSettings`: the politeness
delay between requests (``min_interval``, ``--min-interval``, 1 s as the registry's robots.txt asks), the
timeout, retries and longest Retry-After to wait for. The page size travels with each `StudyQuery`
(``page_size``; ``--page-size``, which `refresh` sets on every watch's query).

The rest is pure or local: `parse_study` and `record_nct_id` (parse.py, with coerce.py and the criteria parser
criteria.py), and reading downloaded record files (files.py, importer.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = [
    "DEFAULT_API_URL",
    "HttpSettings",
    "RegistryClient",
    "StudyQuery",
    "StudySource",
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
    from harvester.registry.source import StudySource
else:
    from harvester._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {
        "harvester.registry.client": ("RegistryClient", "StudyQuery"),
        "harvester.registry.http": ("HttpSettings",),
        "harvester.registry.parse": ("parse_study",),
        "harvester.registry.source": ("StudySource",),
        "harvester.registry.harvest": ("harvest_ids", "harvest_query"),
        "harvester.registry.importer": ("import_files",),
    })
