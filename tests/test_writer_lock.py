"""SQLite writers of different processes queue on baas's own lock (`baas/db/writer_lock.py`)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy.exc import OperationalError

from baas.db import writer_lock
from baas.db.writer_lock import WriterLock

HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.readline()  # until told to let go (or the test's end closes stdin)
"""


class Holder:
    """Another process holding the writer lock until `release()`: no test depends on how fast it starts."""

    def __init__(self, path: str):
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, f"{path}-writer"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> float:
        """Let go; the time (time.time()) just before, which no other holder can have preceded."""
        released = time.time()
        self.process.communicate("\n")
        return released

    def release_later(self, seconds: float) -> None:
        threading.Timer(seconds, self.release).start()


def test_a_writer_waits_for_another_process_then_writes(tmp_path):
    path = str(tmp_path / "data.db")
    holder = Holder(path)
    holder.release_later(0.5)
    started = time.monotonic()
    with WriterLock(path).hold():
        waited = time.monotonic() - started
    assert waited >= 0.5


def test_a_writer_gives_up_as_sqlite_would_when_the_lock_is_never_released(tmp_path, monkeypatch):
    monkeypatch.setattr(writer_lock, "WAIT_SECONDS", 0.2)
    path = str(tmp_path / "data.db")
    holder = Holder(path)
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            with WriterLock(path).hold():
                pass
    finally:
        holder.release()
    with WriterLock(path).hold():  # free again once the holder is gone
        pass



GEVENT_WAITER = """
from gevent import monkey; monkey.patch_all()
import sys, time, gevent
from baas.db import writer_lock
writer_lock.WAIT_SECONDS = float(sys.argv[2])
lock = writer_lock.WriterLock(sys.argv[1])
ticks = []
gevent.spawn(lambda: [ticks.append(gevent.sleep(0.01)) for _ in range(1000)])
started = time.monotonic()
print("waiting", flush=True)
try:
    with lock.hold():
        outcome = "held"
except Exception as error:
    outcome = type(error).__name__
print(outcome, time.monotonic() - started, len(ticks), flush=True)
with lock.hold():
    print(time.time(), flush=True)
"""


class GeventWaiter:
    """A gevent-patched process that waits for the lock once, reports, then takes it again."""

    def __init__(self, path: str, wait_seconds: float):
        self.process = subprocess.Popen(
            [sys.executable, "-c", GEVENT_WAITER, path, str(wait_seconds)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.process.stdout.readline().strip() == "waiting", self.process.stderr.read()

    def first_wait(self) -> tuple[str, float, int]:
        """(its outcome, its seconds, ticks of another greenlet meanwhile)"""
        outcome, waited, ticks = self.process.stdout.readline().split()
        return outcome, float(waited), int(ticks)

    def second_hold(self) -> float:
        """When it got the lock again (time.time())."""
        line = self.process.stdout.readline()
        _rest, err = self.process.communicate(timeout=30)  # closes the pipes
        assert self.process.returncode == 0, err
        return float(line)


def test_under_gevent_the_wait_leaves_the_other_greenlets_running(tmp_path):
    path = str(tmp_path / "data.db")
    holder = Holder(path)
    waiter = GeventWaiter(path, 30)
    time.sleep(1.0)
    holder.release()
    outcome, waited, ticks = waiter.first_wait()
    waiter.second_hold()
    assert outcome == "held" and waited >= 1.0
    assert ticks >= 10  # the hub ran another greenlet (every 10 ms) while this one waited for the lock


def test_under_gevent_a_wait_that_times_out_lets_go_once_the_lock_comes(tmp_path):
    path = str(tmp_path / "data.db")
    holder = Holder(path)
    waiter = GeventWaiter(path, 0.2)
    outcome, waited, _ticks = waiter.first_wait()
    assert outcome == "OperationalError" and waited >= 0.2
    time.sleep(0.5)
    released = holder.release()
    # the abandoned wait got the lock when the holder went and released it: the next writer got it then
    assert waiter.second_hold() >= released
