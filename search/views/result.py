"""`ResultView`: one search result as the CLI (`trialwatch search`) and the web results page both show it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from index.drug_names import distinct_names
from search.models import SNIPPET_LABELS, SearchRequest, SearchResult, Snippet, StatedLimits
from search.views.words import AGES_NOT_STATED, SEX_NOT_STATED, StatusWords, ages_text, status_words

__all__ = ["FIELD_LABELS", "ResultView", "SnippetView", "eligibility_note", "result_view", "snippet_view"]

#: a snippet's field -> how results name it (criteria say what they mean for a patient)
FIELD_LABELS = {**SNIPPET_LABELS, "drugs": "matched in treatments", "conditions": "matched in conditions",
                "keywords": "matched in keywords", "summary": "matched in the summary", "title": "matched in the title"}


def _plain(word: str) -> str:
    return word


@dataclass(frozen=True)
class SnippetView:
    """Where a result matched, in words, and the piece of text with the spans of the matched words."""

    label: str
    text: str
    highlights: list[tuple[int, int]] = field(default_factory=list)

    def pieces(self) -> list[tuple[str, bool]]:
        """The text cut at its highlights: (piece, matched) pairs covering the text once, in order."""
        pieces, position = [], 0
        for start, end in sorted(self.highlights):
            start = max(start, position)
            if end <= start:
                continue
            if start > position:
                pieces.append((self.text[position:start], False))
            pieces.append((self.text[start:end], True))
            position = end
        if position < len(self.text):
            pieces.append((self.text[position:], False))
        return pieces

    def marked(self, mark: Callable[[str], str] = _plain) -> str:
        return "".join(mark(piece) if matched else piece for piece, matched in self.pieces())


@dataclass(frozen=True)
class ResultView:
    nct_id: str
    title: str
    #: the registry's status code (the badge's), and `status_words` of it
    status: str | None
    status_words: StatusWords
    sponsor: str | None
    last_update: dt.date | None
    #: the trial's treatments as its record names them, each once whatever its case
    treatments: list[str]
    snippets: list[SnippetView]
    #: with a place searched near: ``12 km · Hôpital Edouard Herriot, Lyon, France · recruiting``
    nearest_site: str = ""
    #: when the search asked for an age or a sex the trial states no limit for, or a limit only its criteria say:
    #: ``age limits not stated``, ``ages 18 years and over (read from the criteria)``, ``sex not stated``
    eligibility_note: str = ""
    #: when the record lists no treatments and `treatments` are the drugs its keywords or title name:
    #: ``named in the trial's keywords and title``
    treatments_note: str = ""


def snippet_view(snippet: Snippet) -> SnippetView:
    return SnippetView(FIELD_LABELS.get(snippet.field, snippet.field), snippet.text, list(snippet.highlights))


def eligibility_note(limits: StatedLimits, request: SearchRequest | None) -> str:
    """What a patient searching by age or sex should know of a result's limits; empty when they are stated."""
    if request is None:
        return ""
    notes = []
    if request.age is not None:
        from harvester.models import Age  # only here: the record models cost a cold search more than it takes

        minimum = Age.parse(limits.minimum_age) if limits.minimum_age else None
        maximum = Age.parse(limits.maximum_age) if limits.maximum_age else None
        text = ages_text(minimum, maximum, from_criteria=limits.from_criteria)
        if text == AGES_NOT_STATED or limits.from_criteria:
            notes.append(text)
    if request.sex is not None and limits.sex is None:
        notes.append(SEX_NOT_STATED)
    return "; ".join(notes)


def result_view(result: SearchResult, request: SearchRequest | None = None) -> ResultView:
    """The view of a result; with the `request`, what its age and sex filters could not check."""
    return ResultView(
        nct_id=result.nct_id, title=result.title, status=result.status, status_words=status_words(result.status),
        sponsor=result.sponsor, last_update=result.last_update, treatments=distinct_names(result.drugs),
        # the title is the result's heading already
        snippets=[snippet_view(snippet) for snippet in result.snippets if snippet.field != "title"],
        nearest_site=_nearest_site_text(result),
        eligibility_note=eligibility_note(result.limits, request),
        treatments_note=f"named in the trial's {result.treatments_named_in}" if result.treatments_named_in else "",
    )


def _nearest_site_text(result: SearchResult) -> str:
    site = result.nearest_site
    if site is None:
        return ""
    return " · ".join((site.distance, site.place, status_words(site.status).label))
