"""One index writer at a time, across processes: an exclusive `flock` on a file in the index directory.

The kernel drops the lock when its holder exits, so a crashed writer never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harvester.errors import LockedError

#: how long a second writer waits for the first one before giving up
DEFAULT_LOCK_TIMEOUT = 5.0
_POLL_INTERVAL = 0.05


@contextmanager
def writer_lock(lock_path: Path, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the writer lock for the block; raise `LockedError` when another writer keeps it beyond `timeout`."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock_file:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockedError(
                        f"the search index in {lock_path.parent} is being written by another trialwatch process"
                        f" (waited {timeout:g} s)",
                        hint="wait for the other index build or harvest to finish, then try again",
                    ) from None
                time.sleep(_POLL_INTERVAL)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
