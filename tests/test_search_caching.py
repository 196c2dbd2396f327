"""What a search keeps with its index reader: least recently used dropped beyond the size, never the newest."""

from __future__ import annotations

import weakref

from search.caching import SizedCache, per_reader


def test_least_recently_used_dropped_beyond_the_size():
    cache: SizedCache[list[int]] = SizedCache(5, len)
    cache.put("a", [1, 2])
    cache.put("b", [1, 2])
    assert cache.get("a") == [1, 2]  # now the most recent
    cache.put("c", [1, 2])
    assert cache.get("b") is None and cache.get("a") == [1, 2] and cache.get("c") == [1, 2]
    assert cache.size == 4


def test_the_newest_stays_even_beyond_the_size_and_a_replaced_value_is_not_counted_twice():
    cache: SizedCache[list[int]] = SizedCache(3, len)
    cache.put("a", [1])
    cache.put("big", list(range(10)))
    assert list(cache.entries) == ["big"] and cache.size == 10
    cache.put("big", [1, 2])
    assert cache.size == 2


class _Reader:
    pass


def test_a_reader_has_its_own_cache_which_goes_with_it():
    caches: weakref.WeakKeyDictionary[object, SizedCache[list[int]]] = weakref.WeakKeyDictionary()
    first, second = _Reader(), _Reader()
    per_reader(caches, first, 10, len).put("a", [1])
    assert per_reader(caches, first, 10, len).get("a") == [1]
    assert per_reader(caches, second, 10, len).get("a") is None
    del first
    assert len(caches) == 1


def test_by_identity_makes_a_value_once_per_object_and_keeps_a_few():
    from search.caching import ByIdentity

    made: list[int] = []

    def make(owner: list[int]) -> int:
        made.append(len(owner))
        return len(made)

    cache: ByIdentity[list[int], int] = ByIdentity(kept=2)
    first, equal_but_other = [1, 2], [1, 2]  # lists: neither hashable nor weakly referable
    assert cache.get(first, make) == 1 and cache.get(first, make) == 1
    assert cache.get(equal_but_other, make) == 2
    cache.get([3], make)  # a third object: the oldest is dropped
    assert cache.get(first, make) == 4 and len(made) == 4
