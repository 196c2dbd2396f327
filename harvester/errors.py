"""The one exception tree of trialwatch.

Library code raises these; only the CLI turns them into messages and exit codes (`UsageError`: 2, the rest: 1;
`refresh` exits 75, try again later, for a ``transient`` one). Foreign errors (httpx, sqlite3, whoosh) are
translated at the edge with ``raise ... from``. Every error class of every package is defined here, so this is the
whole tree (tests/test_errors.py imports every module and checks the drawing against the classes it finds)::

    TrialwatchError
    ├── UsageError
    │   ├── InvalidNctId
    │   ├── QuerySyntaxError
    │   ├── UnknownPlace
    │   └── BadParameter
    ├── RegistryError
    │   ├── RegistryUnavailable      transient
    │   │   └── RateLimited          transient
    │   ├── BadRequest
    │   ├── StudyNotFound
    │   ├── BadResponse              transient
    │   ├── NotATrialPage
    │   └── FetchDisallowed
    ├── StoreError
    │   ├── StoreDamaged
    │   ├── ReadOnlyDataDir
    │   └── NotInStore
    ├── LockedError                  transient
    │   └── RefreshLocked            transient
    ├── SearchIndexError
    │   └── IndexDamaged
    └── InvalidRecord
"""

from __future__ import annotations

__all__ = [
    "BadParameter",
    "BadRequest",
    "BadResponse",
    "FetchDisallowed",
    "IndexDamaged",
    "InvalidNctId",
    "InvalidRecord",
    "LockedError",
    "NotATrialPage",
    "NotInStore",
    "QuerySyntaxError",
    "RateLimited",
    "ReadOnlyDataDir",
    "RefreshLocked",
    "RegistryError",
    "RegistryUnavailable",
    "SearchIndexError",
    "StoreDamaged",
    "StoreError",
    "StudyNotFound",
    "TrialwatchError",
    "UnknownPlace",
    "UsageError",
    "data_dir_error",
]


class TrialwatchError(Exception):
    """Base class for every error trialwatch raises on purpose."""

    #: a short hint on how to fix the problem, shown after the message
    hint: str | None = None
    #: whether the fault may pass by itself (a cron job should try again later: exit 75)
    transient: bool = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class UsageError(TrialwatchError):
    """The caller asked for something malformed (bad id, bad option value, bad query)."""


class InvalidNctId(UsageError):
    """A string that is not a ClinicalTrials.gov NCT number."""


class QuerySyntaxError(UsageError):
    """A search query that cannot be parsed."""


class UnknownPlace(UsageError):
    """A place name the gazetteer (`search.places`) does not know; `suggestions` holds close names (possibly none)."""

    def __init__(self, name: str, suggestions: tuple[str, ...]) -> None:
        hint = "did you mean " + " or ".join(suggestions) + "?" if suggestions else "give a city or a country"
        super().__init__(f"unknown place {name!r}", hint=hint)
        self.name = name
        self.suggestions = suggestions


class BadParameter(UsageError):
    """A web search form value the app cannot use (`trialwatch.web.forms`); shown on a 400 page."""


class RegistryError(TrialwatchError):
    """The registry (or a trial page site) could not give a usable answer."""


class RegistryUnavailable(RegistryError):
    """Connection errors, timeouts and 5xx answers that persisted through every retry."""

    transient = True

    hint = "check your network or --api-url, then try again later"


class RateLimited(RegistryUnavailable):
    """The registry kept answering 429 Too Many Requests."""

    hint = "slow down with --min-interval or try again later"


class BadRequest(RegistryError):
    """A 400 answer: the registry rejected the query; its plain-text reason is the message."""


class StudyNotFound(RegistryError):
    """The registry answered 404 for an NCT id."""


class BadResponse(RegistryError):
    """An answer that is not what the API promises (not JSON, wrong shape, endless paging) even after retries."""

    transient = True


class NotATrialPage(RegistryError):
    """A fetched web page that does not describe a trial."""


class FetchDisallowed(RegistryError):
    """A site's robots.txt does not allow trialwatch to fetch a page; nothing was fetched."""

    hint = "the site asks robots not to fetch it; respect that or use another --url-template"


class StoreError(TrialwatchError):
    """The local store cannot be read or written."""


class StoreDamaged(StoreError):
    """The store's file is damaged (a malformed page, a stored version that does not decompress)."""


class ReadOnlyDataDir(StoreError):
    """A write was needed in a data dir that cannot be written (a read-only mount, a shared or backed-up copy)."""

    hint = "search, show, changes and serve read it as it is; to harvest, refresh or index, use a writable copy"


def data_dir_error(path: object, error: OSError, what: str) -> TrialwatchError:
    """A file-system error met under a data dir, as one line: `ReadOnlyDataDir` when writing is not allowed."""
    import errno

    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ReadOnlyDataDir(f"cannot write {path}: {error.strerror} ({what} needs to write it)")
    if error.errno in (errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
        return StoreError(f"cannot use {path}: a file stands where trialwatch keeps a directory, or the other way"
                          " round", hint="the data dir holds only what trialwatch puts there; move the other away")
    return StoreError(f"cannot use {path}: {error.strerror}",
                      hint="the data dir holds only what trialwatch puts there; move what else is there away")


class NotInStore(StoreError):
    """A trial that has never been harvested into this data dir."""


class LockedError(TrialwatchError):
    """Another trialwatch process holds the lock on the store or index."""

    hint = "another trialwatch run is in progress; wait for it to finish"
    transient = True


class SearchIndexError(TrialwatchError):
    """The search index is missing, corrupt or cannot be written."""


class IndexDamaged(SearchIndexError):
    """The live index cannot be read as it was written (a truncated or missing segment): rebuild it from the store."""

    hint = "trialwatch index rebuilds it from the store"


class InvalidRecord(TrialwatchError):
    """A registry record that cannot be read as a trial (for example, one without an NCT id)."""


class RefreshLocked(LockedError):
    """Another `trialwatch refresh` holds the data dir's refresh lock."""

    hint = "wait for it to finish; cron will try again"
