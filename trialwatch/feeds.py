"""Change events as text, JSON, CSV or an Atom feed (RFC 4287, written with the standard library's ElementTree).

Atom ids are ``urn:uuid:`` URIs made with `uuid.uuid5` from a namespace the store keeps (created once at random,
`harvester.history.events.feed_namespace`) and the event's stable key (trial, kind, version or run): the same event
always has the same entry id, however often the feed is written, and two data dirs never collide.

Every word of a change comes from its view (`search.views.change`); this module only lays them out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from harvester.history.events import Event
from harvester.terms import study_url
from search.views.change import ChangeView, event_title, view
from trialwatch import __version__

__all__ = ["ATOM_NS", "CSV_COLUMNS", "SEVERITY_SCHEME", "entry_id", "render_atom", "render_csv", "render_json"]

ATOM_NS = "http://www.w3.org/2005/Atom"
PROJECT_URL = "https://github.com/trialwatch/trialwatch"
#: characters XML 1.0 cannot carry at all
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: the scheme of the Atom category that carries an entry's severity (major, notable, minor)
SEVERITY_SCHEME = PROJECT_URL + "#severity"


def _rfc3339(timestamp: str) -> str:
    when = dt.datetime.fromisoformat(timestamp)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def render_json(views: Sequence[ChangeView]) -> str:
    """The changes as a JSON array of `ChangeView.as_json` objects (as ``/changes.json`` and the webhook)."""
    return json.dumps([change.as_json() for change in views], indent=2, ensure_ascii=False)


CSV_COLUMNS = ("detected_at", "nct_id", "kind", "watch", "title", "url", "trial_title", "details", "key")


def render_csv(events: Sequence[Event]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow([event.detected_at, event.nct_id, event.kind, event.watch or "", event_title(event),
                         study_url(event.nct_id),
                         event.trial_title or "", json.dumps(event.details, ensure_ascii=False, sort_keys=True),
                         event.event_key])
    return buffer.getvalue().rstrip("\n")


def entry_id(namespace: uuid.UUID, event: Event) -> str:
    return f"urn:uuid:{uuid.uuid5(namespace, 'event:' + event.event_key)}"


def render_atom(
    events: Sequence[Event], *, namespace: uuid.UUID, title: str, feed_key: str, self_url: str | None = None,
    alternate_url: str = "https://clinicaltrials.gov/", now: str | None = None,
    view_of: Callable[[Event], ChangeView] = lambda event: view(event, None),
) -> str:
    """A complete Atom feed document, newest entry first. `feed_key` names the selection (watch, kinds).

    Each entry's title is the change's plain-language summary with the trial (`ChangeView.headline`), and its
    categories its shown kind and its severity, all from `view_of` (which knows when the watch began)."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
        if text is not None:
            element.text = _xml_text(text)
        return element

    feed_id = f"urn:uuid:{uuid.uuid5(namespace, 'feed:' + feed_key)}"
    ordered = sorted(events, key=lambda event: (event.detected_at, event.id), reverse=True)
    updated = _rfc3339(ordered[0].detected_at) if ordered else _rfc3339(now or dt.datetime.now(dt.UTC).isoformat())

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    sub(feed, "subtitle", "Changes to clinical trials seen by trialwatch in ClinicalTrials.gov records: new trials,"
                          " recruitment status, eligibility criteria, sponsors, sites, dates and enrolment.")
    sub(feed, "updated", updated)
    author = sub(feed, "author")
    sub(author, "name", "trialwatch")
    sub(author, "uri", PROJECT_URL)
    sub(feed, "link", rel="self", href=self_url or feed_id, type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=alternate_url, type="text/html")
    sub(feed, "generator", "trialwatch", uri=PROJECT_URL, version=__version__)
    for event in ordered:
        change = view_of(event)
        entry = sub(feed, "entry")
        sub(entry, "id", entry_id(namespace, event))
        sub(entry, "title", change.headline)
        sub(entry, "updated", _rfc3339(event.detected_at))
        sub(entry, "published", _rfc3339(event.detected_at))
        sub(entry, "link", rel="alternate", href=change.url, type="text/html")
        sub(entry, "category", term=change.kind, label=change.kind_label)
        sub(entry, "category", term=change.severity, scheme=SEVERITY_SCHEME, label=f"{change.severity} change")
        lines = change.detail_lines()
        sub(entry, "summary", f"{lines[0]}: " + "; ".join(lines[1:4]) if len(lines) > 1 else lines[0], type="text")
        sub(entry, "content", _html(change, lines), type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")


def _html(change: ChangeView, lines: list[str]) -> str:
    """The entry's content as an HTML fragment (it is escaped once more as the element's text)."""
    from html import escape

    head, *rest = lines
    items = "".join(f"<li>{escape(line)}</li>" for line in rest)
    return (f"<p><strong>{escape(head)}</strong></p>" + (f"<ul>{items}</ul>" if items else "")
            + f'<p><a href="{escape(change.url)}">{escape(change.event.nct_id)} on ClinicalTrials.gov</a></p>')
