"""Results kept with an index reader between searches, least recently used dropped beyond a size.

A reader never changes, so what a search computed from it stays true for as long as the reader lives (a web app's
searcher, a benchmark's); a CLI process searches once and keeps nothing.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["ByIdentity", "SizedCache", "per_reader"]

Value = TypeVar("Value")
Owner = TypeVar("Owner")


class SizedCache(Generic[Value]):
    """Values by key, at most `limit` in total `size_of`, least recently used dropped first (never the newest)."""

    def __init__(self, limit: int, size_of: Callable[[Value], int]) -> None:
        self.limit = limit
        self.size_of = size_of
        self.entries: OrderedDict[Hashable, Value] = OrderedDict()
        self.size = 0

    def get(self, key: Hashable) -> Value | None:
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Value) -> None:
        if key in self.entries:
            self.size -= self.size_of(self.entries.pop(key))
        self.entries[key] = value
        self.size += self.size_of(value)
        while self.size > self.limit and len(self.entries) > 1:
            _, dropped = self.entries.popitem(last=False)
            self.size -= self.size_of(dropped)


def per_reader(
    caches: weakref.WeakKeyDictionary[object, SizedCache[Value]], reader: object, limit: int,
    size_of: Callable[[Value], int],
) -> SizedCache[Value]:
    """The cache of `reader` in `caches` (made on first use); it goes with the reader."""
    cache = caches.get(reader)
    if cache is None:
        cache = caches[reader] = SizedCache(limit, size_of)
    return cache


class ByIdentity(Generic[Owner, Value]):
    """A value made once per object (a schema's parser, a document set's mask), for objects that cannot be hashed or
    weakly referenced: keyed by `id`, the object kept beside its value so the id stays its own; the oldest of more
    than `kept` dropped."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._entries: dict[int, tuple[Owner, Value]] = {}

    def get(self, owner: Owner, make: Callable[[Owner], Value]) -> Value:
        found = self._entries.get(id(owner))
        if found is not None and found[0] is owner:
            return found[1]
        if len(self._entries) >= self.kept:
            self._entries.pop(next(iter(self._entries)))
        value = make(owner)
        self._entries[id(owner)] = (owner, value)
        return value
