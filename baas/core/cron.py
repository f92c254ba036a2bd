"""Cron jobs: plugins add them (`app.cron.add(id, "*/5 * * * *", fn)`); the scheduler of a server runs them.

Expressions have PocketBase's five fields (minute hour day-of-month month day-of-week, UTC) or one of the
macros `@yearly @annually @monthly @weekly @daily @midnight @hourly`. As an extension, a sixth field
gives the seconds (`* * * * * */10`: every ten seconds), which croniter reads after the other five.

Every server process runs a scheduler (a greenlet under gevent, a daemon thread otherwise), and a
cluster has many processes, so each due tick is claimed in the database before the job runs: the
process whose INSERT of `(job, tick)` into `_cron_leases` succeeds runs the job, every other one gets a
primary-key conflict and skips that tick. A job therefore runs once per tick across the cluster, on
whichever process claimed it first. Ticks missed while no scheduler ran (or while the process was busy
for longer than an interval) are not caught up: only the latest due tick runs.

`POST /api/crons/{id}` (`Cron.run`) runs a job at once in the background, without a lease.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

from croniter import croniter
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..db.tables import cron_leases_table

if TYPE_CHECKING:
    from .app import App

log = logging.getLogger(__name__)

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
#: how long a claimed tick is kept; older leases are deleted by the built-in job below
LEASE_TTL = timedelta(days=1)
LEASES_CLEANUP_JOB = "__baasCronLeasesCleanup__"
#: the longest the scheduler sleeps without looking again (jobs added later are seen at once anyway)
MAX_SLEEP = 60.0
_EPSILON = timedelta(microseconds=1)


class CronError(ValueError):
    """An invalid job id or expression."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def tick_text(moment: datetime) -> str:
    """A tick as stored in `_cron_leases`: PocketBase's date format, UTC, whole seconds."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000Z")


@dataclass(frozen=True)
class Schedule:
    """A parsed cron expression that can say when it is due."""

    expression: str

    def __post_init__(self) -> None:
        parts = self.spec.split()
        if len(parts) not in (5, 6) or not croniter.is_valid(self.spec):
            raise CronError(f"invalid cron expression {self.expression!r}")

    @property
    def spec(self) -> str:
        return MACROS.get(self.expression.strip().lower(), self.expression.strip())

    def next_after(self, moment: datetime) -> datetime:
        """The first tick strictly after `moment`."""
        return croniter(self.spec, moment).get_next(datetime)

    def latest_in(self, start: datetime, end: datetime) -> datetime | None:
        """The latest tick `t` with `start < t <= end`, or None."""
        tick = croniter(self.spec, end + _EPSILON).get_prev(datetime)
        return tick if tick > start else None


@dataclass(frozen=True)
class Job:
    id: str
    schedule: Schedule
    fn: Callable[[], Any]

    @property
    def expression(self) -> str:
        return self.schedule.expression

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "expression": self.expression}

    def __call__(self) -> None:
        """Run the job, logging (never raising) its failure."""
        try:
            self.fn()
        except Exception:
            log.exception("cron job %s failed", self.id)


def spawn(fn: Callable, *args: Any, name: str = "baas-background") -> Any:
    """Run `fn(*args)` in the background: a greenlet in a gevent-patched process, else a daemon thread.
    The handle has `join(timeout)`."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        import gevent

        return gevent.spawn(fn, *args)
    thread = threading.Thread(target=fn, args=args, name=name, daemon=True)
    thread.start()
    return thread


class Cron:
    """The jobs of one App and its scheduler (started by `create_app` on servers only)."""

    def __init__(self, app: "App", *, clock: Callable[[], datetime] = _utcnow):
        self.app = app
        self.clock = clock
        self.node = f"{socket.gethostname()}:{os.getpid()}"
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._runner: Any = None
        self.add(LEASES_CLEANUP_JOB, "0 * * * *", self.cleanup_leases)

    # ---- the registry --------------------------------------------------------------------------
    def add(self, job_id: str, expression: str, fn: Callable[[], Any]) -> Job:
        """Add (or replace) the job `job_id`: `fn()` runs on every tick of `expression`."""
        if not isinstance(job_id, str) or not job_id.strip():
            raise CronError("a cron job needs a non-empty id")
        if not callable(fn):
            raise CronError(f"cron job {job_id!r}: {fn!r} is not callable")
        job = Job(job_id, Schedule(expression), fn)
        with self._lock:
            self._jobs[job_id] = job
        self._wake.set()
        return job

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)
        self._wake.set()

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        """Every job, in the order they were first added."""
        with self._lock:
            return list(self._jobs.values())

    def run(self, job_id: str) -> Any:
        """Run a job now, in the background and without a lease; None when there is no such job."""
        job = self.get(job_id)
        return None if job is None else spawn(job, name=f"cron-{job_id}")

    # ---- ticks ---------------------------------------------------------------------------------
    def claim(self, job_id: str, tick: datetime) -> bool:
        """Whether this process won `tick` of `job_id` (and so must run it)."""
        try:
            with self.app.db.transaction() as tx:
                tx.connection.execute(
                    insert(cron_leases_table).values(job=job_id, tick=tick_text(tick), node=self.node, created=tick_text(self.clock()))
                )
        except IntegrityError:
            return False
        except SQLAlchemyError:
            log.exception("cron job %s: could not claim tick %s; skipped", job_id, tick_text(tick))
            return False
        return True

    def due(self, since: datetime, now: datetime) -> list[tuple[Job, datetime]]:
        """The jobs with a tick in `(since, now]`, each with its latest such tick."""
        found = []
        for job in self.jobs():
            tick = job.schedule.latest_in(since, now)
            if tick is not None:
                found.append((job, tick))
        return found

    def run_due(self, since: datetime, now: datetime, *, wait: bool = False) -> list[str]:
        """Claim and start every job due in `(since, now]`; the ids of those this process won."""
        started = []
        for job, tick in self.due(since, now):
            if self.claim(job.id, tick):
                handle = spawn(job, name=f"cron-{job.id}")
                started.append(job.id)
                if wait:
                    handle.join()
        return started

    def cleanup_leases(self) -> None:
        cutoff = tick_text(self.clock() - LEASE_TTL)
        with self.app.db.transaction() as tx:
            tx.connection.execute(delete(cron_leases_table).where(cron_leases_table.c.tick < cutoff))

    # ---- the scheduler -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._runner is not None

    def start(self) -> None:
        if self._runner is None:
            self._stopping.clear()
            self._runner = spawn(self._loop, name="baas-cron")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the scheduler; jobs already running finish on their own."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._stopping.set()
        self._wake.set()
        runner.join(timeout)

    def _loop(self) -> None:
        since = self.clock()
        while not self._stopping.is_set():
            self._wake.clear()
            now = self.clock()
            try:
                self.run_due(since, now)
            except Exception:  # the scheduler must outlive any failure
                log.exception("cron scheduler: checking the due jobs failed")
            since = now
            self._wake.wait(self._sleep_after(now))

    def _sleep_after(self, now: datetime) -> float:
        upcoming = [job.schedule.next_after(now) for job in self.jobs()]
        if not upcoming:
            return MAX_SLEEP
        seconds = (min(upcoming) - self.clock()).total_seconds()
        return min(max(seconds, 0.0) + 0.01, MAX_SLEEP)
