"""The domain's words, each defined once and without pydantic, so fast-starting commands can import them.

- `Source`: where a stored version came from (``api``, the registry; ``page``, a patient-facing trial page).
- `Outcome`: what storing one record did.
- `RunCounts`: the counters every run keeps (a harvest, an import, a watch's refresh, the snapshot load); they
  are the ``runs`` table's counter columns (`harvester.store.schema`).
- `ChangeKind`, `EventKind`, `EVENT_KINDS`: what a change event says changed (`harvester.history.events`).
- `NctId`: a trial's id in its one canonical form (``NCT`` and 8 digits), made only by `normalize_nct_id` where an
  id comes in (the command line, a URL, a registry record, a trial page); inside, functions take an `NctId` and
  trust it. `study_url`: the registry's page of a trial.

The registry's statuses, and the "open" statuses, are `harvester.statuses`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Literal, NewType, get_args

from harvester.errors import InvalidNctId

__all__ = [
    "EVENT_KINDS",
    "NCT_ID_PATTERN",
    "RUN_COUNTERS",
    "ChangeKind",
    "EventKind",
    "NctId",
    "Outcome",
    "RunCounts",
    "Source",
    "normalize_nct_id",
    "study_url",
]

NctId = NewType("NctId", str)
NCT_ID_PATTERN = re.compile(r"^[Nn][Cc][Tt](\d{8})$")


def normalize_nct_id(value: str) -> NctId:
    """The canonical ``NCT########`` form of an NCT id (any case, spaces around), or raise `InvalidNctId`."""
    match = NCT_ID_PATTERN.match(value.strip())
    if not match:
        raise InvalidNctId(
            f"not an NCT id: {value!r}",
            hint="an NCT id is 'NCT' followed by 8 digits, e.g. NCT06965244",
        )
    return NctId("NCT" + match.group(1))


def study_url(nct_id: str) -> str:
    """The registry's public page of a study."""
    return f"https://clinicaltrials.gov/study/{nct_id}"


Source = Literal["api", "page"]
Outcome = Literal["new", "changed", "unchanged"]

#: what a diff of two versions of a trial finds (`harvester.history.diff`), and the first version's ``new``
ChangeKind = Literal["new", "status", "criteria", "sponsor", "sites", "dates", "enrollment"]
#: a change event's kind: a trial's change, or ``dropped`` (a watch no longer matches the trial)
EventKind = Literal[ChangeKind, "dropped"]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)


@dataclass(kw_only=True)
class RunCounts:
    """How many records a run fetched, and what storing each did (or that it was skipped)."""

    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0

    def count(self, outcome: Outcome) -> None:
        """One more record fetched and stored, with this outcome."""
        self.fetched += 1
        if outcome == "new":
            self.new += 1
        elif outcome == "changed":
            self.changed += 1
        else:
            self.unchanged += 1

    def add(self, other: RunCounts) -> None:
        """Add another run's (or part of a run's) counts to these."""
        self.fetched += other.fetched
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.skipped += other.skipped

    def counters(self) -> dict[str, int]:
        """The counters by ``runs`` column name, for `Store.update_run` (a subclass's other fields left out)."""
        return {name: getattr(self, name) for name in RUN_COUNTERS}


#: the counter columns of a run, in order
RUN_COUNTERS = tuple(field.name for field in fields(RunCounts))
