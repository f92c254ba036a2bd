"""A collection's single-row statements (read by id, insert, update) as SQL sent straight to the driver.

They run on almost every request, and for one row SQLAlchemy's statement objects, cache keys and result
wrappers cost more than the statement. Built once per collection version (the registry replaces its
`Collection` objects when the schema changes). Identifiers come from the schema, quoted by the database's
dialect; every value is a bound parameter, converted by its column type's own bind processor (JSONB on
PostgreSQL, booleans on SQLite), exactly as SQLAlchemy would.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from sqlalchemy import Dialect as EngineDialect, Table


class CollectionStatements:
    def __init__(self, table: Table, names: Sequence[str], engine_dialect: EngineDialect, placeholder: str):
        quote = engine_dialect.identifier_preparer.quote
        columns = [quote(table.c[name].name) for name in names]
        table_name, id_column = quote(table.name), quote("id")
        self.select_by_id = f"SELECT {', '.join(columns)} FROM {table_name} WHERE {id_column} = {placeholder}"
        self.insert = f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({', '.join([placeholder] * len(columns))})"
        assignments = ", ".join(f"{column} = {placeholder}" for column in columns)
        self.update = f"UPDATE {table_name} SET {assignments} WHERE {id_column} = {placeholder}"
        self._processors: list[Callable[[Any], Any] | None] = [
            table.c[name].type.dialect_impl(engine_dialect).bind_processor(engine_dialect) for name in names
        ]

    def params(self, values: Sequence[Any]) -> tuple:
        """Column values (in field order) as the driver takes them."""
        return tuple(value if process is None else process(value) for process, value in zip(self._processors, values))
