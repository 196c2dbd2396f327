"""Patient-facing trial pages (ClinConnect's by default) as a second source of trials.

* `harvester.pages.text`: an HTML page's visible text as lines (pure);
* `harvester.pages.parse`: `parse_trial_page`, a page's HTML -> `Trial` with `PageDetails` (pure);
* `harvester.pages.fetch`: `PageFetcher`, polite fetching that obeys robots.txt;
* `harvester.pages.harvest`: `store_page` and `harvest_pages`, pages kept as ``source='page'`` versions.

Merging a page with the registry record is `harvester.store.merge`; reading merged trials is `harvester.store.trials`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["DEFAULT_URL_TEMPLATE", "PageFetcher", "harvest_pages", "parse_trial_page", "store_page"]

#: where a trial's page is, by default: ClinConnect's page for the NCT id
DEFAULT_URL_TEMPLATE = "https://clinconnect.io/trials/{nct_id}"

if TYPE_CHECKING:
    from harvester.pages.fetch import PageFetcher
    from harvester.pages.harvest import harvest_pages, store_page
    from harvester.pages.parse import parse_trial_page
else:
    from harvester._lazy import lazy_exports

    __getattr__, __dir__ = lazy_exports(__name__, {
        "harvester.pages.parse": ("parse_trial_page",),
        "harvester.pages.fetch": ("PageFetcher",),
        "harvester.pages.harvest": ("harvest_pages", "store_page"),
    })
