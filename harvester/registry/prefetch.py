"""Read an iterator one item ahead in a background thread: the next page is fetched while this one is stored.

`prefetched` runs `next()` on the source iterator in one thread, at most `ahead` items ahead of the consumer (the
source is not asked for another item while `ahead` are waiting), so memory stays bounded and the source is only
ever called from that one thread, one call at a time. An exception of the source (`StopIteration` aside) is raised
in the consumer where the item would have been, the same exception object with its traceback. When the consumer
stops early (a `break`, its own exception, a `KeyboardInterrupt`), `close` (or leaving the ``with`` block) asks the
source for nothing more, calls `interrupt` (to cut short a wait inside the call in progress) and joins the thread.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Generic, TypeVar

__all__ = ["Prefetched", "prefetched"]

T = TypeVar("T")


def prefetched(source: Iterator[T], ahead: int = 1, *, interrupt: Callable[[], None] | None = None) -> Prefetched[T]:
    """`source`'s items, in order, read up to `ahead` items ahead in a background thread (see the module)."""
    return Prefetched(source, ahead, interrupt=interrupt)


class Prefetched(Generic[T]):
    """An iterator and context manager over `source`, read ahead by a thread started at once (`prefetched`)."""

    def __init__(self, source: Iterator[T], ahead: int = 1, *, interrupt: Callable[[], None] | None = None) -> None:
        if ahead < 1:
            raise ValueError(f"ahead must be 1 or more, not {ahead}")
        self._source = source
        self._ahead = ahead
        self._interrupt = interrupt
        self._ready: deque[T] = deque()
        self._changed = threading.Condition()
        self._ended = False  # the producer has stopped: the source ran out, raised, or was told to stop
        self._error: BaseException | None = None
        self._stopping = False
        self._fetching = False  # the producer is inside `next(source)`
        self._thread = threading.Thread(target=self._produce, name="prefetch", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            while True:
                with self._changed:
                    while len(self._ready) >= self._ahead and not self._stopping:
                        self._changed.wait()
                    if self._stopping:
                        return
                    self._fetching = True
                try:
                    item = next(self._source)
                except StopIteration:
                    return
                with self._changed:
                    self._fetching = False
                    self._ready.append(item)
                    self._changed.notify_all()
        except BaseException as error:  # handed to the consumer, raised where the item would have been
            with self._changed:
                self._error = error
        finally:
            close = getattr(self._source, "close", None)
            try:
                if close is not None:
                    close()  # a generator's own clean-up runs here, in the only thread that ever ran it
            except BaseException as error:
                with self._changed:
                    self._error = self._error or error
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def __iter__(self) -> Prefetched[T]:
        return self

    def __next__(self) -> T:
        with self._changed:
            while not self._ready and not self._ended:
                self._changed.wait()
            if self._ready:
                item = self._ready.popleft()
                self._changed.notify_all()
                return item
            error, self._error = self._error, None
        self._thread.join()
        if error is not None and not self._stopping:
            raise error
        raise StopIteration

    def close(self) -> None:
        """Ask the source for nothing more, cut short its call in progress (`interrupt`), join the thread."""
        with self._changed:
            if self._ended and not self._thread.is_alive():
                return
            self._stopping = True
            self._ready.clear()
            self._changed.notify_all()
            fetching = self._fetching and not self._ended
        if fetching and self._interrupt is not None:
            self._interrupt()
        self._thread.join()

    @property
    def running(self) -> bool:
        """Whether the reading thread is still alive."""
        return self._thread.is_alive()

    def __enter__(self) -> Prefetched[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
