"""Patient-facing trial pages (ClinConnect's by default) as a second source of trials.

* `harvester.pages.text`: an HTML page's visible text as lines (pure);
* `harvester.pages.parse`: `parse_trial_page`, a page's HTML -> `Trial` with `PageDetails` (pure);
* `harvester.pages.fetch`: `PageFetcher`, polite fetching that obeys robots.txt;
* `harvester.pages.harvest`: `store_page` and `harvest_pages`, pages kept as ``source='page'`` versions.

Merging a page with the registry record is `harvester.store.merge`; reading merged trials is `harvester.store.trials`.
"""

#: where a trial's page is, by default: ClinConnect's page for the NCT id
DEFAULT_URL_TEMPLATE = "https://clinconnect.io/trials/{nct_id}"
