"""The visible text of an HTML page as lines, the way a browser lays it out; pure functions, no I/O.

A page parser anchored on what a reader sees (headings and labels) should not care which tags carry the text, so
the document is flattened first: every block-level element starts a new line, inline elements (``<a>``, ``<span>``,
``<b>`` ...) and text nodes run together inside it, ``<br>`` breaks a line. Each line remembers the block element
it belongs to, so a caller can still look inside it (keyword chips that are separate ``<span>``s of one line).

What a browser does not show is dropped: ``<script>``, ``<style>``, ``<template>``, ``<noscript>``, ``<svg>``,
``[hidden]`` elements and comments. Text is only ever read as text: entities are decoded by the HTML parser
(``&lt;script&gt;`` becomes the characters ``<script>``), markup inside text is never interpreted, and control
characters (e.g. a terminal escape ``&#27;``) are removed so that printing the text cannot drive a terminal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["Line", "clean_text", "item_texts", "visible_lines"]

#: elements that flow inside a line rather than starting one
INLINE_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "button", "cite", "code", "data", "del", "dfn", "em", "font", "i", "img", "ins",
    "kbd", "label",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
})
#: elements whose content a reader never sees
INVISIBLE_TAGS = ("script", "style", "template", "noscript", "svg", "iframe", "object", "head")
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LIST_SEPARATOR = re.compile(r"\s*[,;]\s*")


def clean_text(text: str) -> str:
    """Whitespace collapsed to single spaces, control characters removed, ends stripped."""
    return " ".join(_CONTROL.sub("", text).split())


@dataclass(frozen=True)
class Line:
    """One line of visible text and the block element it is the text of."""

    text: str
    node: LexborNode

    @property
    def tag(self) -> str:
        return self.node.tag or ""

    @property
    def is_heading_element(self) -> bool:
        """An ``<h1>``..``<h6>`` or an element with ``role="heading"``."""
        return self.tag in HEADING_TAGS or self.node.attributes.get("role") == "heading"


def visible_lines(html: str | bytes) -> list[Line]:
    """The non-empty lines of visible text of a page's body, in document order (bytes are read as UTF-8)."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    tree = LexborHTMLParser(html)
    tree.strip_tags(list(INVISIBLE_TAGS))
    if tree.body is None:
        return []
    return _Flattener().run(tree.body)


class _Flattener:
    """Walks a DOM subtree without recursion (hostile pages nest deeply), collecting lines."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self._parts: list[str] = []

    def run(self, root: LexborNode) -> list[Line]:
        # a stack of (node, entering): an element is visited on entry and, if it is a block, again on exit
        stack: list[tuple[LexborNode, bool]] = [(root, True)]
        blocks: list[LexborNode] = []
        while stack:
            node, entering = stack.pop()
            if not entering:
                self._flush(blocks[-1])
                blocks.pop()
                continue
            if node.is_text_node:
                self._parts.append(node.text_content or "")
                continue
            if not node.is_element_node or "hidden" in node.attributes:
                continue
            if node.tag == "br":
                self._flush(blocks[-1] if blocks else node)
                continue
            if node.tag not in INLINE_TAGS:
                if blocks:
                    self._flush(blocks[-1])
                blocks.append(node)
                stack.append((node, False))
            stack.extend((child, True) for child in reversed(_children(node)))
        return self.lines

    def _flush(self, block: LexborNode) -> None:
        text = clean_text("".join(self._parts))
        self._parts.clear()
        if text:
            self.lines.append(Line(text, block))


def _children(node: LexborNode) -> list[LexborNode]:
    children = []
    child = node.first_child
    while child is not None:
        children.append(child)
        child = child.next
    return children


def item_texts(line: Line) -> list[str]:
    """The separate items a line shows: its elements' texts when it is a row of elements, else its comma parts.

    ``<div><span>Lupus</span><span>Methotrexate</span></div>`` (chips with no text between them) gives
    ``["Lupus", "Methotrexate"]``, as does ``<p>Lupus, Methotrexate</p>``. A single wrapper element is looked
    through.
    """
    node = line.node
    while True:
        children = [child for child in _children(node) if child.is_element_node and clean_text(child.text())]
        loose_text = clean_text("".join(c.text_content or "" for c in _children(node) if c.is_text_node))
        if loose_text.strip(",;·|/") or not children:
            break
        if len(children) >= 2:
            return [clean_text(child.text()) for child in children]
        node = children[0]
    return [part for part in _LIST_SEPARATOR.split(line.text) if part]
