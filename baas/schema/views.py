"""View collections: check a view query and infer its fields.

The query must be one read-only `SELECT` (or `WITH ... SELECT`) returning an `id` column. It is tried inside
a savepoint that is always rolled back (and, on SQLite, with `query_only` on), so even a data-modifying
CTE changes nothing. A column named like a field of a collection the query reads is cloned from that
field; other columns become `number` when the sampled values are numbers, else `json`, as PocketBase does.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from ..ids import random_string
from .collection import Collection
from .fields import Field, field_from_json

SAMPLE_SIZE = 20
_FIRST_WORD = re.compile(r"^\s*(\w+)", re.S)
_STRINGS = re.compile(r"'(?:[^']|'')*'")
_WORDS = re.compile(r"\w+")


class InvalidViewQuery(ValueError):
    pass


def check_view_query(query: str) -> str:
    """The query without a trailing semicolon; raise InvalidViewQuery unless it is a single SELECT."""
    text = query.strip().rstrip(";").strip()
    if not text:
        raise InvalidViewQuery("empty view query")
    without_strings = _STRINGS.sub("''", text)
    if ";" in without_strings:
        raise InvalidViewQuery("only a single SELECT statement is allowed")
    first = _FIRST_WORD.match(without_strings)
    if not first or first.group(1).upper() not in ("SELECT", "WITH"):
        raise InvalidViewQuery("the view query must be a SELECT statement")
    return text


def dry_run(connection: Connection, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and a few sample rows of the query, changing nothing."""
    text = check_view_query(query)
    savepoint = connection.begin_nested()
    sqlite = connection.dialect.name == "sqlite"
    try:
        if sqlite:
            connection.exec_driver_sql("PRAGMA query_only = ON")
        result = connection.exec_driver_sql(f"SELECT * FROM ({text}) AS baas_view_sample LIMIT {SAMPLE_SIZE}")
        columns = list(result.keys())
        rows = [tuple(row) for row in result.fetchall()]
    except SQLAlchemyError as error:
        raise InvalidViewQuery(str(getattr(error, "orig", error)).strip()) from error
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA query_only = OFF")
        savepoint.rollback()
    if "id" not in columns:
        raise InvalidViewQuery("missing required id column (you can use `(ROW_NUMBER() OVER()) as id` if you don't have one)")
    if len(set(columns)) != len(columns):
        raise InvalidViewQuery("duplicated column names")
    return columns, rows


def infer_fields(
    connection: Connection, query: str, collections: Iterable[Collection], previous: Collection | None = None
) -> list[Field]:
    columns, rows = dry_run(connection, query)
    mentioned = {word.lower() for word in _WORDS.findall(_STRINGS.sub("", query))}
    sources = [c for c in collections if c.name.lower() in mentioned]
    kept_ids = {field.name: field.id for field in previous.fields} if previous is not None else {}
    fields = []
    for position, name in enumerate(columns):
        field = _id_field() if name == "id" else _clone(name, sources) or _guess(name, [row[position] for row in rows])
        field.id = kept_ids.get(name, field.id)
        fields.append(field)
    return fields


def _id_field() -> Field:
    return field_from_json(
        {"name": "id", "type": "text", "system": True, "primaryKey": True, "required": True, "pattern": "^[a-z0-9]+$",
         "id": "text3208210256"}
    )


def _clone(name: str, sources: list[Collection]) -> Field | None:
    for source in sources:
        original = source.get_field(name)
        if original is not None and original.type != "password":
            data = original.to_json()
            data.update(id="_clone_" + random_string(4), system=False, required=False)
            if data.get("primaryKey"):
                data["primaryKey"] = False
            return field_from_json(data)
    return None


def _guess(name: str, samples: list[Any]) -> Field:
    values = [value for value in samples if value is not None]
    if values and all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values):
        return field_from_json({"name": name, "type": "number", "onlyInt": all(isinstance(v, int) for v in values)})
    return field_from_json({"name": name, "type": "json", "maxSize": 1})
