"""One `trialwatch refresh` per data dir at a time: an exclusive, non-blocking `flock` on ``<data_dir>/refresh.lock``.

The kernel releases an flock when the process holding it dies, however it dies (SIGKILL, OOM, power loss does
not even leave a process), so a lock is never stale in the sense of blocking the next run. The file itself also
says who holds it (``pid started-at``) and is emptied on a clean release: a non-empty file whose lock is free
is the trace of a run that was killed, which the next run reports ("taking over") and overwrites. A second run
that finds the lock held fails at once with `RefreshLocked`, naming the holder.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import TextIO

from harvester.errors import RefreshLocked, data_dir_error
from harvester.store.store import process_alive, utc_now

__all__ = ["LOCK_FILENAME", "RefreshLock"]

LOCK_FILENAME = "refresh.lock"


class RefreshLock:
    """``with RefreshLock(data_dir) as lock:`` holds the lock; `lock.taken_over` describes a killed holder."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILENAME
        self.taken_over: str | None = None
        self._file: TextIO | None = None

    def acquire(self) -> RefreshLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            file = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held until release)
        except OSError as error:
            raise data_dir_error(error.filename or self.path, error, "refresh") from error
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().split()
            file.close()
            who = f"pid {holder[0]}, started {holder[1]}" if len(holder) >= 2 else "holder unknown"
            raise RefreshLocked(f"another trialwatch refresh is running on this data dir ({who}; lock {self.path})") \
                from None
        file.seek(0)
        previous = file.read().split()
        if previous:
            pid = previous[0]
            state = "still running but not holding the lock" if process_alive(pid) else "killed"
            self.taken_over = (f"took over the refresh lock left by pid {pid} (started {' '.join(previous[1:2])}),"
                               f" which was {state}")
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()} {utc_now()}\n")
        file.flush()
        self._file = file
        return self

    def release(self) -> None:
        if self._file is None:
            return
        try:
            self._file.seek(0)
            self._file.truncate()
            self._file.flush()
        finally:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> RefreshLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
