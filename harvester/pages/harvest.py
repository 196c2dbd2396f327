"""Store trial pages as their own source versions (``source='page'``): one transaction per page, one run per harvest.

Content hash. A page version is kept when what trialwatch reads from the page changes, not when its bytes do: the
hash is taken over the parsed `Trial` (canonical JSON, sorted keys) without what changes while the trial does
not: the page's "Current as of" date (the site's last sync), its "patients applied" counter, and the site name
and provenance (they come from the URL, not the page). Markup churn (new CSS classes, scripts, tracking ids) and
counters therefore never make a new version; the raw HTML of each version is kept, so a later parser can re-read
every page it stored. The cost: a parser change that reads more from pages makes one new version per trial on
the next harvest.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from harvester.errors import FetchDisallowed, NotATrialPage, RegistryError, StudyNotFound
from harvester.models import Trial
from harvester.pages.fetch import PageFetcher
from harvester.pages.parse import parse_trial_page
from harvester.registry.harvest import HarvestSummary, Progress, recorded_run
from harvester.store.store import Store, content_hash
from harvester.terms import NctId, Outcome

__all__ = ["PAGE_RUN_KIND", "harvest_pages", "page_content_hash", "store_page"]

logger = logging.getLogger(__name__)

PAGE_RUN_KIND = "pages"
#: `Trial` fields left out of a page's content hash (see the module docstring); contacts too: pages give none, and
#: leaving them out keeps the hashes of pages stored before contacts were modelled
_NOT_CONTENT: dict[str, Any] = {
    "provenance": True, "page": {"site", "current_as_of", "patients_applied"},
    "central_contacts": True, "overall_officials": True, "locations": {"__all__": {"contacts"}},
}
#: failures that skip one trial's page; any other error (network, rate limiting, the store) stops the harvest
_SKIPPED = (StudyNotFound, NotATrialPage, FetchDisallowed)


def page_content_hash(trial: Trial) -> str:
    """The canonical hash of what a page says about a trial."""
    content = trial.model_dump(mode="json", exclude=_NOT_CONTENT)
    return content_hash(json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())


def store_page(
    store: Store, html: str, url: str, *, fetched_at: str, nct_id: str | None = None, run_id: int | None = None
) -> tuple[str, Outcome]:
    """Validate a page by parsing it, then keep its HTML (UTF-8) as a page version of its trial.

    Raises `NotATrialPage` before anything is written. Call inside `Store.transaction()`.
    """
    trial = parse_trial_page(html, url, nct_id=nct_id)
    as_of = trial.page.current_as_of if trial.page else None
    outcome = store.add_version(
        nct_id=trial.nct_id, source="page", raw=html.encode("utf-8"), content_hash=page_content_hash(trial),
        fetched_at=fetched_at, source_url=url, data_timestamp=as_of.isoformat() if as_of else None, run_id=run_id,
    )
    return trial.nct_id, outcome


def harvest_pages(
    fetcher: PageFetcher, store: Store, nct_ids: Iterable[NctId], *, progress: Progress | None = None
) -> HarvestSummary:
    """Fetch and store the page of each trial, each in its own transaction, recorded as one run.

    A trial without a page (404), whose page is not a trial page or is disallowed by robots.txt is skipped with a
    warning; when every page was skipped, the first such error is raised.
    """
    ids = list(nct_ids)
    run_id = store.start_run(PAGE_RUN_KIND, {"ids": ids, "url_template": fetcher.url_template})
    summary = HarvestSummary(run_id=run_id, total=len(ids), skip_reason="without a trial page")
    first_skip: RegistryError | None = None
    with recorded_run(store, summary):
        for nct_id in ids:
            try:
                page = fetcher.fetch(nct_id)
                with store.transaction():
                    _, outcome = store_page(store, page.html, page.url, fetched_at=page.fetched_at,
                                            nct_id=nct_id, run_id=run_id)
            except _SKIPPED as error:
                summary.skipped += 1
                first_skip = first_skip or error
                logger.warning("skipped %s: %s", nct_id, error)
            else:
                summary.stored(nct_id, outcome)
            if progress:
                progress(1, None)
        if first_skip is not None and summary.fetched == 0:
            raise first_skip
    return summary
