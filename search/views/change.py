"""One view model of a change event, rendered by the web pages, the feeds by URL and the webhook: the event, its
severity and shown kind (`harvester.history.meaning`), and its one-line plain-language summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harvester.history.events import DATE_LABELS, Event, enrollment_text, query_events
from harvester.history.meaning import FIRST_SEEN, recruitment_move, severity, shown_kind
from harvester.statuses import status_label
from harvester.store.store import Store

KIND_LABELS = {
    "new": "new trial", FIRST_SEEN: "first seen", "status": "recruitment status", "criteria": "eligibility criteria",
    "sponsor": "sponsor", "sites": "sites", "dates": "dates", "enrollment": "enrolment", "dropped": "no longer matched",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _sites_summary(verb: str, items: list[dict[str, Any]]) -> str:
    countries = Counter(str(item.get("site", "")).rsplit(", ", 1)[-1] for item in items)
    if len(countries) == 1:
        return f"{_plural(len(items), 'site')} {verb} in {next(iter(countries))}"
    return f"{_plural(len(items), 'site')} {verb} in {_plural(len(countries), 'country')}".replace("countrys",
                                                                                                 "countries")


def summary(event: Event, kind: str) -> str:
    """One plain line: "Recruitment opened", "3 sites added in France", "2 eligibility criteria added"."""
    d = event.details
    if kind == FIRST_SEEN:
        return f"First seen ({status_label((d.get('trial') or {}).get('status')).lower()})"
    if kind == "new":
        if d.get("rejoined"):
            return f"Matched again by watch {event.watch}"
        return f"New trial, first posted {d.get('first_posted')}"
    if kind == "status":
        move = recruitment_move(d.get("old"), d.get("new"))
        if move in ("opened", "closed"):
            return f"Recruitment {move}"
        if move:
            return f"Trial {move}" + (f": {d['why_stopped']}" if d.get("why_stopped") else "")
        return f"Status changed to {status_label(d.get('new')).lower()}"
    if kind == "criteria":
        parts = [f"{_plural(len(d[key]), 'criterion')} {key}".replace("criterions", "criteria")
                 for key in ("added", "removed") if d.get(key)]
        if d.get("limits"):
            parts.append("age or sex limits changed")
        return "Eligibility: " + ", ".join(parts) if parts else "Eligibility criteria edited"
    if kind == "sites":
        parts = [_sites_summary(verb, d[key]) for key, verb in (("added", "added"), ("removed", "removed"),
                                                                 ("status_changed", "changed status")) if d.get(key)]
        text = "; ".join(parts)
        return text[:1].upper() + text[1:]
    if kind == "sponsor":
        if "lead_sponsor" in d:
            return f"Lead sponsor now {(d['lead_sponsor'] or {}).get('new') or 'not given'}"
        return "Collaborators changed"
    if kind == "dates":
        moves = [f"{DATE_LABELS[name].lower()} moved from {pair.get('old')} to {pair.get('new')}"
                 for name, pair in d.items() if name in DATE_LABELS]
        text = "; ".join(moves)
        return text[:1].upper() + text[1:]
    if kind == "enrollment":
        if d.get("new_type") == "ACTUAL" and d.get("old_type") != "ACTUAL":
            return f"Actual enrolment {d.get('new')} (target was {d.get('old')})"
        noun = "Actual enrolment" if d.get("new_type") == "ACTUAL" else "Enrolment target"
        return f"{noun} changed from {d.get('old')} to {d.get('new')}"
    if kind == "dropped":
        return f"No longer matched by watch {event.watch}"
    return kind


@dataclass(frozen=True)
class OldNew:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ChangeView:
    event: Event
    kind: str
    severity: str
    summary: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def headline(self) -> str:
        """The summary with the trial it is about, e.g. ``Recruitment opened: Belimumab in Lupus (NCT06714279)``:
        the title of the change's Atom entry."""
        title = self.event.trial_title
        return f"{self.summary}: {title} ({self.event.nct_id})" if title else f"{self.summary} ({self.event.nct_id})"

    @property
    def trial(self) -> dict[str, Any]:
        return self.event.details.get("trial") or {}

    def old_new(self) -> list[OldNew]:
        """The values that moved, old -> new."""
        d = self.event.details
        pairs: list[OldNew] = []
        if self.event.kind == "status":
            pairs.append(OldNew("Status", status_label(d.get("old")), status_label(d.get("new"))))
            for key, label in (("status_verified", "Status verified"), ("last_update_posted", "Last update posted")):
                pair = d.get(key) or {}
                pairs.append(OldNew(label, pair.get("old") or "-", pair.get("new") or "-"))
        elif self.event.kind == "sponsor" and "lead_sponsor" in d:
            lead = d["lead_sponsor"] or {}
            pairs.append(OldNew("Lead sponsor", lead.get("old") or "-", lead.get("new") or "-"))
        elif self.event.kind == "sites":
            pairs += [OldNew(item["site"], status_label(item["old"]), status_label(item["new"]))
                      for item in d.get("status_changed", [])]
        elif self.event.kind == "dates":
            pairs += [OldNew(DATE_LABELS[name], str(pair.get("old") or "-"), str(pair.get("new") or "-"))
                      for name, pair in d.items() if name in DATE_LABELS]
        elif self.event.kind == "enrollment":
            pairs.append(OldNew("Enrolment", enrollment_text(d.get("old"), d.get("old_type")),
                                enrollment_text(d.get("new"), d.get("new_type"))))
        elif self.event.kind == "criteria":
            pairs += [OldNew(name.replace("_", " ").capitalize(), str(pair.get("old") or "-"),
                             str(pair.get("new") or "-")) for name, pair in (d.get("limits") or {}).items()]
        return pairs

    @property
    def when(self) -> str:
        """When the change was detected, to the minute: ``2025-03-07 02:10``."""
        return self.event.detected_at[:16].replace("T", " ")

    def detail_lines(self) -> list[str]:
        """The trial's title, then what changed, one plain line each (criteria added and removed in full)."""
        return self.event.summary_lines()

    def as_json(self) -> dict[str, Any]:
        """`Event.as_json` (the schema of `changes --format json`) with severity, shown kind and summary added."""
        return {**self.event.as_json(), "severity": self.severity, "shown_kind": self.kind, "summary": self.summary}


def view(event: Event, watch_began: str | None) -> ChangeView:
    kind = shown_kind(event, watch_began)
    return ChangeView(event, kind, "minor" if kind == FIRST_SEEN else severity(event), summary(event, kind))


def watch_began(store: Store, watch: Any = None) -> str | None:
    """When `watch` began, or without one when the data dir's first watch began (None: no watch yet)."""
    from harvester.history.watches import Watches

    if watch is not None:
        return str(watch.created_at)
    return min((w.created_at for w in Watches(store).all()), default=None)


def views_of(store: Store, events: Sequence[Event], watch: Any = None) -> list[ChangeView]:
    """The view of each event, in the order given."""
    began = watch_began(store, watch)
    return [view(event, began) for event in events]


def select_changes(store: Store, *, since: str | None, watch: Any = None, kinds: Sequence[str] = (),
                   severities: Sequence[str] = (), limit: int | None = None) -> list[ChangeView]:
    """The changes asked for, newest first. First-seen trials only when `kinds` names ``first_seen``.

    A ``new`` event is first seen when its trial was posted before the watch asked for began (without a watch:
    before the first watch of the data dir began)."""
    began = watch_began(store, watch)
    stored_kinds = sorted({"new" if kind == FIRST_SEEN else kind for kind in kinds})
    views = [view(event, began) for event in
             query_events(store, since=since, watch=watch, kinds=stored_kinds, newest_first=True)]
    wanted = set(kinds) if kinds else set(KIND_LABELS) - {FIRST_SEEN}
    chosen = [v for v in views if v.kind in wanted and (not severities or v.severity in severities)]
    return chosen[:limit] if limit is not None else chosen


def group_by_trial(views: Sequence[ChangeView]) -> list[tuple[str, list[ChangeView]]]:
    """Views grouped by trial, trials in order of their newest change."""
    groups: dict[str, list[ChangeView]] = {}
    for item in views:
        groups.setdefault(item.event.nct_id, []).append(item)
    return list(groups.items())
