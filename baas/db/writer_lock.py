"""SQLite's single writer, queued without putting whole worker processes to sleep.

SQLite lets one connection write at a time, and a second one waits in SQLite's busy handler, which sleeps
the calling process for 1, 2, 5, 10 ... ms. Under gevent that stalls every request of the worker: two
workers creating records at once spent most of that time asleep and together wrote no faster than one.
So baas queues its own writers: within a process on a lock (a greenlet lock once gevent has patched
`threading`), and between processes on an `flock` of `<database file>-writer`. A gevent worker waits for
the flock in one of gevent's native threads, blocked in the kernel, which wakes it the moment the other
process lets go (polling with sleeps instead left the second worker idle: the first one took the lock again
before the poller woke, and two workers created only 13% more records than one). Elsewhere (threads, the
CLI) the waiter polls with short sleeps.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from gevent import Timeout, get_hub, monkey
from sqlalchemy.exc import OperationalError

from .. import pid

#: how long a writer waits for another process's, as SQLite's busy_timeout (database.SQLITE_PRAGMAS)
WAIT_SECONDS = 10.0
FIRST_POLL, LONGEST_POLL = 0.0002, 0.005


class WriterLock:
    """A writer's turn in this process (`take_turn` / `end_turn`) and, during it, the database between
    processes (`lock_database` / `unlock_database`); `hold()` is both for one block."""

    def __init__(self, database_path: str | None):
        self._local = threading.Lock()
        self._path = f"{database_path}-writer" if database_path and database_path != ":memory:" else None
        self._fd: int | None = None
        self._pid = 0
        self._counting = monkey.get_original("_thread", "allocate_lock")()  # held for an increment: never yields
        #: writers of this process waiting for their turn
        self.waiting = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        self.take_turn()
        self.lock_database()
        try:
            yield
        finally:
            self.unlock_database()
            self.end_turn()

    def take_turn(self) -> None:
        with self._counting:
            self.waiting += 1
        try:
            self._local.acquire()
        finally:
            with self._counting:
                self.waiting -= 1

    def end_turn(self) -> None:
        self._local.release()

    def lock_database(self) -> None:
        """During a turn, wait for the other processes' writers. When that fails the turn is over too
        (the caller must not end it): now, or under gevent once the waiting thread got the lock."""
        try:
            fd = self._file()
            if fd is not None:
                self._acquire(fd)
        except _StillWaiting as waiting:  # the thread still waiting lets go of both locks when it gets the flock
            raise waiting.error from None
        except BaseException:
            self._local.release()
            raise

    def unlock_database(self) -> None:
        if self._fd is not None and self._pid == pid.current():
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._pid != pid.current():  # a forked worker opens its own: an flock belongs to the open file
            self._fd, self._pid = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600), pid.current()
        return self._fd

    def _acquire(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if monkey.is_module_patched("threading"):
            self._wait_in_thread(fd)
        else:
            self._poll(fd)

    def _wait_in_thread(self, fd: int) -> None:
        waiting = get_hub().threadpool.spawn(fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            waiting.get(timeout=WAIT_SECONDS)
        except Timeout:
            # a blocked flock cannot be called off: once it returns, release the flock and then this
            # process's queue (held until then, so that no other greenlet takes the flock for its own)
            waiting.rawlink(lambda _result: self._let_go(fd))
            raise _StillWaiting(_locked_error()) from None

    def _let_go(self, fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        self._local.release()

    def _poll(self, fd: int) -> None:
        deadline, pause = time.monotonic() + WAIT_SECONDS, FIRST_POLL
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise _locked_error() from None
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_POLL)


class _StillWaiting(Exception):
    def __init__(self, error: OperationalError):
        super().__init__(str(error))
        self.error = error


def _locked_error() -> OperationalError:
    """What SQLite's own busy handler raises once its timeout passes."""
    return OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
