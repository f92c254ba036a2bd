"""What travels between processes: JSON frames, and records as snapshots of their stored values.

A snapshot is the record's row as the database stores it (`field.to_db`), so the receiving process,
which shares the database and its dialect, rebuilds an identical `Record` with `field.from_db`. Password
hashes are left out: no realtime message ever shows one and the rules cannot compare them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from ..records.record import Record

if TYPE_CHECKING:
    from ..app import App


def dumps(message: dict[str, Any]) -> bytes:
    return orjson.dumps(message, default=str)


def loads(frame: bytes) -> dict[str, Any]:
    data = orjson.loads(frame)
    if not isinstance(data, dict):
        raise ValueError("a realtime frame must be a JSON object")
    return data


def snapshot(app: "App", record: Record) -> dict[str, Any]:
    dialect = app.db.dialect
    values = {}
    for field in record.collection.fields:
        if field.type == "password":
            continue
        values[field.name] = field.to_db(record.data.get(field.name, field.zero()), dialect)
    return {"c": record.collection.id, "d": values}


def restore(app: "App", data: dict[str, Any]) -> Record | None:
    """The record of a snapshot, or None when its collection is unknown here (even after a refresh)."""
    collection = app.collections.get(str(data.get("c", "")))
    if collection is None:
        app.refresh()
        collection = app.collections.get(str(data.get("c", "")))
        if collection is None:
            return None
    dialect = app.db.dialect
    values = data.get("d") or {}
    fields = {field.name: field.from_db(values.get(field.name), dialect) for field in collection.fields}
    return Record(collection, fields, original=dict(fields))
