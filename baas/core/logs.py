"""Request logs: a store kept apart from the records, written in the background.

On SQLite the logs live in their own file, `<data dir>/auxiliary.db`, so logging never takes the main
database's write lock; on PostgreSQL they are the `_logs` table behind a separate small pool (MVCC keeps
record writes unaffected). Requests only put an entry on a queue; a background worker (a greenlet under
gevent) inserts them in batches and deletes entries older than the `logs.maxDays` setting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine, and_, delete, func, inspect, literal, select

from .. import errors, pid
from ..dates import format_datetime, now, now_text
from ..db.database import build_engine
from ..db.dialect import dialect_for
from ..db.writer_lock import WriterLock
from ..ids import new_sequential_id
from ..query.compiler import FilterError, compile_filter, compile_sort
from ..query.request import RequestData
from ..schema import ddl
from ..schema.collection import Collection
from ..schema.fields import field_from_json
from .records.listing import ListQuery, ListResult

if TYPE_CHECKING:
    from .app import App

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.25
BATCH_SIZE = 500
RETENTION_EVERY = 3600.0
#: slog levels, as PocketBase uses them
DEBUG, INFO, WARN, ERROR = -4, 0, 4, 8

#: the logs table, described as a pseudo-collection: the schema engine creates it and the filter
#: compiler resolves `filter=`/`sort=` against it, as for any collection
LOGS_VIEW = Collection(
    id="_logs",
    name="_logs",
    fields=[
        field_from_json({"name": "id", "type": "text", "primaryKey": True, "required": True, "system": True}),
        field_from_json({"name": "created", "type": "text"}),
        field_from_json({"name": "level", "type": "number"}),
        field_from_json({"name": "message", "type": "text"}),
        field_from_json({"name": "data", "type": "json"}),
    ],
    indexes=[
        "CREATE INDEX `_logs_created_idx` ON `_logs` (`created`)",
        "CREATE INDEX `_logs_level_idx` ON `_logs` (`level`)",
    ],
)


def logs_engine(app: "App") -> Engine:
    """SQLite: a small pool of its own, so the writer keeps its connection (closing a SQLite file's last
    connection checkpoints its WAL). PostgreSQL: a connection per use, none left open between flushes."""
    if app.db.dialect.name == "sqlite":
        return build_engine(f"sqlite:///{app.config.data_dir / 'auxiliary.db'}", pool_size=1, max_overflow=2)
    return build_engine(app.config.database_url, pooled=False)


class LogsService:
    def __init__(self, app: "App"):
        self.app = app
        self.engine = logs_engine(app)
        self.dialect = dialect_for(self.engine.dialect.name)
        self.table = LOGS_VIEW.table(self.dialect)
        with self.engine.begin() as connection:
            if not inspect(connection).has_table("_logs"):
                ddl.create(connection, self.dialect, LOGS_VIEW)
        #: positional, compiled once: the writer sends whole batches straight to the driver
        self._insert_sql = f"INSERT INTO _logs (id, created, level, message, data) VALUES ({', '.join([self.dialect.placeholder] * 4)}, {self.dialect.json_placeholder})"
        #: entries waiting for the writer; deque appends and pops are atomic, so requests never wait on a lock
        self._pending: deque[tuple] = deque()
        self._writer = WriterLock(self.engine.url.database if self.dialect.name == "sqlite" else None)
        self._worker_pid = 0  # the process whose writer thread runs
        self._worker: threading.Thread | None = None
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._last_retention = 0.0

    # ---- writing -------------------------------------------------------------------------------
    def add(self, level: int, message: str, data: dict[str, Any]) -> None:
        """Queue an entry, unless the `logs.minLevel` setting drops it; never blocks the caller."""
        settings = self.app.settings.get()["logs"]
        if level < settings.get("minLevel", 0) or settings.get("maxDays", 0) == 0:
            return
        self._pending.append((new_sequential_id(), now_text(), level, message, orjson.dumps(data).decode()))
        if self._worker_pid != pid.current():  # none yet, or the parent's, which did not survive the fork
            self._start_worker()

    def _start_worker(self) -> None:
        with self._lock:
            if self._worker_pid != pid.current() and not self._closed.is_set():
                self._worker = threading.Thread(target=self._run, name="baas-logs", daemon=True)
                self._worker.start()
                self._worker_pid = pid.current()

    def _run(self) -> None:
        while not self._closed.wait(FLUSH_INTERVAL):
            try:
                self.flush()
                if time.monotonic() - self._last_retention > RETENTION_EVERY:
                    self.apply_retention()
            except Exception:  # the log writer must survive a database hiccup
                log.exception("writing request logs failed")

    def flush(self) -> int:
        """Write every queued entry now; returns how many."""
        written = 0
        while True:
            batch = []
            while len(batch) < BATCH_SIZE:
                try:
                    batch.append(self._pending.popleft())
                except IndexError:
                    break
            if not batch:
                return written
            # one transaction per batch (baas_write: SQLite connections run in autocommit mode otherwise)
            with self._writer.hold(), self.engine.connect().execution_options(baas_write=True) as connection, connection.begin():
                connection.exec_driver_sql(self._insert_sql, batch)
            written += len(batch)

    def apply_retention(self) -> int:
        """Delete entries older than `logs.maxDays` days."""
        self._last_retention = time.monotonic()
        days = self.app.settings.get()["logs"].get("maxDays", 5)
        cutoff = format_datetime(now() - timedelta(days=days))
        with self.engine.begin() as connection:
            return connection.execute(delete(self.table).where(self.table.c.created < cutoff)).rowcount

    def truncate(self) -> None:
        self.flush()
        with self.engine.begin() as connection:
            connection.execute(delete(self.table))

    # ---- reading -------------------------------------------------------------------------------
    def _where(self, text: str):
        if not text.strip():
            return None
        try:
            return compile_filter(text, LOGS_VIEW, schema=lambda _: None, dialect=self.dialect,
                                  request=RequestData.guest(), table=self.table)
        except FilterError as error:
            raise errors.bad_request(cause=error) from error

    def list(self, query: ListQuery) -> ListResult:
        self.flush()
        where = self._where(query.filter)
        try:
            order = compile_sort(query.sort, LOGS_VIEW, schema=lambda _: None, dialect=self.dialect,
                                 request=RequestData.guest(), table=self.table) if query.sort.strip() else [self.table.c.created.desc()]
        except FilterError as error:
            raise errors.bad_request(cause=error) from error
        rows = select(self.table)
        count = select(func.count()).select_from(self.table)
        if where is not None:
            rows, count = rows.where(where), count.where(where)
        with self.engine.connect() as connection:
            items = connection.execute(rows.order_by(*order).limit(query.per_page).offset(query.offset)).all()
            total = -1 if query.skip_total else int(connection.execute(count).scalar() or 0)
        return ListResult(page=query.page, per_page=query.per_page, total_items=total, items=[self._entry(r) for r in items])

    def get(self, log_id: str) -> dict[str, Any]:
        self.flush()
        with self.engine.connect() as connection:
            row = connection.execute(select(self.table).where(self.table.c.id == log_id)).first()
        if row is None:
            raise errors.not_found()
        return self._entry(row)

    def stats(self, filter_text: str = "") -> list[dict[str, Any]]:
        """Entries per hour: `[{"date": "2026-11-21 23:00:00.000Z", "total": 98}, ...]`."""
        self.flush()
        hour = func.substr(self.table.c.created, 1, 13).concat(literal(":00:00.000Z"))
        query = select(hour.label("date"), func.count().label("total")).group_by(hour).order_by(hour)
        where = self._where(filter_text)
        if where is not None:
            query = query.where(and_(where))
        with self.engine.connect() as connection:
            return [{"date": row.date, "total": int(row.total)} for row in connection.execute(query)]

    def _entry(self, row: Any) -> dict[str, Any]:
        return {"id": row.id, "created": row.created, "level": int(row.level), "message": row.message,
                "data": self.dialect.load_json(row.data) or {}}

    def close(self) -> None:
        """Stop the writer (it must not outlive the database it writes to), then write what is left."""
        self._closed.set()
        if self._worker is not None and self._worker_pid == pid.current():
            self._worker.join()
        self.flush()
        self.engine.dispose()
