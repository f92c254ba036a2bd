"""SQLite writers of different processes queue on baas's own lock (`baas/db/writer_lock.py`)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlalchemy.exc import OperationalError

from baas.db import writer_lock
from baas.db.writer_lock import WriterLock

HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def hold_in_another_process(path: str, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, f"{path}-writer", str(seconds)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_writer_waits_for_another_process_then_writes(tmp_path):
    path = str(tmp_path / "data.db")
    holder = hold_in_another_process(path, 0.5)
    started = time.monotonic()
    with WriterLock(path).hold():
        waited = time.monotonic() - started
    holder.communicate()
    assert waited >= 0.3  # the other process held it for 0.5 s


def test_a_writer_gives_up_as_sqlite_would_when_the_lock_is_never_released(tmp_path, monkeypatch):
    monkeypatch.setattr(writer_lock, "WAIT_SECONDS", 0.2)
    path = str(tmp_path / "data.db")
    holder = hold_in_another_process(path, 3)
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            with WriterLock(path).hold():
                pass
    finally:
        holder.kill()
        holder.communicate()
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
try:
    with lock.hold():
        outcome = "held"
except Exception as error:
    outcome = type(error).__name__
print(outcome, time.monotonic() - started, len(ticks), flush=True)
with lock.hold():
    print(time.time(), flush=True)
"""


def wait_under_gevent(path: str, wait_seconds: float) -> tuple[str, float, int, float]:
    """(outcome of the first wait, its seconds, ticks of another greenlet meanwhile, when a second writer got it)"""
    done = subprocess.run([sys.executable, "-c", GEVENT_WAITER, path, str(wait_seconds)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    outcome, waited, ticks, again = done.stdout.split()
    return outcome, float(waited), int(ticks), float(again)


def test_under_gevent_the_wait_leaves_the_other_greenlets_running(tmp_path):
    path = str(tmp_path / "data.db")
    holder = hold_in_another_process(path, 3)  # longer than the waiter takes to start
    outcome, waited, ticks, _ = wait_under_gevent(path, 10)
    holder.communicate()
    assert outcome == "held" and waited >= 0.5
    assert ticks >= waited / 0.01 / 2  # the hub ran another greenlet while this one waited for the lock


def test_under_gevent_a_wait_that_times_out_lets_go_once_the_lock_comes(tmp_path):
    path = str(tmp_path / "data.db")
    holder = hold_in_another_process(path, 3)
    released = time.time() + 3
    outcome, waited, _ticks, again = wait_under_gevent(path, 0.2)
    holder.communicate()
    assert outcome == "OperationalError" and waited < 1.0
    # the abandoned wait got the lock when the holder went and released it: the next writer got it then
    assert again >= released - 0.1
