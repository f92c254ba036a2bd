"""SQL for records: rows in, `Record`s out. No rules, no hooks, no validation — the service does those."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, delete, func, literal, select
from sqlalchemy.sql import ColumnElement, FromClause

from ...schema.collection import Collection
from .list_plans import ListPlan, ListPlans
from .record import Record
from .statements import CollectionStatements

if TYPE_CHECKING:
    from ..app import App


class RecordRepository:
    def __init__(self, app: "App"):
        self.app = app
        self._statements: WeakKeyDictionary[Collection, CollectionStatements] = WeakKeyDictionary()
        self.list_plans = ListPlans(app.db.engine.dialect)

    @property
    def dialect(self):
        return self.app.db.dialect

    # ---- rows <-> records ----------------------------------------------------------------------
    def from_row(self, collection: Collection, row: Any) -> Record:
        mapping = row._mapping
        return self.from_values(collection, [mapping[field.name] for field in collection.fields])

    def from_values(self, collection: Collection, values: Sequence[Any]) -> Record:
        """A record from its column values in field order, as the driver returned them."""
        dialect = self.dialect
        data = {field.name: field.from_db(value, dialect) for field, value in zip(collection.fields, values)}
        return Record(collection, data, original=dict(data))

    def to_values(self, record: Record) -> list[Any]:
        """The record's column values, in field order."""
        dialect = self.dialect
        return [field.to_db(record.data.get(field.name, field.zero()), dialect) for field in record.collection.fields]

    # ---- reads ---------------------------------------------------------------------------------
    def find(self, collection: Collection, record_id: str, where: ColumnElement | None = None) -> Record | None:
        if where is None:  # no rule to apply: the busiest read of all goes straight to the driver
            with self.app.db.cursor() as cursor:
                cursor.execute(self.statements(collection).select_by_id, (record_id,))
                values = cursor.fetchone()
            return self.from_values(collection, values) if values is not None else None
        table = collection.table(self.dialect)
        with self.app.db.read() as connection:
            row = connection.execute(select(table).where(table.c.id == record_id, where)).first()
        return self.from_row(collection, row) if row is not None else None

    def statements(self, collection: Collection) -> CollectionStatements:
        found = self._statements.get(collection)
        if found is None:
            found = CollectionStatements(
                collection.table(self.dialect), [field.name for field in collection.fields],
                self.app.db.engine.dialect, self.dialect.placeholder,
            )
            self._statements[collection] = found
        return found

    def run_list_plan(self, plan: ListPlan, skip_total: bool) -> tuple[list[Sequence[Any]], int]:
        """A kept list query's rows (columns in field order) and total (-1 with `skip_total`)."""
        with self.app.db.cursor() as cursor:
            cursor.execute(plan.rows.sql, plan.rows.params)
            rows = cursor.fetchall()
            if skip_total:
                return rows, -1
            cursor.execute(plan.count.sql, plan.count.params)
            return rows, int(cursor.fetchone()[0] or 0)

    def find_first(self, collection: Collection, where: ColumnElement) -> Record | None:
        table = collection.table(self.dialect)
        with self.app.db.read() as connection:
            row = connection.execute(select(table).where(where).limit(1)).first()
        return self.from_row(collection, row) if row is not None else None

    def find_many(self, collection: Collection, ids: Iterable[str], where: ColumnElement | None = None) -> list[Record]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        table = collection.table(self.dialect)
        query = select(table).where(table.c.id.in_(ids))
        if where is not None:
            query = query.where(where)
        with self.app.db.read() as connection:
            rows = connection.execute(query).all()
        return [self.from_row(collection, row) for row in rows]

    def existing_ids(self, collection: Collection, ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return set()
        table = collection.table(self.dialect)
        with self.app.db.read() as connection:
            return set(connection.execute(select(table.c.id).where(table.c.id.in_(ids))).scalars())

    def matches(self, collection: Collection, record_id: str, where: ColumnElement) -> bool:
        """Whether the stored record passes `where` (rules are checked this way)."""
        table = collection.table(self.dialect)
        with self.app.db.read() as connection:
            return connection.execute(select(table.c.id).where(table.c.id == record_id, where).limit(1)).first() is not None

    def new_row(self, record: Record) -> FromClause:
        """`record`'s values as a one-row subquery with its collection's columns, so a rule can be checked
        on a record before it is validated or written (PocketBase checks createRule this way)."""
        table = record.collection.table(self.dialect)
        values = {
            field.name: "" if field.type == "password" else field.to_db(record.data.get(field.name, field.zero()), self.dialect)
            for field in record.collection.fields
        }
        return select(*(literal(values[column.name], column.type).label(column.name) for column in table.columns)).subquery("new_record")

    def any_row(self, source: FromClause, where: ColumnElement) -> bool:
        with self.app.db.read() as connection:
            return connection.execute(select(literal(1)).select_from(source).where(where).limit(1)).first() is not None

    def count(self, collection: Collection, where: ColumnElement | None = None) -> int:
        table = collection.table(self.dialect)
        query = select(func.count()).select_from(table)
        if where is not None:
            query = query.where(where)
        with self.app.db.read() as connection:
            return int(connection.execute(query).scalar() or 0)

    # ---- writes (callers hold the transaction) --------------------------------------------------
    def insert(self, connection: Connection, record: Record) -> None:
        statements = self.statements(record.collection)
        self.app.db.execute_in(connection, statements.insert, statements.params(self.to_values(record)))

    def update(self, connection: Connection, record: Record, previous_id: str | None = None) -> None:
        statements = self.statements(record.collection)
        self.app.db.execute_in(connection, statements.update, statements.params(self.to_values(record)) + (previous_id or record.id,))

    def delete(self, connection: Connection, record: Record) -> None:
        table = record.collection.table(self.dialect)
        connection.execute(delete(table).where(table.c.id == record.id))
