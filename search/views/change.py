"""One view model of a change event, rendered by the web pages, the feeds, ``changes`` and the webhook: the event,
its severity and shown kind (`harvester.history.meaning`), and every word said about it.

The harvester keeps events as data (`harvester.history.events.Event`); all their words are here:

- `summary`: the one plain line ("Recruitment opened", "3 sites added in France"), the web page's and the feeds';
- `event_title`: the terse one-liner of the JSON and CSV (``NCT06714279 status: not yet recruiting -> recruiting``);
- `event_lines`: the trial, then what changed, one line each (``changes`` and the Atom entry's summary and content);
- `ChangeView.old_new`: the values that moved, labelled (the web page);
- `ChangeView.as_json`: the JSON object of a change, the same in ``changes --format json``, ``/changes.json`` and
  the webhook's payload (`change_json` makes the renderer `harvester.history.webhook` is given).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from harvester.history.events import Event, query_events
from harvester.history.meaning import FIRST_SEEN, recruitment_move, severity, shown_kind
from harvester.statuses import status_label
from harvester.store.store import Store
from harvester.terms import study_url

__all__ = [
    "DATE_LABELS",
    "KIND_LABELS",
    "ChangeView",
    "OldNew",
    "change_json",
    "enrollment_text",
    "event_json",
    "event_lines",
    "event_title",
    "group_by_trial",
    "select_changes",
    "summary",
    "view",
    "views_of",
    "watch_began",
]

KIND_LABELS = {
    "new": "new trial", FIRST_SEEN: "first seen", "status": "recruitment status", "criteria": "eligibility criteria",
    "sponsor": "sponsor", "sites": "sites", "dates": "dates", "enrollment": "enrolment", "dropped": "no longer matched",
}
#: the labels of the dates a ``dates`` event reports (`harvester.history.diff.DATE_FIELDS`)
DATE_LABELS = {"start_date": "Start", "primary_completion_date": "Primary completion", "completion_date": "Completion"}


def enrollment_text(count: object, kind: object) -> str:
    """``150 (estimated)``: an enrolment figure with the registry's type (ESTIMATED is the target, ACTUAL the count)."""
    return f"{count} ({str(kind).lower()})" if kind else str(count)


def _pair_text(pair: dict[str, Any]) -> str:
    return f"{pair.get('old') or '-'} -> {pair.get('new') or '-'}"


def _collaborators_line(collaborators: dict[str, list[str]]) -> str:
    parts = [f"+{name}" for name in collaborators.get("added", [])]
    parts += [f"-{name}" for name in collaborators.get("removed", [])]
    return "collaborators: " + ", ".join(parts)


def event_title(event: Event) -> str:
    """One terse line, e.g. ``NCT06714279 status: not yet recruiting -> recruiting`` (the JSON's and CSV's title)."""
    d = event.details
    what = {
        "new": lambda: (f"matched again by watch {event.watch}" if d.get("rejoined")
                        else f"new trial ({status_label((d.get('trial') or {}).get('status'))})"),
        "status": lambda: f"status: {status_label(d.get('old'))} -> {status_label(d.get('new'))}",
        "criteria": lambda: "eligibility criteria changed: " + ", ".join(
            [f"{len(d.get('added', []))} added", f"{len(d.get('removed', []))} removed"]
            + (["age/sex limits changed"] if d.get("limits") else [])),
        "sponsor": lambda: "; ".join(filter(None, [
            f"sponsor: {_pair_text(d['lead_sponsor'])}" if "lead_sponsor" in d else None,
            _collaborators_line(d["collaborators"]) if "collaborators" in d else None])),
        "sites": lambda: "sites: " + ", ".join([
            f"{len(d.get('added', []))} added", f"{len(d.get('removed', []))} removed",
            f"{len(d.get('status_changed', []))} changed recruitment status"]),
        "dates": lambda: "dates moved: " + ", ".join(
            f"{DATE_LABELS.get(name, name).lower()} {_pair_text(pair)}" for name, pair in d.items()
            if name in DATE_LABELS),
        "enrollment": lambda: f"enrolment: {d.get('old')} -> {d.get('new')}",
        "dropped": lambda: f"no longer matched by watch {event.watch}",
    }.get(event.kind, lambda: event.kind)()
    return f"{event.nct_id} {what}"


def event_lines(event: Event) -> list[str]:
    """The event in a few plain-text lines: the trial, then what changed (criteria added and removed in full)."""
    d = event.details
    trial = d.get("trial") or {}
    lines = [event.trial_title or event.nct_id]
    if event.kind == "new" and not d.get("rejoined"):
        lines += [f"Status: {status_label(trial.get('status'))}"]
        lines += [f"{label}: {d[key]}" for key, label in (("sponsor", "Sponsor"), ("first_posted", "First posted"),
                                                           ("start", "Start")) if d.get(key)]
    elif event.kind == "status":
        lines.append(f"Overall status: {status_label(d.get('old'))} -> {status_label(d.get('new'))}")
        for key, label in (("status_verified", "Status verified"), ("last_update_posted", "Last update posted")):
            lines.append(f"{label}: {_pair_text(d.get(key) or {})}")
        if d.get("why_stopped"):
            lines.append(f"Why stopped: {d['why_stopped']}")
    elif event.kind == "criteria":
        lines += [f"+ [{item['list']}] {item['text']}" for item in d.get("added", [])]
        lines += [f"- [{item['list']}] {item['text']}" for item in d.get("removed", [])]
        lines += [f"{name.replace('_', ' ')}: {_pair_text(pair)}"
                  for name, pair in (d.get("limits") or {}).items()]
    elif event.kind == "sponsor":
        if "lead_sponsor" in d:
            lines.append(f"Lead sponsor: {_pair_text(d['lead_sponsor'])}")
        collaborators = d.get("collaborators") or {}
        lines += [f"+ collaborator {name}" for name in collaborators.get("added", [])]
        lines += [f"- collaborator {name}" for name in collaborators.get("removed", [])]
    elif event.kind == "sites":
        lines += [f"+ {item['site']} ({status_label(item['status'])})" for item in d.get("added", [])]
        lines += [f"- {item['site']}" for item in d.get("removed", [])]
        lines += [f"~ {item['site']}: {status_label(item['old'])} -> {status_label(item['new'])}"
                  for item in d.get("status_changed", [])]
    elif event.kind == "dates":
        lines += [f"{DATE_LABELS[name]}: {_pair_text(pair)}" for name, pair in d.items() if name in DATE_LABELS]
    elif event.kind == "enrollment":
        lines.append(f"Enrolment: {enrollment_text(d.get('old'), d.get('old_type'))}"
                     f" -> {enrollment_text(d.get('new'), d.get('new_type'))}")
    elif event.kind == "dropped":
        lines.append(f"A complete listing of watch {event.watch} no longer returned this trial.")
        in_registry = d.get("in_registry")
        if in_registry is True:
            lines.append("The registry still has the study; it no longer matches the watch's query.")
        elif in_registry is False:
            lines.append("The registry no longer has the study (not found).")
    elif event.kind == "new":
        lines.append(f"Watch {event.watch} matches this trial again.")
    if trial.get("status") and event.kind not in ("status", "new"):
        lines.append(f"Status: {status_label(trial['status'])}")
    if trial.get("last_update_posted") and event.kind != "status":
        lines.append(f"Last update posted: {trial['last_update_posted']}")
    return lines


def event_json(event: Event) -> dict[str, Any]:
    """The stored event with its terse title and the registry link (the first keys of `ChangeView.as_json`)."""
    return {"id": event.id, "key": event.event_key, "nct_id": event.nct_id, "kind": event.kind,
            "watch": event.watch, "detected_at": event.detected_at, "title": event_title(event),
            "url": study_url(event.nct_id), "details": event.details, "old_version_id": event.old_version_id,
            "new_version_id": event.new_version_id}


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
    def title(self) -> str:
        """`event_title`: the terse one-liner of the JSON and CSV."""
        return event_title(self.event)

    @property
    def url(self) -> str:
        """The trial's page on the registry."""
        return study_url(self.event.nct_id)

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
        return event_lines(self.event)

    def as_json(self) -> dict[str, Any]:
        """The JSON object of a change (``changes --format json``, ``/changes.json``, the webhook's payload):
        `event_json` with severity, shown kind and summary added."""
        return {**event_json(self.event), "severity": self.severity, "shown_kind": self.kind, "summary": self.summary}


def view(event: Event, watch_began: str | None) -> ChangeView:
    kind = shown_kind(event, watch_began)
    return ChangeView(event, kind, "minor" if kind == FIRST_SEEN else severity(event), summary(event, kind))


def change_json(watch_began: str | None) -> Callable[[Event], dict[str, Any]]:
    """The renderer of an event's JSON object for changes seen since `watch_began` (`watch_began`): what the
    webhook posts, word for word what ``changes --format json`` and ``/changes.json`` say of the same event."""
    return lambda event: view(event, watch_began).as_json()


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
