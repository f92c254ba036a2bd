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
import threading
from contextlib import contextmanager, nullcontext
from typing import Callable, Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

from .dialect import Dialect, dialect_for

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


def build_engine(url: str, *, pooled: bool = True) -> Engine:
    """An engine outside Flask (CLI, migrations, tests); `pooled=False` for one-off work."""
    url = normalize_url(url)
    options = engine_options(url) if pooled else {"poolclass": NullPool}
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
            connection.exec_driver_sql("BEGIN IMMEDIATE")


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


class Database:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect: Dialect = dialect_for(engine.dialect.name)
        # SQLite has one writer at a time: queue this process's writers here (cooperatively under gevent,
        # whose monkey-patching makes this lock a greenlet lock) rather than in SQLite's sleeping busy handler
        self._write_lock = threading.Lock() if self.dialect.name == "sqlite" else nullcontext()

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
        failure: BaseException | None = None
        with self._write_lock, self.engine.connect().execution_options(baas_write=True) as connection:
            tx = Transaction(connection)
            token = _current.set(tx)
            try:
                connection.begin()
                yield tx
                connection.commit()
            except BaseException as error:
                connection.rollback()
                failure = error
            finally:
                _current.reset(token)
        # callbacks run after the lock and the connection are released: they may open new transactions
        if failure is not None:
            tx._run(tx._on_rollback, failure)
            raise failure
        tx._run(tx._on_commit)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading; inside a write transaction it is that transaction's connection."""
        outer = _current.get()
        if outer is not None:
            yield outer.connection
            return
        with self.engine.connect() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()
