"""Request logs: a store kept apart from the records, written in the background.

On SQLite the logs live in their own file, `<data dir>/auxiliary.db`, so logging never takes the main
database's write lock; on PostgreSQL they are the `_logs` table behind a separate small pool (MVCC keeps
record writes unaffected). Requests only put an entry on a queue; a background worker (a greenlet under
gevent) inserts them in batches and deletes entries older than the `logs.maxDays` setting.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import TYPE_CHECKING, Any

from datetime import timedelta

from sqlalchemy import Engine, and_, delete, func, insert, inspect, literal, select

from .. import errors
from ..dates import format_datetime, now, now_text
from ..db.database import build_engine
from ..db.dialect import dialect_for
from ..ids import new_record_id
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
    if app.db.dialect.name == "sqlite":
        return build_engine(f"sqlite:///{app.config.data_dir / 'auxiliary.db'}", pooled=False)
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
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_retention = 0.0

    # ---- writing -------------------------------------------------------------------------------
    def add(self, level: int, message: str, data: dict[str, Any]) -> None:
        """Queue an entry, unless the `logs.minLevel` setting drops it; never blocks the caller."""
        settings = self.app.settings.get()["logs"]
        if level < settings.get("minLevel", 0) or settings.get("maxDays", 0) == 0:
            return
        self._queue.put({"id": new_record_id(), "created": now_text(), "level": level, "message": message,
                         "data": self.dialect.dump_json(data)})
        self._ensure_worker()

    def _ensure_worker(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="baas-logs", daemon=True)
                self._worker.start()

    def _run(self) -> None:
        while True:
            time.sleep(FLUSH_INTERVAL)
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
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if not batch:
                return written
            with self.engine.begin() as connection:
                connection.execute(insert(self.table), batch)
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
        self.flush()
        self.engine.dispose()
