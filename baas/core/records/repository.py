"""SQL for records: rows in, `Record`s out. No rules, no hooks, no validation — the service does those."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import Connection, delete, func, insert, literal, select, update
from sqlalchemy.sql import ColumnElement, FromClause

from ...schema.collection import Collection
from .record import Record

if TYPE_CHECKING:
    from ..app import App


class RecordRepository:
    def __init__(self, app: "App"):
        self.app = app

    @property
    def dialect(self):
        return self.app.db.dialect

    # ---- rows <-> records ----------------------------------------------------------------------
    def from_row(self, collection: Collection, row: Any) -> Record:
        mapping = row._mapping
        dialect = self.dialect
        data = {field.name: field.from_db(mapping[field.name], dialect) for field in collection.fields}
        return Record(collection, data, original=dict(data))

    def to_row(self, record: Record) -> dict[str, Any]:
        dialect = self.dialect
        return {field.name: field.to_db(record.data.get(field.name, field.zero()), dialect) for field in record.collection.fields}

    # ---- reads ---------------------------------------------------------------------------------
    def find(self, collection: Collection, record_id: str, where: ColumnElement | None = None) -> Record | None:
        table = collection.table(self.dialect)
        query = select(table).where(table.c.id == record_id)
        if where is not None:
            query = query.where(where)
        with self.app.db.read() as connection:
            row = connection.execute(query).first()
        return self.from_row(collection, row) if row is not None else None

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
        connection.execute(insert(record.collection.table(self.dialect)).values(**self.to_row(record)))

    def update(self, connection: Connection, record: Record, previous_id: str | None = None) -> None:
        table = record.collection.table(self.dialect)
        connection.execute(update(table).where(table.c.id == (previous_id or record.id)).values(**self.to_row(record)))

    def delete(self, connection: Connection, record: Record) -> None:
        table = record.collection.table(self.dialect)
        connection.execute(delete(table).where(table.c.id == record.id))
