"""The registry's overall statuses and how users spell them: no pydantic, so fast-starting commands can use them."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "OPEN",
    "OPEN_STATUSES",
    "STATUS_OPTIONS",
    "OverallStatus",
    "status_from_option",
    "status_label",
    "status_option",
]


class OverallStatus(StrEnum):
    """Every `overallStatus` value of API v2 (spec 2.0.3, `Status` enum)."""

    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING"
    COMPLETED = "COMPLETED"
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION"
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING"
    RECRUITING = "RECRUITING"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"
    WITHDRAWN = "WITHDRAWN"
    AVAILABLE = "AVAILABLE"
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE"
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE"
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING"
    WITHHELD = "WITHHELD"
    UNKNOWN = "UNKNOWN"


#: statuses in which a patient can still join (a trial's overall status, or a site's recruitment status)
OPEN_STATUSES = frozenset(
    {OverallStatus.RECRUITING, OverallStatus.NOT_YET_RECRUITING, OverallStatus.ENROLLING_BY_INVITATION}
)
#: the one word for "any of `OPEN_STATUSES`": a status filter's value, the web form's default, the index's term
OPEN = "open"


def status_label(status: str | None) -> str:
    """``NOT_YET_RECRUITING`` -> ``not yet recruiting``."""
    return (status or "unknown").replace("_", " ").lower()


def status_option(status: str) -> str:
    """``NOT_YET_RECRUITING`` -> ``not-yet-recruiting``, as command-line options and URLs spell it."""
    return status.lower().replace("_", "-")


def status_from_option(option: str) -> OverallStatus:
    """``not-yet-recruiting`` -> ``NOT_YET_RECRUITING``."""
    return OverallStatus(option.strip().upper().replace("-", "_"))


#: every status, spelled as an option
STATUS_OPTIONS = [status_option(status) for status in OverallStatus]
