"""Live DDL (`baas.schema.ddl`) on the test database (SQLite, or PostgreSQL with BAAS_TEST_DATABASE_URL).

Each test builds `Collection` objects by hand, changes tables through `ddl` inside a transaction and reads the
rows back, so a change that loses or mangles data fails here before it reaches the API.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError

from baas.schema import ddl
from baas.schema.collection import Collection
from baas.schema.fields import field_from_json

ID = {"name": "id", "type": "text", "id": "text3208210256", "primaryKey": True, "system": True, "required": True,
      "pattern": "^[a-z0-9]+$", "autogeneratePattern": "[a-z0-9]{15}", "min": 15, "max": 15}
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def core(databases, tmp_path_factory):
    from baas import create_app, load_config

    data_dir = tmp_path_factory.mktemp("ddl")
    url = databases.fresh(data_dir)
    flask_app = create_app(load_config(data_dir, url, env={}), run_migrations=False)
    made = flask_app.extensions["baas"]
    yield made
    made.close()
    databases.release(url)


def definition(name: str | None = None, *fields: dict, indexes=(), type="base", view_query="", id=None) -> Collection:
    name = name or f"t{next(_numbers)}"
    return Collection(
        id=id or f"pbc_{name}",
        name=name,
        type=type,
        fields=[field_from_json(ID)] * (type != "view") + [field_from_json(f) for f in fields],
        indexes=list(indexes),
        options={"viewQuery": view_query} if type == "view" else {},
    )


def changed(collection: Collection, *, name: str | None = None, fields=None, indexes=None) -> Collection:
    """A copy of `collection` with another name, field list (JSON, the id field kept first) or indexes."""
    new = collection.copy()
    if name is not None:
        new.name = name
    if fields is not None:
        new.fields = [field_from_json(ID)] + [field_from_json(f) for f in fields]
    if indexes is not None:
        new.indexes = list(indexes)
    return new


def run(core, action, *args) -> None:
    with core.db.transaction() as tx:
        action(tx.connection, core.db.dialect, *args)


def create(core, collection: Collection) -> Collection:
    run(core, ddl.create, collection)
    return collection


def update(core, old: Collection, new: Collection) -> Collection:
    run(core, ddl.update, old, new)
    return new


def put(core, collection: Collection, **values) -> None:
    dialect = core.db.dialect
    row = {f.name: f.to_db(values.get(f.name, f.zero()), dialect) for f in collection.fields}
    with core.db.transaction() as tx:
        tx.connection.execute(insert(collection.table(dialect)).values(**row))


def rows(core, collection: Collection) -> list[dict]:
    """Every row as the API would see its values, ordered by id."""
    dialect = core.db.dialect
    table = collection.table(dialect)
    with core.db.read() as connection:
        found = connection.execute(select(table).order_by(table.c.id)).all()
    return [{f.name: f.to_api(f.from_db(row._mapping[f.name], dialect)) for f in collection.fields} for row in found]


def view_rows(core, name: str) -> list[dict]:
    with core.db.read() as connection:
        result = connection.exec_driver_sql(f'SELECT * FROM "{name}" ORDER BY id')
        return [dict(row._mapping) for row in result]


def rid(number: int) -> str:
    return f"r{number:014d}"


# ---- create ---------------------------------------------------------------------------------------------


def test_create_gives_every_field_type_its_zero_value(core):
    every_type = [
        {"name": "t", "type": "text"}, {"name": "n", "type": "number"}, {"name": "b", "type": "bool"},
        {"name": "e", "type": "email"}, {"name": "u", "type": "url"}, {"name": "ed", "type": "editor"},
        {"name": "d", "type": "date"}, {"name": "ad", "type": "autodate", "onCreate": True},
        {"name": "s", "type": "select", "values": ["a"]}, {"name": "sm", "type": "select", "values": ["a"], "maxSelect": 2},
        {"name": "f", "type": "file"}, {"name": "fm", "type": "file", "maxSelect": 3},
        {"name": "r", "type": "relation", "collectionId": "x"}, {"name": "rm", "type": "relation", "collectionId": "x", "maxSelect": 9},
        {"name": "j", "type": "json"}, {"name": "p", "type": "password"}, {"name": "g", "type": "geoPoint"},
    ]
    collection = create(core, definition(None, *every_type))
    with core.db.transaction() as tx:  # only the id: every other column takes its DEFAULT
        tx.connection.execute(insert(collection.table(core.db.dialect)).values(id=rid(1)))
    assert rows(core, collection) == [{
        "id": rid(1), "t": "", "n": 0, "b": False, "e": "", "u": "", "ed": "", "d": "", "ad": "", "s": "", "sm": [],
        "f": "", "fm": [], "r": "", "rm": [], "j": None, "p": "", "g": {"lon": 0, "lat": 0},
    }]


def test_create_adds_the_indexes(core):
    collection = create(core, definition(None, {"name": "code", "type": "text"}, indexes=["CREATE UNIQUE INDEX idx_code_c1 ON x (code)"]))
    put(core, collection, id=rid(1), code="a")
    with pytest.raises(SQLAlchemyError):
        put(core, collection, id=rid(2), code="a")


def test_create_view_from_a_query(core):
    source = create(core, definition(None, {"name": "title", "type": "text"}))
    put(core, source, id=rid(1), title="hello")
    create(core, definition("v_create", type="view", view_query=f"SELECT id, title FROM {source.name};"))
    assert view_rows(core, "v_create") == [{"id": rid(1), "title": "hello"}]


def test_drop_removes_the_table(core):
    collection = create(core, definition())
    run(core, lambda connection, _dialect: ddl.drop(connection, collection))
    with pytest.raises(SQLAlchemyError):
        rows(core, collection)


def test_truncate_deletes_every_row(core):
    collection = create(core, definition(None, {"name": "title", "type": "text"}))
    put(core, collection, id=rid(1), title="a")
    run(core, lambda connection, _dialect: ddl.truncate(connection, collection))
    assert rows(core, collection) == []


# ---- renames --------------------------------------------------------------------------------------------


def test_rename_table_keeps_the_rows(core):
    old = create(core, definition(None, {"name": "title", "type": "text"}))
    put(core, old, id=rid(1), title="kept")
    new = update(core, old, changed(old, name=old.name + "_renamed"))
    assert rows(core, new) == [{"id": rid(1), "title": "kept"}]


def test_rename_table_by_case_only(core):
    old = create(core, definition("casey", {"name": "title", "type": "text"}))
    put(core, old, id=rid(1), title="kept")
    new = update(core, old, changed(old, name="CASEY"))
    assert rows(core, new) == [{"id": rid(1), "title": "kept"}]


def test_rename_column_keeps_its_values(core):
    old = create(core, definition(None, {"name": "title", "type": "text", "id": "f1"}))
    put(core, old, id=rid(1), title="kept")
    new = update(core, old, changed(old, fields=[{"name": "heading", "type": "text", "id": "f1"}]))
    assert rows(core, new) == [{"id": rid(1), "heading": "kept"}]


def test_swap_two_column_names(core):
    old = create(core, definition(None, {"name": "a", "type": "text", "id": "fa"}, {"name": "b", "type": "text", "id": "fb"}))
    put(core, old, id=rid(1), a="was a", b="was b")
    new = update(core, old, changed(old, fields=[{"name": "b", "type": "text", "id": "fa"}, {"name": "a", "type": "text", "id": "fb"}]))
    assert rows(core, new) == [{"id": rid(1), "b": "was a", "a": "was b"}]


def test_rename_column_by_case_only(core):
    old = create(core, definition(None, {"name": "title", "type": "text", "id": "f1"}))
    put(core, old, id=rid(1), title="kept")
    new = update(core, old, changed(old, fields=[{"name": "Title", "type": "text", "id": "f1"}]))
    assert rows(core, new) == [{"id": rid(1), "Title": "kept"}]


# ---- adding and removing columns ----------------------------------------------------------------------------


def test_drop_column_keeps_the_others(core):
    old = create(core, definition(None, {"name": "a", "type": "text", "id": "fa"}, {"name": "b", "type": "number", "id": "fb"}))
    put(core, old, id=rid(1), a="x", b=5)
    new = update(core, old, changed(old, fields=[{"name": "b", "type": "number", "id": "fb"}]))
    assert rows(core, new) == [{"id": rid(1), "b": 5}]


@pytest.mark.parametrize(
    ("field", "zero"),
    [
        ({"type": "number"}, 0), ({"type": "bool"}, False), ({"type": "json"}, None), ({"type": "text"}, ""),
        ({"type": "select", "values": ["a", "b"], "maxSelect": 2}, []), ({"type": "geoPoint"}, {"lon": 0, "lat": 0}),
    ],
)
def test_add_column_gives_existing_rows_the_zero_value(core, field, zero):
    old = create(core, definition(None, {"name": "a", "type": "text", "id": "fa"}))
    put(core, old, id=rid(1), a="x")
    new = update(core, old, changed(old, fields=[{"name": "a", "type": "text", "id": "fa"}, {"name": "added", **field}]))
    assert rows(core, new) == [{"id": rid(1), "a": "x", "added": zero}]


def test_replace_a_column_by_a_new_one_of_the_same_name(core):
    old = create(core, definition(None, {"name": "v", "type": "text", "id": "old"}))
    put(core, old, id=rid(1), v="text")
    new = update(core, old, changed(old, fields=[{"name": "v", "type": "number", "id": "new"}]))
    assert rows(core, new) == [{"id": rid(1), "v": 0}]


# ---- single <-> multiple ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["select", "relation", "file"])
def test_single_to_multiple_wraps_each_value(core, kind):
    options = {"values": ["a", "b"]} if kind == "select" else {"collectionId": "x"} if kind == "relation" else {}
    old = create(core, definition(None, {"name": "v", "type": kind, "id": "fv", **options}))
    put(core, old, id=rid(1), v="a")
    put(core, old, id=rid(2), v="")
    new = update(core, old, changed(old, fields=[{"name": "v", "type": kind, "id": "fv", "maxSelect": 2, **options}]))
    assert rows(core, new) == [{"id": rid(1), "v": ["a"]}, {"id": rid(2), "v": []}]


@pytest.mark.parametrize("kind", ["select", "relation", "file"])
def test_multiple_to_single_keeps_the_last_value(core, kind):
    options = {"values": ["a", "b"]} if kind == "select" else {"collectionId": "x"} if kind == "relation" else {}
    old = create(core, definition(None, {"name": "v", "type": kind, "id": "fv", "maxSelect": 5, **options}))
    put(core, old, id=rid(1), v=["a", "b"])
    put(core, old, id=rid(2), v=[])
    new = update(core, old, changed(old, fields=[{"name": "v", "type": kind, "id": "fv", **options}]))
    assert rows(core, new) == [{"id": rid(1), "v": "b"}, {"id": rid(2), "v": ""}]


def test_multiple_column_is_stored_as_a_json_array(core):
    old = create(core, definition(None, {"name": "v", "type": "select", "id": "fv", "values": ["a"]}))
    put(core, old, id=rid(1), v="a")
    update(core, old, changed(old, fields=[{"name": "v", "type": "select", "id": "fv", "values": ["a"], "maxSelect": 3}]))
    with core.db.read() as connection:
        length = connection.exec_driver_sql(
            f"SELECT {'jsonb_array_length' if core.db.dialect.name == 'postgresql' else 'json_array_length'}(v) FROM {old.name}"
        ).scalar()
    assert length == 1


def test_rename_and_toggle_in_one_change(core):
    old = create(core, definition(None, {"name": "tags", "type": "select", "id": "fv", "values": ["a", "b"]}, {"name": "t", "type": "text", "id": "ft"}))
    put(core, old, id=rid(1), tags="b", t="keep")
    new = update(core, old, changed(old, fields=[
        {"name": "labels", "type": "select", "id": "fv", "values": ["a", "b"], "maxSelect": 2},
        {"name": "title", "type": "text", "id": "ft"},
    ]))
    assert rows(core, new) == [{"id": rid(1), "labels": ["b"], "title": "keep"}]


def test_toggle_keeps_unrelated_columns_and_indexes(core):
    old = create(core, definition(
        None, {"name": "v", "type": "select", "id": "fv", "values": ["a"]}, {"name": "code", "type": "text", "id": "fc"},
        indexes=["CREATE UNIQUE INDEX idx_toggle_code ON x (code)"],
    ))
    put(core, old, id=rid(1), v="a", code="c1")
    new = update(core, old, changed(old, fields=[
        {"name": "v", "type": "select", "id": "fv", "values": ["a"], "maxSelect": 2}, {"name": "code", "type": "text", "id": "fc"},
    ]))
    assert rows(core, new) == [{"id": rid(1), "v": ["a"], "code": "c1"}]
    with pytest.raises(SQLAlchemyError):
        put(core, new, id=rid(2), code="c1")


# ---- indexes ----------------------------------------------------------------------------------------------


def test_update_replaces_the_indexes(core):
    old = create(core, definition(None, {"name": "code", "type": "text", "id": "fc"}, indexes=["CREATE UNIQUE INDEX idx_repl ON x (code)"]))
    new = update(core, old, changed(old, indexes=[]))
    put(core, new, id=rid(1), code="same")
    put(core, new, id=rid(2), code="same")
    newer = update(core, new, changed(new, indexes=["CREATE INDEX idx_repl2 ON x (code)"]))
    assert [row["code"] for row in rows(core, newer)] == ["same", "same"]


def test_a_failing_change_leaves_the_table_as_it_was(core):
    old = create(core, definition(None, {"name": "code", "type": "text", "id": "fc"}))
    put(core, old, id=rid(1), code="dup")
    put(core, old, id=rid(2), code="dup")
    new = changed(old, name=old.name + "_x", fields=[{"name": "renamed", "type": "text", "id": "fc"}],
                  indexes=["CREATE UNIQUE INDEX idx_fail_dup ON x (renamed)"])
    with pytest.raises(SQLAlchemyError):
        update(core, old, new)
    assert [row["code"] for row in rows(core, old)] == ["dup", "dup"]


# ---- views that read a changed table ------------------------------------------------------------------------


def test_dependent_views_names_the_views_reading_a_table(core):
    source = create(core, definition(None, {"name": "title", "type": "text"}))
    create(core, definition("v_dep_a", type="view", view_query=f"SELECT id, title FROM {source.name}"))
    create(core, definition("v_dep_b", type="view", view_query="SELECT id FROM v_dep_a"))
    with core.db.read() as connection:
        assert ddl.dependent_views(connection, source.name) == ["v_dep_a"]
        assert ddl.dependent_views(connection, "v_dep_a") == ["v_dep_b"]
        assert ddl.dependent_views(connection, "v_dep_b") == []


def test_toggle_of_a_column_read_by_views(core):
    old = create(core, definition(None, {"name": "tag", "type": "select", "id": "fv", "values": ["a"]}))
    put(core, old, id=rid(1), tag="a")
    create(core, definition("v_tog_a", type="view", view_query=f"SELECT id, tag FROM {old.name}"))
    create(core, definition("v_tog_b", type="view", view_query="SELECT id, tag FROM v_tog_a"))
    update(core, old, changed(old, fields=[{"name": "tag", "type": "select", "id": "fv", "values": ["a"], "maxSelect": 2}]))
    assert [row["id"] for row in view_rows(core, "v_tog_b")] == [rid(1)]


def test_rename_of_a_column_read_by_a_view(core):
    old = create(core, definition(None, {"name": "title", "type": "text", "id": "ft"}))
    put(core, old, id=rid(1), title="hello")
    create(core, definition("v_ren", type="view", view_query=f"SELECT id, title FROM {old.name}"))
    update(core, old, changed(old, fields=[{"name": "heading", "type": "text", "id": "ft"}]))
    assert [row["id"] for row in view_rows(core, "v_ren")] == [rid(1)]


def test_dropping_a_column_read_by_a_view_fails(core):
    old = create(core, definition(None, {"name": "title", "type": "text", "id": "ft"}))
    create(core, definition("v_drop", type="view", view_query=f"SELECT id, title FROM {old.name}"))
    with pytest.raises(SQLAlchemyError):
        update(core, old, changed(old, fields=[]))
    assert view_rows(core, "v_drop") == []


def test_recreating_a_view_keeps_the_views_reading_it(core):
    source = create(core, definition(None, {"name": "title", "type": "text"}, {"name": "n", "type": "number"}))
    put(core, source, id=rid(1), title="t", n=2)
    inner = create(core, definition("v_inner", type="view", view_query=f"SELECT id, title FROM {source.name}"))
    create(core, definition("v_outer", type="view", view_query="SELECT id, title FROM v_inner"))
    update(core, inner, definition("v_inner", type="view", view_query=f"SELECT id, title, n FROM {source.name}"))
    assert view_rows(core, "v_inner") == [{"id": rid(1), "title": "t", "n": 2}]
    assert view_rows(core, "v_outer") == [{"id": rid(1), "title": "t"}]


def index_names(core, table: str) -> set[str]:
    from sqlalchemy import inspect

    # on the writers' connection, as baas's own schema code does: SQLite answers PRAGMA index_list from a
    # connection's cached schema, which a reader connection only reloads at its next ordinary statement
    with core.db.transaction() as tx:
        return {index["name"] for index in inspect(tx.connection).get_indexes(table)}


def index_identity(core, name: str):
    """Something that changes when an index is dropped and created again: PostgreSQL's oid; SQLite's stored
    statement, which a table rename rewrites in its own quoting (baas writes backticks)."""
    with core.db.read() as connection:
        if core.db.dialect.name == "postgresql":
            return connection.exec_driver_sql(f"SELECT oid FROM pg_class WHERE relname = '{name}'").scalar()
        return connection.exec_driver_sql(f"SELECT sql FROM sqlite_master WHERE type = 'index' AND name = '{name}'").scalar()


def test_unchanged_indexes_are_not_rebuilt(core):
    old = create(core, definition(None, {"name": "a", "type": "text", "id": "fa"}, {"name": "b", "type": "text", "id": "fb"},
                                  indexes=["CREATE INDEX idx_keep_a ON x (a)", "CREATE INDEX idx_drop_b ON x (b)"]))
    before = index_identity(core, "idx_keep_a")
    new = update(core, old, changed(old, name=old.name + "_r", indexes=["CREATE INDEX idx_keep_a ON other (a)", "CREATE INDEX idx_new_b ON x (b)"]))
    assert index_names(core, new.name) == {"idx_keep_a", "idx_new_b"}
    if core.db.dialect.name == "postgresql":
        assert index_identity(core, "idx_keep_a") == before
    else:
        assert index_identity(core, "idx_keep_a") == before.replace(f"`{old.name}`", f'"{new.name}"')


def test_a_changed_index_is_rebuilt(core):
    old = create(core, definition(None, {"name": "a", "type": "text", "id": "fa"}, indexes=["CREATE INDEX idx_chg_a ON x (a)"]))
    new = update(core, old, changed(old, indexes=["CREATE UNIQUE INDEX idx_chg_a ON x (a)"]))
    put(core, new, id=rid(1), a="same")
    with pytest.raises(SQLAlchemyError):
        put(core, new, id=rid(2), a="same")


def test_indexes_come_back_after_a_sqlite_rebuild(core):
    old = create(core, definition(None, {"name": "v", "type": "select", "id": "fv", "values": ["a"]}, {"name": "c", "type": "text", "id": "fc"},
                                  indexes=["CREATE UNIQUE INDEX idx_rebuild_c ON x (c)"]))
    new = update(core, old, changed(old, fields=[{"name": "v", "type": "select", "id": "fv", "values": ["a"], "maxSelect": 2},
                                                 {"name": "c", "type": "text", "id": "fc"}]))
    assert index_names(core, new.name) == {"idx_rebuild_c"}
