"""Live DDL: keep a collection's table (or view) in step with its definition, without losing data.

Fields are matched by id, so a rename is a column rename. The only column change a definition can make
is single <-> multiple for select/relation/file values (a type change is refused earlier); existing values
are converted (`"a"` <-> `["a"]`, multiple -> single keeps the last item). SQLite cannot alter a column's
type, so there the table is rebuilt (copy, drop, rename); PostgreSQL uses `ALTER COLUMN ... USING`.
Callers run these inside one transaction (DDL is transactional on both databases), so a failing change
leaves nothing half-applied.

Views (of view collections) may read a table or another view. Renames keep them working (SQLite rewrites
their SQL, PostgreSQL tracks objects, not names); a change that needs a column's type changed, or a view
re-created, takes the dependent views out first and puts them back from the database's own definition
afterwards, so a dependent view that no longer fits makes the whole change fail. `dependent_views` tells
the service which views would break if a table went away.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Connection, text

from ..db.dialect import Dialect
from .collection import Collection
from .fields import Field
from .indexes import IndexDef, parse_index
from .views import check_view_query

_SQL_STRINGS = re.compile(r"'(?:[^']|'')*'")
_VIEW_HEAD = re.compile(r"^\s*CREATE\s+VIEW\s+(?:\"[^\"]+\"|`[^`]+`|\[[^\]]+\]|\S+)\s+AS\s+", re.I)
_SQL_IDENTIFIERS = re.compile(r"`([^`]+)`|\"([^\"]+)\"|\[([^\]]+)\]|(\w+)")


def quote(connection: Connection, identifier: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(identifier)


def create(connection: Connection, dialect: Dialect, collection: Collection) -> None:
    if collection.is_view:
        query = check_view_query(collection.view_query)
        connection.exec_driver_sql(f"CREATE VIEW {quote(connection, collection.name)} AS {query}")
        return
    columns = ", ".join(f"{quote(connection, f.name)} {f.column_ddl(dialect)}" for f in collection.fields)
    connection.exec_driver_sql(f"CREATE TABLE {quote(connection, collection.name)} ({columns})")
    _create_indexes(connection, dialect, collection)


def drop(connection: Connection, collection: Collection) -> None:
    kind = "VIEW" if collection.is_view else "TABLE"
    connection.exec_driver_sql(f"DROP {kind} IF EXISTS {quote(connection, collection.name)}")


def truncate(connection: Connection, collection: Collection) -> None:
    connection.exec_driver_sql(f"DELETE FROM {quote(connection, collection.name)}")


def update(connection: Connection, dialect: Dialect, old: Collection, new: Collection) -> None:
    """Change `old`'s table into `new`'s."""
    if old.is_view or new.is_view:
        if old.is_view and new.is_view and old.name == new.name and old.view_query == new.view_query:
            return  # rules or other settings only: the view stays as it is
        with _views_detached(connection, old.name):
            drop(connection, old)
            create(connection, dialect, new)
        return
    old_indexes, new_indexes = _indexes(old), _indexes(new)
    # an index that stays as it is is left alone (no rebuild of a big table's unchanged index)
    kept = {name for name, index in new_indexes.items() if name in old_indexes and _same(old_indexes[name], index, dialect)}
    for name in old_indexes:
        if name not in kept:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {quote(connection, name)}")
    if old.name != new.name:
        _rename_table(connection, old.name, new.name)
    old_by_id = {field.id: field for field in old.fields}
    changed = [f for f in new.fields if f.id in old_by_id and f.column_ddl(dialect) != old_by_id[f.id].column_ddl(dialect)]
    _alter_columns(connection, dialect, new, old_by_id)
    rebuilt = bool(changed) and dialect.name == "sqlite"
    if rebuilt:  # the new table has no index at all
        _rebuild_sqlite(connection, dialect, new, old_by_id)
    elif changed:
        with _views_detached(connection, new.name):
            _alter_types(connection, dialect, new, old_by_id, changed)
    for name, index in new_indexes.items():
        if rebuilt or name not in kept:
            connection.exec_driver_sql(index.render(dialect.name, new.name))


def _alter_columns(connection, dialect, new: Collection, old_by_id: dict[str, Field]) -> None:
    """Drop, rename and add columns; a column whose type changes keeps its old type here."""
    table = quote(connection, new.name)
    new_ids = {field.id for field in new.fields}
    for field in old_by_id.values():
        if field.id not in new_ids:
            connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {quote(connection, field.name)}")
    renamed = [f for f in new.fields if f.id in old_by_id and old_by_id[f.id].name != f.name]
    # two passes through temporary names, so swapping two names cannot collide
    for field in renamed:
        connection.exec_driver_sql(
            f"ALTER TABLE {table} RENAME COLUMN {quote(connection, old_by_id[field.id].name)} "
            f"TO {quote(connection, '_baas_tmp_' + field.id)}"
        )
    for field in renamed:
        connection.exec_driver_sql(
            f"ALTER TABLE {table} RENAME COLUMN {quote(connection, '_baas_tmp_' + field.id)} TO {quote(connection, field.name)}"
        )
    for field in new.fields:
        if field.id not in old_by_id:
            connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {quote(connection, field.name)} {field.column_ddl(dialect)}")


def _alter_types(connection, dialect, new: Collection, old_by_id: dict[str, Field], changed: list[Field]) -> None:
    table = quote(connection, new.name)
    for field in changed:
        column = quote(connection, field.name)
        conversion = _conversion(dialect, old_by_id[field.id], field, column)
        connection.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
        connection.exec_driver_sql(
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {_type_only(field.column_ddl(dialect))} USING {conversion}"
        )
        default = _default_only(field.column_ddl(dialect))
        if default:
            connection.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {default}")


def _rebuild_sqlite(connection, dialect, new: Collection, old_by_id: dict[str, Field]) -> None:
    """SQLite cannot change a column's type: copy the rows into a new table (columns already renamed)."""
    temp = Collection(id=new.id, name=f"_baas_rebuild_{new.name}", type=new.type, fields=new.fields)
    create(connection, dialect, temp)
    targets, sources = [], []
    for field in new.fields:
        old = old_by_id.get(field.id, field)
        targets.append(quote(connection, field.name))
        sources.append(_conversion(dialect, old, field, quote(connection, field.name)))
    connection.exec_driver_sql(
        f"INSERT INTO {quote(connection, temp.name)} ({', '.join(targets)}) "
        f"SELECT {', '.join(sources)} FROM {quote(connection, new.name)}"
    )
    connection.exec_driver_sql(f"DROP TABLE {quote(connection, new.name)}")
    # legacy mode: the rename neither checks nor rewrites the views that read the table by its name
    connection.exec_driver_sql("PRAGMA legacy_alter_table = ON")
    try:
        connection.exec_driver_sql(f"ALTER TABLE {quote(connection, temp.name)} RENAME TO {quote(connection, new.name)}")
    finally:
        connection.exec_driver_sql("PRAGMA legacy_alter_table = OFF")


def _rename_table(connection: Connection, old: str, new: str) -> None:
    """Table names are case-insensitive on SQLite: a change of case alone goes through a temporary name."""
    steps = [old, new]
    if old.lower() == new.lower():
        steps = [old, f"_baas_rename_{new}", new]
    for source, target in zip(steps, steps[1:]):
        connection.exec_driver_sql(f"ALTER TABLE {quote(connection, source)} RENAME TO {quote(connection, target)}")


def _conversion(dialect: Dialect, old: Field, new: Field, column: str) -> str:
    """SQL turning `old`'s stored value into `new`'s (single <-> multiple), or the column unchanged."""
    if old.is_multiple() == new.is_multiple():
        return column
    if new.is_multiple():
        if dialect.name == "postgresql":
            return f"CASE WHEN {column} IS NULL OR {column} = '' THEN '[]'::jsonb ELSE jsonb_build_array({column}) END"
        return f"CASE WHEN {column} IS NULL OR {column} = '' THEN '[]' ELSE json_array({column}) END"
    if dialect.name == "postgresql":
        return f"COALESCE({column}->>(jsonb_array_length({column}) - 1), '')"
    return f"COALESCE(json_extract({column}, '$[#-1]'), '')"


def _type_only(column_ddl: str) -> str:
    return column_ddl.split(" DEFAULT ")[0].replace(" NOT NULL", "")


def _default_only(column_ddl: str) -> str:
    if " DEFAULT " not in column_ddl:
        return ""
    return column_ddl.split(" DEFAULT ", 1)[1].replace(" NOT NULL", "").strip()


def _create_indexes(connection, dialect: Dialect, collection: Collection) -> None:
    for index in _indexes(collection).values():
        connection.exec_driver_sql(index.render(dialect.name, collection.name))


def _indexes(collection: Collection) -> dict[str, IndexDef]:
    names = {field.name for field in collection.fields}
    parsed = (parse_index(sql, names) for sql in collection.indexes)
    return {index.name: index for index in parsed}


def _same(old: IndexDef, new: IndexDef, dialect: Dialect) -> bool:
    """Whether two definitions make the same index (whatever table name they were written with)."""
    return old.render(dialect.name, "t") == new.render(dialect.name, "t")


# ---- views that read a table ---------------------------------------------------------------------------
def dependent_views(connection: Connection, name: str) -> list[str]:
    """Names of the views that read table (or view) `name` directly."""
    return [view for view, _sql in _direct_dependents(connection, name)]


def view_query(connection: Connection, name: str) -> str | None:
    """The SELECT of view `name` as the database holds it now (after the renames it followed), or None."""
    if connection.dialect.name == "postgresql":
        found = connection.execute(
            text("SELECT pg_get_viewdef(to_regclass(:name))"), {"name": quote(connection, name)}
        ).scalar()
        return found.strip().rstrip(";").strip() if found else None
    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", (name,)
    ).scalar()
    match = _VIEW_HEAD.match(sql or "")
    return sql[match.end():].strip().rstrip(";").strip() if match else None


def _direct_dependents(connection: Connection, name: str) -> list[tuple[str, str]]:
    """(view name, statement re-creating it) of each view reading `name`."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT DISTINCT dependent.relname, pg_get_viewdef(dependent.oid) "
                "FROM pg_depend d "
                "JOIN pg_rewrite r ON r.oid = d.objid "
                "JOIN pg_class dependent ON dependent.oid = r.ev_class "
                "JOIN pg_class source ON source.oid = d.refobjid "
                "WHERE source.relname = :name AND dependent.oid <> source.oid "
                "AND source.relnamespace = to_regnamespace(current_schema())::oid"
            ),
            {"name": name},
        ).all()
        return sorted((view, f"CREATE VIEW {quote(connection, view)} AS {definition}") for view, definition in rows)
    rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'view'").all()
    wanted = name.lower()
    return sorted(
        (view, sql) for view, sql in rows if view.lower() != wanted and wanted in _identifiers(sql.split(" AS ", 1)[-1])
    )


def _identifiers(sql: str) -> set[str]:
    """Every identifier (quoted or not) of a statement, lower-cased, string literals left out."""
    return {next(group for group in match.groups() if group).lower() for match in _SQL_IDENTIFIERS.finditer(_SQL_STRINGS.sub("", sql))}


@contextmanager
def _views_detached(connection: Connection, name: str) -> Iterator[None]:
    """Drop the views reading `name` (transitively), run the block, then re-create them as they were."""
    ordered: list[tuple[str, str]] = []

    def collect(source: str) -> None:
        for view, sql in _direct_dependents(connection, source):
            if all(view != seen for seen, _sql in ordered):
                collect(view)
                ordered.append((view, sql))

    collect(name)
    for view, _sql in ordered:  # dependents of a view come before it here
        connection.exec_driver_sql(f"DROP VIEW IF EXISTS {quote(connection, view)}")
    yield
    for view, sql in reversed(ordered):
        connection.exec_driver_sql(sql)
