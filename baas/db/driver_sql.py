"""A SQLAlchemy statement compiled once into the driver's own SQL text and parameter values.

For statements that run again and again with the same values (a list request's query for a filter that
does not depend on the request), executing the text on a driver cursor skips what SQLAlchemy repeats on
every execution: the statement's cache key, the execution context and the result wrappers. The values
are converted by their types' bind processors here, once, as SQLAlchemy would on each execution.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Dialect as EngineDialect
from sqlalchemy.sql import Executable


class DriverStatement(NamedTuple):
    sql: str
    params: tuple | dict  # positional for SQLite's `?`, named for psycopg's `%(name)s`


def compile_for_driver(statement: Executable, engine_dialect: EngineDialect) -> DriverStatement | None:
    """The statement as text and driver values; None when it needs SQLAlchemy at execution time
    (parameters expanded or rendered per execution, such as `IN` lists)."""
    compiled = statement.compile(dialect=engine_dialect)
    sql = str(compiled)
    if "POSTCOMPILE" in sql or any(bind.expanding for bind in compiled.binds.values()):
        return None
    values: dict[str, Any] = {}
    for name, value in compiled.params.items():
        process = compiled.binds[name].type.dialect_impl(engine_dialect).bind_processor(engine_dialect)
        values[name] = value if process is None else process(value)
    if compiled.positional:
        return DriverStatement(sql, tuple(values[name] for name in compiled.positiontup))
    return DriverStatement(sql, values)
