"""The changes page and its feeds: filters read from the query string, and conditional GET for feed readers."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from harvester.errors import UsageError
from harvester.history.meaning import FIRST_SEEN, SEVERITIES
from harvester.terms import EVENT_KINDS

__all__ = ["DEFAULT_SINCE", "SHOWN_KINDS", "ChangeFilters", "not_modified", "validators"]

SHOWN_KINDS = (*EVENT_KINDS, FIRST_SEEN)
DEFAULT_SINCE = "7d"


@dataclass(frozen=True)
class ChangeFilters:
    since: str = DEFAULT_SINCE
    watch: str | None = None
    kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_query(cls, params: Any) -> ChangeFilters:
        def many(name: str, allowed: Sequence[str]) -> tuple[str, ...]:
            values = [part.strip().lower() for value in params.getlist(name) for part in value.split(",")
                      if part.strip()]
            unknown = [value for value in values if value not in allowed]
            if unknown:
                raise UsageError(f"unknown {name} {', '.join(unknown)!r}", hint=f"choose from {', '.join(allowed)}")
            return tuple(dict.fromkeys(values))

        watch = (params.get("watch") or "").strip() or None
        return cls(since=(params.get("since") or "").strip() or DEFAULT_SINCE, watch=watch,
                   kinds=many("kind", SHOWN_KINDS), severities=many("severity", SEVERITIES))

    def query(self, **changes: Any) -> str:
        """This selection as a query string, with some filters replaced (None drops one)."""
        values: dict[str, Any] = {"since": self.since, "watch": self.watch, "kind": ",".join(self.kinds) or None,
                                  "severity": ",".join(self.severities) or None, **changes}
        if values["since"] == DEFAULT_SINCE:
            values["since"] = None
        pairs = {key: value for key, value in values.items() if value}
        return "?" + urlencode(pairs) if pairs else ""

    @property
    def feed_key(self) -> str:
        """The Atom feed id's key, as the CLI makes it for the same watch and kinds."""
        return f"{self.watch or ''}|{','.join(sorted(self.kinds))}"


def validators(body: bytes, newest: str | None) -> dict[str, str]:
    """ETag from the body; Last-Modified from the newest change shown (absent when there is none)."""
    headers = {"etag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"'}
    if newest:
        when = dt.datetime.fromisoformat(newest)
        headers["last-modified"] = email.utils.format_datetime(when.astimezone(dt.UTC), usegmt=True)
    return headers


def not_modified(request_headers: Mapping[str, str], headers: Mapping[str, str]) -> bool:
    """RFC 9110: If-None-Match decides when present; else If-Modified-Since at or after Last-Modified."""
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or headers["etag"] in tags
    since, modified = request_headers.get("if-modified-since"), headers.get("last-modified")
    if not since or not modified:
        return False
    try:
        return email.utils.parsedate_to_datetime(since) >= email.utils.parsedate_to_datetime(modified)
    except (TypeError, ValueError):
        return False
