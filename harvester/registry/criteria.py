"""Split eligibility text into ordered inclusion and exclusion criteria, keeping sub-bullets under their parent.

Pure functions, no I/O. Two inputs are understood:

* `parse_criteria`: the registry's eligibility text (ClinicalTrials.gov API v2 serves Markdown: ``* `` bullets,
  ``1. `` numbers, nesting by indentation, backslash escapes such as ``\\>=``);
* `parse_criteria_items`: the flat list of ``<li>`` texts of a trial web page, where nesting is lost and only
  numbering tells a top-level item from a sub-item.

Decisions (each one keeps every word of the text in exactly one criterion; see `source_words`):

* Headings. ``Inclusion Criteria:``, ``Key Inclusion Criteria``, ``INCLUSION CRITERIA``, ``Inclusion``,
  ``**Exclusion criteria**``, ``## Exclusion Criteria:``, ``* Inclusion Criteria:`` ... open the inclusion or
  exclusion list and are dropped. ``Exclusion Criteria: text`` on one line opens the list and keeps ``text``.
  ``Eligibility criteria:``, ``Criteria:`` and ``Inclusion/Exclusion Criteria:`` are generic headings: dropped,
  and what follows them is "unlabelled". A qualified heading such as ``Inclusion criteria for Part A:`` opens
  the list *and* is kept as a criterion, parent of the items below it, since its words say something.
* Unlabelled text (no heading above it, or a generic one). If the document has no inclusion heading anywhere,
  unlabelled text is inclusion: an untitled eligibility list (``Eligibility criteria:`` followed by
  ``Exclusion criteria:``, or the old PDQ "DISEASE CHARACTERISTICS: / PATIENT CHARACTERISTICS:" layout) lists
  conditions a participant must meet. If the document does have an inclusion heading, unlabelled text is a
  preamble and goes to `Criteria.other`.
* Sub-headings. An unmarked, unindented paragraph ending in ``:`` (``For adolescent participants:``,
  ``DISEASE CHARACTERISTICS:``, ``Two of the following ...:``) becomes a criterion of the list it is in and the
  parent of the items that follow it, up to the next paragraph or heading. Any other unmarked paragraph is a
  criterion of its own, except a note: a paragraph starting with "Note" or speaking about the criteria
  themselves (``Subjects who meet each of the following inclusion criteria ...:``) goes to `Criteria.other`.
* Nesting. A more indented item is a child of the item above it. At equal indentation an item of another kind
  (number, letter, roman numeral, bullet) is a child of the item above it unless it continues an open list of
  its own kind, so ``1. / a. / b. / 2.`` without indentation still nests.
* Continuations. An unmarked line right after a line of text continues that text (unless it is unindented and
  ends in ``:``, which makes it a sub-heading); an indented unmarked line after a blank line is a further
  paragraph of the item it is indented under. Lines of one criterion are joined with a space.
* Markers. ``*``, ``-``, ``•`` ... bullets, ``1.``, ``1)``, ``(1)``, ``1.2.``, ``a)``, ``(b)``, ``iv.`` are
  dropped, several in a row too (``* a) Cohort 1`` -> ``Cohort 1``); a marker needs a space after it except a
  number glued to a word (``1.Age``). A line that is only a marker is a blank line.
* Escapes. Markdown backslash escapes are removed from criterion text (``\\>=`` -> ``>=``); list markers and
  headings are recognised before unescaping, so an escaped ``\\*`` is text, not a bullet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from harvester.models import Criteria, Criterion

__all__ = ["criteria_words", "parse_criteria", "parse_criteria_items", "source_words"]

Label = Literal["inclusion", "exclusion"] | None  # None: unlabelled (no heading yet, or a generic heading)

# --- the vocabulary: what a list marker is, what a heading is -------------------------------------------------

_BULLET = r"[*+\-•·◦▪▫‣⁃●○■□➢►–—]"
_NUMBER = r"\d{1,3}(?:\.\d{1,3})*[.)、]|\(\d{1,3}\)"
_ROMAN = r"(?:[ivx]{1,5}|[IVX]{1,5})[.)]|\((?:[ivx]{1,5}|[IVX]{1,5})\)"
_LETTER = r"[A-Za-z][.)]|\([A-Za-z]\)"
_MARKER = re.compile(rf"{_BULLET}|{_NUMBER}|{_ROMAN}|{_LETTER}")
# "1.Age 18-70": a number glued to its text, common in records typed without a space
_GLUED_NUMBER = re.compile(r"\d{1,3}[.)、](?=[^\W\d_])")
# a list marker at the start of text: followed by whitespace or the end, or a glued number
_LEADING_MARKER = re.compile(rf"(?:{_MARKER.pattern})(?:\s+|$)|{_GLUED_NUMBER.pattern}")

_HEADING = re.compile(
    r"""^[\s#*_•\-]*                                   # markdown heading, emphasis or a bullet around it
        (?:(?:key|main|major)\s+)?
        (?P<name>inclusion\s*(?:and|/|&)\s*exclusion|inclusion|exclusion|eligibility|criteria)
        (?P<criteria>\s+criteri(?:a|on))?
        [\s*_]*(?P<colon>:?)[\s*_]*
        (?P<rest>.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
_SECTION_OF_NAME: dict[str, Label] = {"inclusion": "inclusion", "exclusion": "exclusion"}

# a paragraph about the list rather than in it
_NOTE = re.compile(r"^\W*notes?\b|\bcriteri(?:a|on)\b", re.IGNORECASE)
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _ends_with_colon(text: str) -> bool:
    return text.rstrip("*_ ").endswith(":")


def _unescape(text: str) -> str:
    r"""Remove Markdown backslash escapes: ``\>=`` -> ``>=``, ``\[RNA\]`` -> ``[RNA]``."""
    return _MARKDOWN_ESCAPE.sub(r"\1", text)


@dataclass(frozen=True)
class _Heading:
    label: Label
    #: text on the heading's own line after ``Inclusion Criteria:``, to be read as a line of content
    rest: str = ""
    #: the whole line is kept as a criterion too (``Inclusion criteria for Part A:``)
    kept: bool = False


def _match_heading(line: str) -> _Heading | None:
    """The heading this raw line is, or None if it is content."""
    match = _HEADING.match(line)
    if not match:
        return None
    name = re.sub(r"\s+", " ", match["name"].lower())
    label = _SECTION_OF_NAME.get(name)
    rest = match["rest"].strip()
    if not rest:
        return _Heading(label)
    if label is None:  # a generic word followed by more text is just text ("Eligibility for ...")
        return None
    if match["colon"]:
        return _Heading(label, rest=rest)
    if match["criteria"] and _ends_with_colon(rest):
        return _Heading(label, kept=True)
    return None


def _split_markers(line: str) -> tuple[list[str], str]:
    """``"* a) Cohort 1"`` -> (["*", "a)"], "Cohort 1"): every list marker at the start, then the text."""
    markers: list[str] = []
    text = line.strip()
    while match := _LEADING_MARKER.match(text):
        markers.append(match.group().strip())
        text = text[match.end() :]
    return markers, text.strip()


# --- lines ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """One line of content: its indentation, its first list marker (None for plain text) and its raw text."""

    indent: int
    marker: str | None
    text: str


def _content_line(raw: str) -> _Line | None:
    """Tokenise a line that is not a heading; None for a blank line or a marker with no text."""
    expanded = raw.expandtabs(4)
    indent = len(expanded) - len(expanded.lstrip())
    markers, text = _split_markers(expanded)
    if not text:
        return None
    return _Line(indent, markers[0] if markers else None, text)


def _marker_core(marker: str) -> str:
    """``"(a)"``, ``"a)"``, ``"a."`` -> ``"a"``; a bullet is its own core."""
    return marker.strip("()").rstrip(".)、") or marker


def _marker_kind(marker: str) -> str:
    """number, roman, letter or bullet: a change of kind at equal indentation starts a sub-list."""
    core = _marker_core(marker)
    if core[0].isdigit():
        return "number"
    if re.fullmatch(r"[ivx]+|[IVX]+", core):
        return "roman"
    if core.isalpha():
        return "letter"
    return "bullet"


# --- building the tree ----------------------------------------------------------------------------------------


@dataclass
class _OpenItem:
    indent: int
    marker: str
    kind: str
    criterion: Criterion


@dataclass
class _Section:
    """The criteria under one heading, built line by line."""

    label: Label
    #: top-level entries in order; True marks a note, which goes to `Criteria.other`
    entries: list[tuple[bool, Criterion]] = field(default_factory=list)
    _open: list[_OpenItem] = field(default_factory=list)
    _group: Criterion | None = None  # the sub-heading paragraph the next unindented items belong to
    _last: Criterion | None = None  # the criterion a continuation line would extend
    _after_blank: bool = True

    def blank(self) -> None:
        self._after_blank = True

    def add_item(self, indent: int, marker: str, text: str) -> None:
        kind = self._kind_here(indent, marker)
        parent = self._parent_for(indent, kind)
        criterion = Criterion(text=_unescape(text))
        if parent is not None:
            parent.children.append(criterion)
        else:
            self.entries.append((False, criterion))
        self._open.append(_OpenItem(indent, marker, kind, criterion))
        self._last = criterion
        self._after_blank = False

    def add_top_level_item(self, text: str) -> None:
        self._open.clear()
        self._group = None
        self.add_item(0, "•", text)

    def add_plain(self, indent: int, raw: str) -> None:
        text = _unescape(raw)
        announces_list = indent == 0 and _ends_with_colon(text)
        if self._last is not None and not self._after_blank and not announces_list:
            self._last.text += " " + text
        elif indent > 0 and (owner := self._item_indented_under(indent)) is not None:
            owner.text += " " + text
            self._last = owner
        else:
            self._add_paragraph(text)
        self._after_blank = False

    def add_group(self, raw: str) -> None:
        """A sub-heading: a criterion that the following unindented items belong to."""
        self._add_top_level(Criterion(text=_unescape(raw)), is_group=True)

    def _add_paragraph(self, text: str) -> None:
        is_note = bool(_NOTE.search(text))
        self._add_top_level(Criterion(text=text), is_note=is_note, is_group=not is_note and _ends_with_colon(text))

    def _add_top_level(self, criterion: Criterion, *, is_note: bool = False, is_group: bool = False) -> None:
        self.entries.append((is_note, criterion))
        self._open.clear()
        self._group = criterion if is_group else None
        self._last = criterion
        self._after_blank = False

    def _kind_here(self, indent: int, marker: str) -> str:
        kind = _marker_kind(marker)
        core = _marker_core(marker)
        if kind == "roman" and len(core) == 1:
            # "i." right after "h." is the next letter, not the roman numeral one
            letters = [o for o in self._open if o.indent == indent and o.kind == "letter"]
            if letters and ord(_marker_core(letters[-1].marker)) + 1 == ord(core):
                return "letter"
        return kind

    def _parent_for(self, indent: int, kind: str) -> Criterion | None:
        """Close the items this one is not under; return its parent (an item, the sub-heading, or None)."""
        while self._open and self._open[-1].indent > indent:
            self._open.pop()
        if any(o.indent == indent and o.kind == kind for o in self._open):
            while not (self._open[-1].indent == indent and self._open[-1].kind == kind):
                self._open.pop()
            self._open.pop()  # a sibling of this one
        return self._open[-1].criterion if self._open else self._group

    def _item_indented_under(self, indent: int) -> Criterion | None:
        """The innermost open item a paragraph at this indentation belongs to; closes items nested deeper."""
        while self._open and self._open[-1].indent >= indent:
            self._open.pop()
        return self._open[-1].criterion if self._open else None


@dataclass
class _Document:
    sections: list[_Section] = field(default_factory=lambda: [_Section(None)])

    @property
    def current(self) -> _Section:
        return self.sections[-1]

    def open_section(self, label: Label) -> _Section:
        self.sections.append(_Section(label))
        return self.current

    def criteria(self) -> Criteria:
        has_inclusion_heading = any(section.label == "inclusion" for section in self.sections)
        unlabelled_goes_to = "other" if has_inclusion_heading else "inclusion"
        lists: dict[str, list[Criterion]] = {"inclusion": [], "exclusion": [], "other": []}
        for section in self.sections:
            target = section.label or unlabelled_goes_to
            for is_note, criterion in section.entries:
                lists["other" if is_note else target].append(criterion)
        return Criteria(**lists)


def _add_content(document: _Document, raw: str) -> None:
    line = _content_line(raw)
    if line is None:
        document.current.blank()
    elif line.marker is None:
        document.current.add_plain(line.indent, line.text)
    else:
        document.current.add_item(line.indent, line.marker, line.text)


# --- public API -----------------------------------------------------------------------------------------------


def parse_criteria(text: str | None) -> Criteria:
    """Split ClinicalTrials.gov eligibility text into inclusion, exclusion and other criteria.

    Nesting is kept (a sub-bullet is a child of its bullet, at any depth); list markers, numbering and headings
    are dropped; Markdown escapes are removed. Nothing else is dropped: see the module docstring for where text
    that is neither inclusion nor exclusion goes. ``None`` or blank text gives empty `Criteria`.
    """
    document = _Document()
    for raw in (text or "").splitlines():
        heading = _match_heading(raw)
        if heading is None:
            _add_content(document, raw)
            continue
        section = document.open_section(heading.label)
        if heading.kept:
            markers, rest = _split_markers(raw)
            if markers:
                section.add_item(0, markers[0], rest)
            else:
                section.add_group(rest)
        elif heading.rest:
            _add_content(document, heading.rest)
    return document.criteria()


def parse_criteria_items(items: Sequence[str]) -> Criteria:
    """Criteria from a web page's flat list of ``<li>`` texts.

    Heading items (``Inclusion Criteria:``) open a list as in `parse_criteria`. A numbered item (``1. Age ...``)
    is top level; an unnumbered item after a numbered one is its child (pages flatten the nesting, keeping only
    the numbering); an unnumbered item with no numbered item before it in its list is top level.
    """
    document = _Document()
    under_numbered_item = False
    for item in items:
        heading = _match_heading(item)
        if heading is not None:
            document.open_section(heading.label)
            under_numbered_item = False
            if not heading.kept:
                item = heading.rest
        markers, text = _split_markers(item)
        if not text:
            continue
        text = " ".join(text.split())
        numbered = bool(markers) and _marker_kind(markers[0]) == "number"
        if under_numbered_item and not numbered:
            document.current.add_item(1, "•", text)  # a child of the numbered item above
        else:
            document.current.add_top_level_item(text)
            under_numbered_item = numbered
    return document.criteria()


def criteria_words(criteria: Criteria) -> list[str]:
    """Every whitespace-separated word of every criterion (inclusion, exclusion and other, at any depth)."""
    return [word for text in criteria.all_texts() for word in text.split()]


def source_words(text: str) -> list[str]:
    """The words of eligibility text that a parse must keep: all but headings and list markers, unescaped.

    Deliberately independent of the parser's structure: it shares only the vocabulary (what a heading and a list
    marker are), then works line by line on whitespace-separated tokens. So
    ``sorted(source_words(t)) == sorted(criteria_words(parse_criteria(t)))`` says that the parser neither drops
    nor duplicates a word, wherever it files it.
    """
    return [_unescape(word) for line in text.splitlines() for word in _kept_tokens(line)]


def _kept_tokens(line: str) -> Iterator[str]:
    heading = _match_heading(line)
    if heading is not None and not heading.kept:
        line = heading.rest  # "" for a bare heading
    tokens = line.split()
    while tokens:
        if _MARKER.fullmatch(tokens[0]):
            tokens.pop(0)
        elif glued := _GLUED_NUMBER.match(tokens[0]):
            tokens[0] = tokens[0][glued.end() :]
        else:
            break
    yield from tokens
