"""Turn a unique-index violation into PocketBase's field error (`validation_not_unique`), not a 500."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

from ...db.dialect import Dialect
from ...errors import FieldError
from ...schema.collection import Collection
from ...schema.indexes import InvalidIndex, parse_index

NOT_UNIQUE = FieldError("validation_not_unique", "Value must be unique.")
_SQLITE_COLUMNS = re.compile(r"UNIQUE constraint failed: (?P<columns>.+)$", re.M)


def unique_violation_errors(error: IntegrityError, collection: Collection, dialect: Dialect) -> dict[str, FieldError]:
    """The fields of the violated unique index, or `id` for a duplicate primary key."""
    columns = _violated_columns(error, collection, dialect)
    return {column: NOT_UNIQUE for column in columns} or {"id": NOT_UNIQUE}


def _violated_columns(error: IntegrityError, collection: Collection, dialect: Dialect) -> list[str]:
    message = str(error.orig)
    if dialect.name == "sqlite":
        match = _SQLITE_COLUMNS.search(message)
        if not match:
            return []
        return [part.strip().split(".", 1)[-1] for part in match.group("columns").split(",")]
    constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None) or ""
    if constraint.endswith("_pkey"):
        return ["id"]
    names = {field.name for field in collection.fields}
    for sql in collection.indexes:
        try:
            index = parse_index(sql, names)
        except InvalidIndex:
            continue
        if index.name == constraint:
            return [column.name for column in index.columns]
    return []
