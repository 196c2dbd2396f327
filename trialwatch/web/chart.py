"""A picture of a watch: its trials by status over time (from stored versions) and by country, as numbers the
template draws as inline SVG bars (no JavaScript) and repeats as a text table for screen readers."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from harvester.errors import TrialwatchError
from harvester.history.watches import Watch, Watches
from harvester.store.store import Store
from harvester.store.trials import trial_from_version
from search.views.words import badge_kind

__all__ = ["FAMILIES", "MAX_MONTHS", "Bar", "WatchChart", "watch_chart"]

logger = logging.getLogger(__name__)

#: status families in the order bars stack, with words for the legend and table
FAMILIES = (("open", "Open"), ("soon", "Not yet open"), ("active", "Active, not recruiting"), ("paused", "Paused"),
            ("stopped", "Stopped"), ("done", "Completed"), ("unknown", "Unknown"))
MAX_MONTHS = 24


def _family(status: str | None) -> str:
    """The chart's family of a status: its badge's, with by-invitation counted as open."""
    kind = badge_kind(status)
    return "open" if kind == "invitation" else kind


@dataclass(frozen=True)
class Bar:
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class WatchChart:
    months: list[Bar]
    countries: list[tuple[str, int]]
    families: tuple[tuple[str, str], ...] = FAMILIES

    @property
    def largest(self) -> int:
        return max([bar.total for bar in self.months] + [1])

    @property
    def largest_country(self) -> int:
        return max([count for _, count in self.countries] + [1])


def watch_chart(store: Store, watch: Watch) -> WatchChart:
    """Per month a version was stored in, how many of the watch's trials had each status family then (a trial
    counts from its first stored version on, at the status of its latest version up to that month); and how many
    trials list a site in each country (latest versions)."""
    timelines: dict[str, list[tuple[str, str]]] = {}
    countries: Counter[str] = Counter()
    for nct_id in sorted(Watches(store).members(watch, include_dropped=True)):
        latest = None
        for version in store.versions(nct_id, source="api"):
            try:
                trial = trial_from_version(version)
            except (TrialwatchError, ValueError) as error:
                logger.warning("chart of %s: version %s skipped: %s", watch.name, version.id, error)
                continue
            timelines.setdefault(nct_id, []).append((version.fetched_at[:7], _family(trial.overall_status)))
            latest = trial
        if latest is not None:
            countries.update({location.country for location in latest.locations if location.country})
    months = sorted({month for timeline in timelines.values() for month, _ in timeline})[-MAX_MONTHS:]
    bars = []
    for month in months:
        counts: Counter[str] = Counter()
        for timeline in timelines.values():
            seen = [family for when, family in timeline if when <= month]
            if seen:
                counts[seen[-1]] += 1
        bars.append(Bar(month, dict(counts)))
    return WatchChart(bars, sorted(countries.items(), key=lambda item: (-item[1], item[0]))[:15])
