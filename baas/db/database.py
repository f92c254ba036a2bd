"""Engine set-up and transactions for SQLite and PostgreSQL.

`Database.transaction()` is the only way the services write. It joins an enclosing transaction of the
same greenlet/thread (so the batch API and hooks can group several writes), takes SQLite's write lock up
front (`BEGIN IMMEDIATE`, which avoids the deadlock of two readers upgrading at once), and runs the
callbacks registered with `Transaction.on_commit` / `on_rollback` only when the outermost block ends:
side effects such as deleting replaced files or publishing realtime events never see uncommitted data.
"""

from __future__ import annotations

import contextvars
import logging
import math
import sqlite3
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from .. import pid
from .change_counter import ChangeCounter
from .dialect import Dialect, dialect_for
from .write_groups import WriteGroups
from .writer_lock import WriterLock

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-16000",
)


def normalize_url(url: str) -> str:
    """`postgresql://` URLs get the psycopg 3 driver, the one baas installs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def engine_options(url: str) -> dict:
    """Pool settings sized for gevent workers, where many requests share one process."""
    return {"pool_size": 8, "max_overflow": 24, "pool_timeout": 30}


def prepare_engine(engine: Engine) -> Engine:
    """Install the per-dialect connection set-up; call before the engine's first connection."""
    if engine.dialect.name == "sqlite":
        _prepare_sqlite(engine)
    return engine


def build_engine(url: str, *, pooled: bool = True, **pool_options) -> Engine:
    """An engine outside Flask (CLI, migrations, tests); `pooled=False` for one-off work, `pool_options`
    (pool_size=...) to size the pool differently."""
    url = normalize_url(url)
    options = {**engine_options(url), **pool_options} if pooled else {"poolclass": NullPool}
    return prepare_engine(create_engine(url, **options))


def _prepare_sqlite(engine: Engine) -> None:
    """Hand transaction control to us (pysqlite's implicit BEGIN is off) and set the pragmas."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        # the filter language's geoDistance() needs SQLite's math functions; a SQLite built without
        # SQLITE_ENABLE_MATH_FUNCTIONS gets NULL-safe Python ones instead
        try:
            cursor.execute("SELECT sin(0), cos(0), asin(0), sqrt(0), radians(0)")
        except sqlite3.OperationalError:
            for name in ("sin", "cos", "asin", "sqrt", "radians"):
                function = getattr(math, name)
                dbapi_connection.create_function(
                    name, 1, lambda x, f=function: None if x is None else f(x), deterministic=True
                )
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # writers take the write lock up front; readers run each statement in autocommit mode, which in
        # WAL mode reads a consistent snapshot per statement and saves a BEGIN round trip per connection
        if connection.get_execution_options().get("baas_write", False):
            try:  # straight to the driver: SQLAlchemy's execution machinery costs more than the statement
                connection.connection.driver_connection.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error) from error


def _nothing() -> None:
    """No change counter to bump (an in-memory database)."""


class Transaction:
    """An open write transaction plus the callbacks to run when it ends."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self._on_commit: list[Callable[[], None]] = []
        self._on_rollback: list[Callable[[BaseException], None]] = []

    def on_commit(self, callback: Callable[[], None]) -> None:
        self._on_commit.append(callback)

    def on_rollback(self, callback: Callable[[BaseException], None]) -> None:
        """`callback(error)` runs after the outermost transaction rolled back because of `error`."""
        self._on_rollback.append(callback)

    def _run(self, callbacks: list[Callable], *args) -> None:
        for callback in callbacks:
            try:
                callback(*args)
            except Exception:  # a side effect must not turn a committed write into an error
                log.exception("after-transaction callback failed")


_current: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar("baas_tx", default=None)


class _Scope:
    connection: Any = None  # opened by the first `cursor()` of the scope


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("baas_scope", default=None)


class Database:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect: Dialect = dialect_for(engine.dialect.name)
        # SQLite has one writer at a time: queue the writers of every process here, not in SQLite's busy
        # handler, which sleeps the whole process
        sqlite = self.dialect.name == "sqlite"
        self._sqlite_idle = _IdleSqliteConnections(engine) if sqlite else None
        path = engine.url.database if sqlite else None
        self._changes = ChangeCounter(f"{path}-changes") if path and path != ":memory:" else None
        self._write_groups = (
            WriteGroups(engine, WriterLock(engine.url.database), self._changes.bump if self._changes else _nothing)
            if sqlite else None
        )

    @property
    def current(self) -> Transaction | None:
        return _current.get()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Open (or join) a write transaction; commit or roll back when the outermost block exits."""
        outer = _current.get()
        if outer is not None:
            yield outer
            return
        tx: Transaction | None = None
        try:
            with self._write() as connection:
                tx = Transaction(connection)
                token = _current.set(tx)
                try:
                    yield tx
                finally:
                    _current.reset(token)
        except BaseException as failure:
            # callbacks run after the lock and the connection are released: they may open new transactions
            if tx is not None:
                tx._run(tx._on_rollback, failure)
            raise
        tx._run(tx._on_commit)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction: on SQLite one of its process's write group (write_groups.py), on
        PostgreSQL its own, on a pooled connection. Commits when the block ends, rolls back if it raises."""
        if self._write_groups is not None:
            with self._write_groups.write() as connection:
                yield connection
            return
        with self.engine.connect().execution_options(baas_write=True) as connection:
            connection.begin()
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    def committed_version_changes(self) -> int | None:
        """How many transactions of all processes have committed a change of the schema or settings versions
        on this SQLite database (see change_counter.py); None on PostgreSQL, where other nodes write unseen."""
        return self._changes.value() if self._changes is not None else None

    def versions_changed_here(self) -> bool:
        """Whether the caller's write transaction changed the schema or settings versions (and so must read
        them from the database rather than trust the shared counter)."""
        if _current.get() is None:
            return False
        return self._write_groups is None or self._write_groups.versions_changed()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading; inside a write transaction it is that transaction's connection."""
        outer = _current.get()
        if outer is not None:
            yield outer.connection
            return
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A driver cursor for the small statements on every request's path (the version check, a read
        by id), whose cost SQLAlchemy's per-execution work (statement objects, cache keys, result
        wrappers) would otherwise double. Inside a write transaction it is on that transaction's connection.
        Outside a transaction each statement commits on its own (no BEGIN, no ROLLBACK when the connection
        goes back to the pool). Driver errors come out as SQLAlchemy's (`OperationalError`, ...)."""
        outer, scope = _current.get(), _scope.get()
        with self._driver_errors():
            if outer is not None:
                connection, owned = outer.connection.connection, False
            elif scope is not None:
                if scope.connection is None:
                    scope.connection = self._autocommit_connection()
                connection, owned = scope.connection, False
            else:
                connection, owned = self._autocommit_connection(), True
            try:
                cursor = connection.cursor()
                try:
                    yield cursor
                finally:
                    cursor.close()
            finally:
                if owned:
                    self._release(connection)

    def execute_in(self, connection: Connection, sql: str, params: Sequence[Any] | dict[str, Any]) -> None:
        """One statement of a write transaction (an insert, an update) straight on `connection`'s driver
        connection, with driver errors as SQLAlchemy's (`IntegrityError`, ...)."""
        with self._driver_errors():
            cursor = connection.connection.cursor()
            try:
                cursor.execute(sql, params)
            finally:
                cursor.close()

    @contextmanager
    def _driver_errors(self) -> Iterator[None]:
        driver_error = self.engine.dialect.loaded_dbapi.Error
        try:
            yield
        except driver_error as error:
            raise DBAPIError.instance(None, None, error, driver_error) from error

    @contextmanager
    def request_scope(self) -> Iterator[None]:
        """Within it, `cursor()` keeps one pooled connection (a request's version check and read by id
        then cost one checkout). It holds no transaction between statements, so no locks either."""
        if _scope.get() is not None:
            yield
            return
        scope = _Scope()
        token = _scope.set(scope)
        try:
            yield
        finally:
            _scope.reset(token)
            if scope.connection is not None:
                self._release(scope.connection)

    def _autocommit_connection(self) -> Any:
        """A driver connection in autocommit mode: SQLite's from `_IdleSqliteConnections` (pysqlite's are in
        autocommit mode already, see `_prepare_sqlite`), PostgreSQL's from the pool."""
        if self._sqlite_idle is not None:
            return self._sqlite_idle.take()
        connection = self.engine.raw_connection()
        connection.driver_connection.autocommit = True
        return connection

    def _release(self, connection: Any) -> None:
        """Back where it came from, as it was handed out; a connection that cannot be reset is discarded."""
        if self._sqlite_idle is not None:
            self._sqlite_idle.give(connection)
            return
        try:
            connection.driver_connection.autocommit = False
        except Exception:  # a broken connection: the pool opens a new one next time
            connection.invalidate()
        connection.close()

    def dispose(self) -> None:
        if self._sqlite_idle is not None:
            self._sqlite_idle.close()
        if self._write_groups is not None:
            self._write_groups.close()
        if self._changes is not None:
            self._changes.close()
        self.engine.dispose()


class _IdleSqliteConnections:
    """SQLite connections for `Database.cursor()` outside transactions, kept in a plain list.

    SQLAlchemy's pool check-out and check-in (a locked queue, events, the reset on return) cost more than
    the statements run on these connections, a version check and a read by id. Connections come from the
    engine, so they are set up as every other (pragmas), then leave its pool. SQLite needs no cap on them:
    a connection is an open file. A forked process opens its own."""

    KEEP = 8  # idle connections kept; more are closed on return

    def __init__(self, engine: Engine):
        self._engine = engine
        self._idle: list[Any] = []
        self._pid = pid.current()

    def take(self) -> Any:
        if self._pid != pid.current():  # the parent's: not to be used, nor closed, here
            self._idle, self._pid = [], pid.current()
        if self._idle:
            return self._idle.pop()
        pooled = self._engine.raw_connection()
        connection = pooled.dbapi_connection
        pooled.detach()
        return connection

    def give(self, connection: Any) -> None:
        if len(self._idle) < self.KEEP and self._pid == pid.current():
            self._idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()
