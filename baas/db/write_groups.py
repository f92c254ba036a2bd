"""SQLite write transactions of one process, committed together when writers queue up (group commit).

SQLite has one writer at a time (writer_lock.py). With several workers each turn hands the database to
another process, which costs a context switch through the kernel and makes SQLite drop its page cache,
and each small write pays a BEGIN IMMEDIATE and a COMMIT that write more pages than the insert itself.
So the writers of a process that queue up behind one another share one transaction:

* they still run one at a time, in order, each in a SAVEPOINT of the open transaction (the first needs
  none), and each sees what the writers before it wrote, as if they had committed;
* a writer whose work fails rolls back to its savepoint and fails alone (the first one rolls back the
  whole transaction, which holds nothing else yet);
* the writer that finishes while nobody is queued, or fills the group (`MAX_GROUP`), commits for all, and
  the others return only once that commit is done: a write is answered after it is durable, as before,
  and if the commit fails every writer of the group gets its error.

A group also notes whether it wrote `_params`, where the schema and settings versions live (a temporary
trigger on the write connection calls back into Python): only such a commit bumps the shared counter
that tells every process to reload its caches (change_counter.py), and such a writer ends its group, so
the writers after it start with the new definitions loaded.

PostgreSQL has row locks and concurrent writers: there each transaction is its own (`Database`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import Connection, Engine

from .. import pid
from .writer_lock import WriterLock

log = logging.getLogger(__name__)

#: writers committed together at most: the first of a group waits for the last one's work
MAX_GROUP = 32
_SAVEPOINT = "baas_writer"
_VERSIONS_TABLE = "_params"
_WATCH = "baas_versions_written"


class _Group:
    def __init__(self, connection: Connection):
        self.connection = connection
        self.pending = 0  # writers whose work is done, waiting for the commit
        self.error: BaseException | None = None
        self.versions_changed = False
        self._committed: threading.Event | None = None  # made for the first writer that waits

    def commit_signal(self) -> threading.Event:
        """What a writer waits on for the commit; take it while holding the turn, wait after giving it up."""
        if self._committed is None:
            self._committed = threading.Event()
        return self._committed

    def finished(self) -> None:
        if self._committed is not None:
            self._committed.set()


class WriteGroups:
    def __init__(self, engine: Engine, lock: WriterLock, versions_committed: Callable[[], None]):
        self._engine = engine
        self._lock = lock
        self._versions_committed = versions_committed  # runs before the database is unlocked
        self._kept: tuple[int, Connection] | None = None  # (pid, the connection the writers share)
        self._watching: Connection | None = None  # the kept connection, once its trigger is in place
        self._group: _Group | None = None

    def versions_changed(self) -> bool:
        """Whether the open group wrote the schema or settings versions (or cannot tell)."""
        return self._group is not None and self._group.versions_changed

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One writer's transaction on the shared connection. Returns once its work is committed; raises
        its own error, or the group's if the commit failed."""
        self._lock.take_turn()
        group = self._group or self._open()
        savepoint = group.pending > 0
        own_error: BaseException | None = None
        try:
            if savepoint:
                _execute(group.connection, f"SAVEPOINT {_SAVEPOINT}")
            yield group.connection
            if savepoint:
                _execute(group.connection, f"RELEASE {_SAVEPOINT}")
            group.pending += 1
        except BaseException as error:
            own_error = error
            if savepoint:
                self._undo(group)
        keep_open = (
            self._lock.waiting > 0 and group.pending < MAX_GROUP and group.error is None
            and (savepoint or own_error is None)  # a failed first writer rolls the whole transaction back
            and not group.versions_changed
        )
        if keep_open:
            committed = group.commit_signal() if own_error is None else None
            self._lock.end_turn()  # the next writer joins
            if committed is not None:
                committed.wait()
        else:
            try:
                self._finish(group)
            finally:
                self._lock.end_turn()
        if own_error is not None:
            raise own_error
        if group.error is not None:
            raise group.error

    def _open(self) -> _Group:
        self._lock.lock_database()  # when it fails, the turn is over
        try:
            connection = self._connection()
            watching = self._watch(connection)
            connection.begin()
        except BaseException:
            self._lock.unlock_database()
            self._lock.end_turn()
            raise
        self._group = _Group(connection)
        self._group.versions_changed = not watching
        return self._group

    def _watch(self, connection: Connection) -> bool:
        """Put the trigger that reports writes to `_params` on `connection`; False while that table does
        not exist yet (a fresh database before its migrations: every commit then counts as a change)."""
        if self._watching is connection:
            return True
        driver = _driver(connection)
        driver.create_function(_WATCH, 0, self._note_versions_changed)
        try:
            for event in ("INSERT", "UPDATE", "DELETE"):
                driver.execute(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS {_WATCH}_{event.lower()} AFTER {event} ON main.{_VERSIONS_TABLE}"
                    f" BEGIN SELECT {_WATCH}(); END"
                )
        except sqlite3.OperationalError:  # no such table
            return False
        self._watching = connection
        return True

    def _note_versions_changed(self) -> None:
        if self._group is not None:
            self._group.versions_changed = True

    def _undo(self, group: _Group) -> None:
        """Roll a failed writer back to its savepoint; if even that fails, the group is lost."""
        try:
            _execute(group.connection, f"ROLLBACK TO {_SAVEPOINT}")
            _execute(group.connection, f"RELEASE {_SAVEPOINT}")
        except BaseException as error:  # noqa: BLE001 - e.g. SQLite rolled the whole transaction back
            group.error = error

    def _finish(self, group: _Group) -> None:
        """Commit the group (or roll it back when no writer's work is left in it), then let go."""
        connection = group.connection
        try:
            if group.pending and group.error is None:
                connection.commit()
                if group.versions_changed:
                    self._versions_committed()
            else:
                connection.rollback()
        except BaseException as error:  # noqa: BLE001 - handed to every writer of the group
            if group.error is None and group.pending:
                group.error = error
            _quietly(connection.rollback)
            if _in_transaction(connection):  # a failed COMMIT leaves SQLite's open, unknown to SQLAlchemy
                _quietly(lambda: _execute(connection, "ROLLBACK"))
        finally:
            if _in_transaction(connection):  # it could not be rolled back: the next group starts afresh
                self._kept = None
                _quietly(connection.invalidate)
            self._group = None
            self._lock.unlock_database()
            group.finished()

    def _connection(self) -> Connection:
        """Kept open for all writers of the process: a pool check-out and check-in per write cost more
        than its BEGIN IMMEDIATE."""
        kept = self._kept
        if kept is None or kept[0] != pid.current() or kept[1].closed or kept[1].invalidated:
            kept = self._kept = (pid.current(), self._engine.connect().execution_options(baas_write=True))
        return kept[1]

    def close(self) -> None:
        if self._kept is not None and self._kept[0] == pid.current():
            self._kept[1].close()
        self._kept = None


def _driver(connection: Connection):
    return connection.connection.driver_connection


def _in_transaction(connection: Connection) -> bool:
    try:
        return connection.in_transaction() or _driver(connection).in_transaction
    except Exception:  # noqa: BLE001 - a connection in this state is not to be reused
        return True


def _execute(connection: Connection, sql: str) -> None:
    _driver(connection).execute(sql)


def _quietly(action: Callable[[], object]) -> None:
    try:
        action()
    except Exception:  # noqa: BLE001 - already failing; the connection is dropped after
        log.debug("cleaning up a failed write transaction failed", exc_info=True)
