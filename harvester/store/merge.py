"""One view of a trial from its sources: the registry record is authoritative, a trial page adds what only it shows.

Merging is a pure function of the two parsed sources. Where they overlap, the registry record wins, and the page
keeps only its `PageDetails` (plain-language summary, "current as of", patients applied, sponsor description,
gender, launch date). Where they disagree on status, the merged trial carries a `Finding`; findings are computed
each time the sources are merged, never stored, so they always match the versions in the store (and the change
history can compute them for any past pair of versions with `status_findings`).
"""

from __future__ import annotations

from harvester.models import Finding, Trial

__all__ = ["merge_trial", "status_findings"]


def status_findings(registry: Trial, page: Trial) -> list[Finding]:
    """A finding when the page shows an overall status other than the registry record's."""
    if page.overall_status is None or page.overall_status == registry.overall_status:
        return []
    return [Finding(
        registry_value=registry.overall_status,
        page_value=page.overall_status,
        page_url=page.provenance.source_url,
        page_as_of=page.page.current_as_of if page.page else None,
    )]


def merge_trial(registry: Trial | None, page: Trial | None) -> Trial:
    """The registry record with the page's details and findings; either source alone is the trial as it is."""
    if registry is None:
        if page is None:
            raise ValueError("nothing to merge: neither a registry record nor a trial page")
        return page
    if page is None:
        return registry
    return registry.model_copy(update={"page": page.page, "findings": status_findings(registry, page)})
