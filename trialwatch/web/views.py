"""Jinja filters for the templates: the words of `search.views` plus prose split into paragraphs. No HTML here (the
templates escape everything they print)."""

from __future__ import annotations

import re

from harvester.statuses import status_label
from search.views.words import badge_kind, code_words, date_text, phase_label, place_text

__all__ = ["jinja_filters", "paragraphs"]


def paragraphs(text: str | None) -> list[str]:
    """Record prose as paragraphs: blank lines separate them, other line breaks (hard wraps) become spaces."""
    if not text:
        return []
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def jinja_filters() -> dict[str, object]:
    return {
        "paragraphs": paragraphs,
        "status_label": status_label,
        "badge_kind": badge_kind,
        "phase_label": phase_label,
        "words": code_words,
        "date_text": date_text,
        "place_text": place_text,
    }
