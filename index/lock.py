"""One index writer at a time, across processes: an exclusive `flock` on a file in the index directory.

The kernel drops the lock when its holder exits. A full rebuild's Whoosh writer processes are forked while the
lock is held, and a forked child shares the parent's open lock file: were it to keep it, the lock would outlive a
parent killed with SIGKILL for as long as the orphaned children slept (minutes, seen in issue 15). So every child
forked while the lock is held lets go of its copy of the lock file at once, and on Linux asks the kernel to kill it
when its parent dies (``PR_SET_PDEATHSIG``): the lock is the parent's alone, and dies with it.

The lock file also names its holder (``pid started-at``), so a writer that waits in vain says whom it waited for.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import fcntl
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harvester.errors import LockedError, data_dir_error

__all__ = ["DEFAULT_LOCK_TIMEOUT", "writer_lock"]

#: how long a second writer waits for the first one before giving up
DEFAULT_LOCK_TIMEOUT = 5.0
_POLL_INTERVAL = 0.05
_PR_SET_PDEATHSIG = 1

#: descriptors of the lock files this process holds, and the pid holding them (a forked child is another pid)
_held: set[int] = set()
_holder_pid = 0


def _detach_forked_child() -> None:
    """In a child forked while this process held the lock: drop the child's share of it, die with the parent."""
    if not _held:
        return
    devnull = os.open(os.devnull, os.O_RDONLY)
    for descriptor in _held:
        os.dup2(devnull, descriptor)  # the lock file's number stays valid, but no longer shares the lock
    os.close(devnull)
    _held.clear()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != _holder_pid:  # the parent died before the child got here
        os._exit(1)


os.register_at_fork(after_in_child=_detach_forked_child)


@contextmanager
def writer_lock(lock_path: Path, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the writer lock for the block; raise `LockedError` when another writer keeps it beyond `timeout`."""
    global _holder_pid
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 (closed by the with below)
    except OSError as error:
        raise data_dir_error(error.filename or lock_path, error, "writing the search index") from error
    with lock_file:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    lock_file.seek(0)
                    holder = lock_file.read().split()
                    who = f"pid {holder[0]}, since {holder[1]}; " if len(holder) >= 2 else ""
                    raise LockedError(
                        f"the search index in {lock_path.parent} is being written by another trialwatch process"
                        f" ({who}waited {timeout:g} s)",
                        hint="wait for the other index build or harvest to finish, then try again",
                    ) from None
                time.sleep(_POLL_INTERVAL)
        _holder_pid = os.getpid()
        _held.add(lock_file.fileno())
        try:
            lock_file.truncate(0)
            lock_file.write(f"{os.getpid()} {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\n")
            lock_file.flush()
        except OSError:
            pass  # who holds the lock is a courtesy; the lock itself is held
        try:
            yield
        finally:
            _held.discard(lock_file.fileno())
            fcntl.flock(lock_file, fcntl.LOCK_UN)
