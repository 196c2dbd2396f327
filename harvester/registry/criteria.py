"""Split eligibility text into ordered inclusion and exclusion criteria, keeping sub-bullets under their parent.

Pure functions, no I/O. Two inputs are understood:

* `parse_criteria`: the registry's eligibility text (ClinicalTrials.gov API v2 serves Markdown: ``* `` bullets,
  ``1. `` numbers, nesting by indentation, backslash escapes such as ``\\>=``);
* `parse_criteria_items`: the flat list of ``<li>`` texts of a trial web page, where nesting is lost and only
  numbering tells a top-level item from a sub-item.

Decisions (each one keeps every word of the text in exactly one criterion; see `source_words`):

* Headings. ``Inclusion Criteria:``, ``Key Inclusion Criteria``, ``INCLUSION CRITERIA``, ``Inclusion``,
  ``Exclusions:``, ``Criteria for exclusion:``, ``Exclusion criteria include:``, ``Inclusion criteria are as
  follows:``, ``**Exclusion criteria**``, ``## Exclusion Criteria:``,
  ``* Inclusion Criteria:`` ... open the inclusion or exclusion list and are dropped, also when numbered as an
  item (``2. Exclusion Criteria``, ``II. EXCLUSION CRITERIA:``, ``III.6 EXCLUSION CRITERIA``; the criteria
  numbered again under it are the list's items). ``Exclusion Criteria: text`` on one line opens the list and
  keeps ``text``. ``Eligibility criteria:``, ``Major Eligibility Criteria:``, ``Criteria:`` and
  ``Inclusion/Exclusion Criteria:`` are generic headings: dropped, and what follows them is "unlabelled". A
  heading is never kept as a criterion; an exclusion heading with nothing under it leaves the list empty.
* Qualified headings: up to four words before the heading words (``Subject Exclusion Criteria``, ``Patient
  inclusion criteria:``) and a short qualifier after them (``INCLUSION CRITERIA FOR PART B``, ``Inclusion Criteria
  (Controls):``). Words that make the line a sentence about the criteria (``Any inclusion criteria not met``,
  ``Patients meeting the following exclusion criteria:``, ``... may apply.``) make it content instead. The
  qualifier becomes the parent criterion of the items under the heading when it says whom or what part the list
  is for: when it follows the heading words (``Part B``, ``Controls``) or when the document has several headings of
  that label (``Patient ...`` / ``Clinic Inclusion Criteria``). ``Key``, ``Main``, ``Major`` and, in the label's
  only heading, filler words (``Subject``, ``Other``) are dropped with it; other words before the only heading of
  its label are text whose line break was lost (``* Stable relationship Exclusion Criteria:``): content of the
  list above. ``... text Exclusion Criteria: more`` in the middle of a line is such a run-on heading too (Title or
  upper case, colon, not after a word like "the" or "following").
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
* Several items in one: an item numbered 1 whose text goes on with 2, 3 ... numbered the same way after a space,
  comma or semicolon (``* 1)lower extremity deficit, 2) infectious ... 3) a history of ...``) is split into
  siblings, unless it holds a list of its own (``... the following: 1. x; 2. y``).
* Markers. ``*``, ``-``, ``•`` ... bullets, ``1.``, ``1)``, ``(1)``, ``1.2.``, ``a)``, ``(b)``, ``iv.`` are
  dropped, several in a row too (``* a) Cohort 1`` -> ``Cohort 1``); a marker needs a space after it except a
  number glued to a word (``1.Age``). A line that is only a marker is a blank line.
* Escapes. Markdown backslash escapes are removed from criterion text (``\\>=`` -> ``>=``); list markers and
  headings are recognised before unescaping, so an escaped ``\\*`` is text, not a bullet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
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
    r"""^(?P<lead>[\s#*_•\-]*                            # markdown heading, emphasis or a bullet around it
        (?:(?:\(?(?:\d{1,3}|[IVX]{1,5}|[ivx]{1,5}|[A-Za-z])(?:\.\d{1,3})*[.)](?!\d)  # numbered as an item:
              |(?:\d{1,3}|[IVX]{1,5})(?:\.\d{1,3})+(?=\s)                       # "2. Exclusion Criteria",
              |(?:\d{1,3}|[IVX]{1,5})(?=\s))                                    # "III.6 EXCLUSION CRITERIA"
           [\s*_]*)?)
        (?P<pre>(?:[^\W_][\w'/\-]*\s+){0,4}?)            # qualifier words before: "Key", "Subject", "Cohort 1"
        (?P<name>inclusion\s*(?:and|/|&)\s*exclusion|inclusions?|exclusions?|eligibility
                |criteria\s+(?:for|of)\s+(?:inclusion|exclusion)|criteria)
        (?P<criteria>\s+criteri(?:a|on))?
        (?P<tail>(?:[\s*_:.;(\[\-–]|$).*)$""",
    re.IGNORECASE | re.VERBOSE,
)
#: "... relationship Exclusion Criteria:- Primary ...": a heading run on inside a line of text (lost line breaks)
_RUN_ON_HEADING = re.compile(
    r"^(?P<before>.*?\S)\s+(?P<heading>(?:Inclusion|Exclusion|INCLUSION|EXCLUSION)\s+(?:Criteria|CRITERIA)\s*:.*)$"
)
#: qualifier words needing no "criteria" after the heading word: "Key Inclusion:"
_PLAIN_QUALIFIERS = frozenset({"key", "main", "major"})
#: qualifier words before a heading that say nothing about whom the list is for: dropped with it
_FILLER_QUALIFIERS = _PLAIN_QUALIFIERS | frozenset({
    "principal", "primary", "general", "basic", "common", "specific", "additional", "other", "study", "trial",
    "clinical", "protocol", "subject", "subjects", "participant", "participants", "patient", "patients",
})
#: words that make "... inclusion criteria" a sentence about the criteria, not a heading: "Any inclusion criteria
#: not met", "Does not meet inclusion criteria", "Patients meeting the following exclusion criteria:"
_SENTENCE_WORDS = frozenset({
    "not", "no", "any", "all", "each", "every", "either", "both", "none", "neither", "meet", "meets", "meeting",
    "met", "fulfil", "fulfils", "fulfill", "fulfills", "fulfilling", "fulfilled", "satisfy", "satisfies",
    "satisfying", "satisfied", "fail", "fails", "failing", "failed", "failure", "above", "below", "following",
    "listed", "aforementioned", "these", "those", "this", "the", "an", "of", "with", "without", "who",
    "whom", "which", "that", "to", "if", "must", "may", "should", "shall", "will", "would", "can", "could",
    "are", "is", "was", "were", "be", "been", "being", "have", "has", "had", "does", "do", "did", "per", "see",
    "under", "and", "or", "by", "on", "as", "from", "than", "same", "such", "further", "apply", "applies",
})
#: after the heading words, words that only announce the list: "Inclusion criteria are:", "... include:"
_ANNOUNCING = re.compile(r"(?:are|is|includes?|were|will be|as follows)\b[\w\s]{0,20}:", re.IGNORECASE)
#: heading words written as a heading: "Exclusion Criteria", "EXCLUSION CRITERIA"
_CAPITALISED = re.compile(r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*|[A-Z]+(?:\s+[A-Z]+)*")
#: a qualifier after the heading words starts so: "for Part B", "(Families)", "in cohort 2", "- Part A"
_QUALIFIER_AFTER = re.compile(r"^(?:(?:for|in|of|at|during)\b|\(|\[|-|–)", re.IGNORECASE)
#: a qualifier after the heading words is at most this long (longer text is a sentence)
_QUALIFIER_LENGTH = 60

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
    #: words qualifying the heading (``Patient``, ``for Part B``, ``(Families)``), without the heading words
    qualifier: str = ""
    #: the qualifier comes after the heading words (``Inclusion criteria for Part B``), not before (``Key ...``)
    qualifier_after: bool = False
    #: the line up to the heading words (list markers and qualifier words before them)
    prefix: str = ""
    #: a line of content before a heading run on at its end
    before: str = ""

    def resolve(self, headings_of_label: int) -> tuple[str, str]:
        """(content before the heading, the parent criterion the qualifier makes), either possibly empty.

        A qualifier is kept as the parent of the items under the heading when it says whom or what part the list
        is for (``... for Part B``, ``... (Controls)``), or when the document has several headings of this label
        (``Patient Inclusion Criteria`` and ``Clinic Inclusion Criteria``). ``Key``, ``Main`` and ``Major`` are
        always dropped with the heading, filler words (``Subject``, ``Other``) when it is its label's only one.
        Other words before the document's only heading of its label are text that lost its line break
        (``* Stable relationship Exclusion Criteria:``): content.
        """
        if self.before or not self.qualifier:
            return self.before, ""
        if self.qualifier_after:
            return "", self.qualifier
        words = set(_words(self.qualifier))
        if words <= _PLAIN_QUALIFIERS:
            return "", ""
        if headings_of_label > 1:
            return "", self.qualifier
        return ("", "") if words <= _FILLER_QUALIFIERS else (self.prefix, "")


def _words(text: str) -> list[str]:
    return [word.strip("'-/").lower() for word in text.split()]


def _match_heading(line: str) -> _Heading | None:
    """The heading this raw line is (or ends with), or None if it is content."""
    match = _HEADING.match(line)
    if match is None:
        run_on = _RUN_ON_HEADING.match(line)
        if run_on is None or _words(run_on["before"])[-1] in _SENTENCE_WORDS:
            return None
        heading = _match_heading(run_on["heading"])
        return _Heading(heading.label, rest=heading.rest, before=run_on["before"]) if heading else None
    name = match["name"].lower()
    label: Label = None if "inclusion" in name and "exclusion" in name else (
        "inclusion" if "inclusion" in name else "exclusion" if "exclusion" in name else None)
    has_criteria = bool(match["criteria"]) or name.startswith("criteria ")
    pre = " ".join(match["pre"].split())
    pre_words = _words(pre)
    if any(word in _SENTENCE_WORDS for word in pre_words):
        return None
    if pre_words and not set(pre_words) <= _PLAIN_QUALIFIERS:
        if not has_criteria or name == "criteria":
            return None  # "Selection Criteria", "Study inclusion": not a heading name
        if _split_markers(line)[0] and not _CAPITALISED.fullmatch(f"{match['name']}{match['criteria'] or ''}"):
            return None  # "* cardiovascular exclusion criteria: history of ...": a list item, not a heading
    tail = match["tail"].strip().strip("*_").strip()
    if not tail or re.fullmatch(r"[.;:\-–—]*", tail):  # "EXCLUSION CRITERIA.", "Inclusion criteria:-"
        return _Heading(label, qualifier=pre, prefix=match["lead"] + match["pre"])
    if tail.startswith(":"):
        return _Heading(label, rest=tail[1:].strip().lstrip("*_").strip(), qualifier=pre,
                        prefix=match["lead"] + match["pre"])
    if label is not None and has_criteria and _ANNOUNCING.fullmatch(tail):
        return _Heading(label, qualifier=pre, prefix=match["lead"] + match["pre"])  # "Exclusion criteria include:"
    if label is None or not has_criteria or not _QUALIFIER_AFTER.match(tail):
        return None  # "Eligibility for ...", "Inclusion of ...", "Inclusion criteria may apply."
    after, colon, rest = tail.rpartition(":") if ":" in tail else (tail, "", "")
    after = after.strip().strip("*_").strip()
    if len(after) > _QUALIFIER_LENGTH or (not colon and after[-1:] in ".;,"):
        return None
    after = _QUALIFIER_AFTER.sub("", after, count=1).strip().strip("()[]").strip()  # "for Part B" -> "Part B"
    qualifier = " ".join(part for part in (pre, after) if part)
    return _Heading(label, rest=rest.strip().lstrip("*_").strip(), qualifier=qualifier, qualifier_after=True)


def _split_markers(line: str) -> tuple[list[str], str]:
    """``"* a) Cohort 1"`` -> (["*", "a)"], "Cohort 1"): every list marker at the start, then the text."""
    markers: list[str] = []
    text = line.strip()
    while match := _LEADING_MARKER.match(text):
        markers.append(match.group().strip())
        text = text[match.end() :]
    return markers, text.strip()


def _inline_items(marker: str, text: str) -> list[str]:
    """``1)lower extremity deficit, 2) infectious ... 3) a history of ...``: an item numbered 1 whose text goes on
    with items 2, 3 ... numbered the same way, split into its items; otherwise ``[text]``.

    `marker` is the item's last list marker; the next number must follow a space, a comma or a semicolon.
    """
    core = _marker_core(marker)
    if core != "1" or marker == core:
        return [text]
    opening, closing = ("(", ")") if marker.startswith("(") else ("", marker[-1])
    if re.search(rf"(?<=[\s,;:]){re.escape(opening)}1{re.escape(closing)}\s", text):
        return [text]  # "... the following: 1. x; 2. y": a list of its own inside the item
    items: list[str] = []
    rest = text
    number = 2
    while True:
        following = re.search(rf"(?:(?<=[\s,;])){re.escape(opening)}{number}{re.escape(closing)}(?=\s*[^\W\d_(])", rest)
        if following is None:
            break
        items.append(rest[: following.start()].strip())
        rest = rest[following.end() :].strip()
        number += 1
    return [*items, rest] if items and all(items) and rest else [text]


# --- lines ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """One line of content: its indentation, its first list marker (None for plain text) and its raw text, split
    into the items numbered inside it (`_inline_items`)."""

    indent: int
    marker: str | None
    texts: list[str]


def _content_line(raw: str) -> _Line | None:
    """Tokenise a line that is not a heading; None for a blank line or a marker with no text."""
    expanded = raw.expandtabs(4)
    indent = len(expanded) - len(expanded.lstrip())
    markers, text = _split_markers(expanded)
    if not text:
        return None
    if not markers:
        return _Line(indent, None, [text])
    return _Line(indent, markers[0], _inline_items(markers[-1], text))


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
        document.current.add_plain(line.indent, line.texts[0])
    else:
        for text in line.texts:
            document.current.add_item(line.indent, line.marker, text)


def _label_counts(headings: list[_Heading | None]) -> dict[Label, int]:
    counts: dict[Label, int] = {}
    for heading in headings:
        if heading is not None:
            counts[heading.label] = counts.get(heading.label, 0) + 1
    return counts


# --- public API -----------------------------------------------------------------------------------------------


def parse_criteria(text: str | None) -> Criteria:
    """Split ClinicalTrials.gov eligibility text into inclusion, exclusion and other criteria.

    Nesting is kept (a sub-bullet is a child of its bullet, at any depth); list markers, numbering and headings
    are dropped; Markdown escapes are removed. Nothing else is dropped: see the module docstring for where text
    that is neither inclusion nor exclusion goes. ``None`` or blank text gives empty `Criteria`.
    """
    document = _Document()
    lines = (text or "").splitlines()
    headings = [_match_heading(raw) for raw in lines]
    headings_of = _label_counts(headings)
    for raw, heading in zip(lines, headings, strict=True):
        _read_line(document, raw, heading, headings_of)
    return document.criteria()


def _read_line(document: _Document, raw: str, heading: _Heading | None, headings_of: dict[Label, int]) -> None:
    """One line: content, or a heading with what its line holds besides (which may hold a heading again)."""
    if heading is None:
        _add_content(document, raw)
        return
    before, group = heading.resolve(headings_of.get(heading.label, 1))
    if before:
        _add_content(document, before)
    section = document.open_section(heading.label)
    if group:
        section.add_group(group)
    if heading.rest:
        _read_line(document, heading.rest, _match_heading(heading.rest), headings_of)


def parse_criteria_items(items: Sequence[str]) -> Criteria:
    """Criteria from a web page's flat list of ``<li>`` texts.

    Heading items (``Inclusion Criteria:``) open a list as in `parse_criteria`. A numbered item (``1. Age ...``)
    is top level; an unnumbered item after a numbered one is its child (pages flatten the nesting, keeping only
    the numbering); an unnumbered item with no numbered item before it in its list is top level.
    """
    document = _Document()
    under_numbered_item = False
    headings = [_match_heading(item) for item in items]
    headings_of = _label_counts(headings)
    for item, heading in zip(items, headings, strict=True):
        if heading is not None:
            before, group = heading.resolve(headings_of[heading.label])
            if before and (text := " ".join(_split_markers(before)[1].split())):
                document.current.add_top_level_item(text)
            document.open_section(heading.label)
            under_numbered_item = False
            if group:
                document.current.add_group(group)
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
    lines = text.splitlines()
    headings = [_match_heading(line) for line in lines]
    headings_of = _label_counts(headings)
    words: list[str] = []
    for line, heading in zip(lines, headings, strict=True):
        while heading is not None:
            before, group = heading.resolve(headings_of.get(heading.label, 1))
            words.extend([*_kept_tokens(before), *group.split()])
            line, heading = heading.rest, _match_heading(heading.rest)
        words.extend(_kept_tokens(line))
    return [_unescape(word) for word in words]


def _kept_tokens(line: str) -> list[str]:
    """The words of a line of content, without its list markers (also those of items numbered inside it)."""
    tokens = line.split()
    last_marker = None
    while tokens:
        if _MARKER.fullmatch(tokens[0]):
            last_marker = tokens.pop(0)
        elif glued := _GLUED_NUMBER.match(tokens[0]):
            last_marker = glued.group()
            tokens[0] = tokens[0][glued.end() :]
        else:
            break
    if last_marker is None or not tokens:
        return tokens
    return [word for item in _inline_items(last_marker, " ".join(tokens)) for word in item.split()]
