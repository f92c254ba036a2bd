"""Fixtures for the filter compiler tests: the same small world of collections on SQLite and PostgreSQL.

`world` is built once per test module and database (the compiler tests only read). PostgreSQL runs in a
fresh schema (`search_path` set per connection) that is dropped afterwards. When the server is not
reachable the PostgreSQL half is skipped, except under CI (`CI` set), where it fails instead.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from baas.db.database import build_engine
from baas.db.dialect import Dialect, dialect_for
from baas.query.compiler import compile_filter, compile_sort
from baas.query.request import RequestData
from baas.schema import ddl
from baas.schema.collection import Collection

POSTGRES_URL = os.environ.get("BAAS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

_postgres_error: list[str] = []


def _postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used (checked once per session), or None."""
    if not _postgres_error:
        try:
            engine = build_engine(POSTGRES_URL)
            with engine.connect():
                pass
            engine.dispose()
            _postgres_error.append("")
        except Exception as error:  # any connection failure means "not reachable"
            _postgres_error.append(f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}")
    return _postgres_error[0] or None


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory):
    """(engine, dialect) on a fresh SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        engine = build_engine(f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db")
        yield engine, dialect_for("sqlite")
        engine.dispose()
        return
    reason = _postgres_unreachable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    schema = "t_" + secrets.token_hex(6)
    admin = build_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = build_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    try:
        yield engine, dialect_for("postgresql")
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


# ---- building collections ---------------------------------------------------------------------------------

ID_FIELD = {"name": "id", "type": "text", "system": True, "primaryKey": True, "required": True}
AUTH_FIELDS = [
    {"name": "password", "type": "password", "system": True, "hidden": True},
    {"name": "tokenKey", "type": "text", "system": True, "hidden": True},
    {"name": "email", "type": "email", "system": True},
    {"name": "emailVisibility", "type": "bool", "system": True},
    {"name": "verified", "type": "bool", "system": True},
]


def collection_json(name: str, fields: list[dict], *, type: str = "base", list_rule: str | None = "",
                    indexes: list[str] | None = None) -> dict:
    system = AUTH_FIELDS if type == "auth" else []
    return {
        "id": f"pbc_{name}",
        "name": name,
        "type": type,
        "fields": [ID_FIELD, *system, *fields],
        "indexes": indexes or [],
        "listRule": list_rule,
        "viewRule": list_rule,
    }


def rel(name: str, target: str, multiple: bool = False, **extra) -> dict:
    return {"name": name, "type": "relation", "collectionId": f"pbc_{target}", "maxSelect": 9 if multiple else 1, **extra}


@dataclass
class World:
    """Collections with rows on one database, and helpers that run compiled filters against them."""

    engine: Engine
    dialect: Dialect
    collections: dict[str, Collection] = field(default_factory=dict)

    # definition helpers for tests that add collections of their own
    collection_json = staticmethod(collection_json)
    rel = staticmethod(rel)

    def schema(self, id_or_name: str) -> Collection | None:
        return self.collections.get(id_or_name) or next(
            (c for c in self.collections.values() if c.id == id_or_name), None
        )

    def create(self, data: dict, rows: list[dict]) -> Collection:
        collection = Collection.from_json(data)
        self.collections[collection.name] = collection
        table = collection.table(self.dialect)
        with self.engine.begin() as connection:
            ddl.create(connection, self.dialect, collection)
            for row in rows:
                values = {key: self._db_value(collection, key, value) for key, value in row.items()}
                connection.execute(insert(table).values(**values))
        return collection

    def _db_value(self, collection: Collection, key: str, value: Any) -> Any:
        fld = collection.get_field(key)
        if fld.type in ("json", "geoPoint") or fld.is_multiple():
            return self.dialect.dump_json(value)
        return value

    def ids(self, name: str, text: str, *, request: RequestData | None = None, client: bool = False,
            params: dict | None = None) -> set[str]:
        collection = self.collections[name]
        table = collection.table(self.dialect)
        condition = compile_filter(
            text, collection, schema=self.schema, dialect=self.dialect,
            request=request or RequestData.guest(), params=params, client=client,
        )
        with self.engine.connect() as connection:
            return set(connection.execute(select(table.c.id).where(condition)).scalars())

    def sorted_ids(self, name: str, sort: str, *, client: bool = False, where: str | None = None) -> list[str]:
        collection = self.collections[name]
        table = collection.table(self.dialect)
        order = compile_sort(sort, collection, schema=self.schema, dialect=self.dialect,
                             request=RequestData.guest(), client=client)
        query = select(table.c.id).order_by(*order)
        if where:
            query = query.where(compile_filter(where, collection, schema=self.schema, dialect=self.dialect,
                                               request=RequestData.guest()))
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def count(self, name: str) -> int:
        table = self.collections[name].table(self.dialect)
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(table)).scalar_one()

    def auth(self, user_id: str) -> RequestData:
        """A request authenticated as `user_id` of `users` (all its stored values, hidden ones too)."""
        users = self.collections["users"]
        table = users.table(self.dialect)
        with self.engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.id == user_id)).mappings().one()
        record = {key: users.get_field(key).from_db(value, self.dialect) for key, value in row.items()}
        record.update(collectionId=users.id, collectionName=users.name)
        return RequestData(auth=record, auth_collection=users)


def build_world(engine: Engine, dialect: Dialect) -> World:
    """The data set of the PocketBase 0.40.6 session whose answers test_compiler.py asserts."""
    world = World(engine, dialect)
    world.create(collection_json("teams", [{"name": "name", "type": "text"}], list_rule="name != 'hidden'"),
                 [{"id": "t_hidden", "name": "hidden"}, {"id": "t_vis", "name": "vis"}])
    world.create(collection_json("locked", [{"name": "name", "type": "text"}], list_rule=None),
                 [{"id": "l1", "name": "L1"}])
    world.create(collection_json("empty", [{"name": "name", "type": "text"}]), [])
    world.create(
        collection_json("users", [
            {"name": "name", "type": "text"}, {"name": "age", "type": "number"},
            {"name": "secret", "type": "text", "hidden": True}, rel("team", "teams"),
            rel("friends", "users", multiple=True), {"name": "meta", "type": "json"},
        ], type="auth"),
        [
            {"id": "u_bob", "name": "Bob", "age": 30, "email": "bob@x.com", "emailVisibility": True,
             "secret": "sBob", "team": "t_vis", "friends": ["u_alice"], "meta": {"role": "admin"}},
            {"id": "u_alice", "name": "Alice", "age": 20, "email": "alice@x.com", "emailVisibility": False,
             "secret": "sAlice", "team": "t_hidden", "friends": [], "meta": None},
            {"id": "u_bob2", "name": "bob", "age": 40, "email": "bob2@x.com", "emailVisibility": False,
             "secret": "sbob", "friends": ["u_bob", "u_alice"]},
        ],
    )
    world.create(
        collection_json("posts", [
            {"name": "title", "type": "text"}, {"name": "num", "type": "number"}, {"name": "flag", "type": "bool"},
            {"name": "meta", "type": "json"}, {"name": "loc", "type": "geoPoint"},
            rel("author", "users"), rel("coauthors", "users", multiple=True),
            {"name": "tags", "type": "select", "values": ["a", "b", "c", "x_y", "50%"], "maxSelect": 5},
            {"name": "status", "type": "select", "values": ["draft", "pub"], "maxSelect": 1},
            rel("lk", "locked"), {"name": "when", "type": "date"}, rel("teams", "teams", multiple=True),
        ]),
        [
            {"id": "p1", "title": "p1", "num": 5, "flag": True, "meta": {"a": 1, "b": {"c": "x"}},
             "loc": {"lon": 23.3, "lat": 42.7}, "author": "u_bob", "coauthors": ["u_bob"], "tags": ["a", "c"],
             "status": "draft", "lk": "l1", "when": "2024-05-06 07:08:09.000Z", "teams": ["t_hidden", "t_vis"]},
            {"id": "p2", "title": "p2", "num": 10.5, "flag": False, "meta": None, "coauthors": [], "tags": []},
            {"id": "p3", "title": "p3", "num": 0, "meta": "hello", "author": "u_alice",
             "coauthors": ["u_bob", "u_alice"], "tags": ["b"], "status": "pub", "teams": ["t_vis"]},
            {"id": "n123", "title": "123", "num": 123, "meta": 5, "author": "u_bob2", "coauthors": ["u_bob2"],
             "tags": ["x_y"]},
            {"id": "n1230", "title": "123.0", "meta": [1, 2], "tags": ["50%"]},
            {"id": "p50", "title": "50% off", "meta": True},
            {"id": "pab", "title": "a_b"},
            {"id": "paxb", "title": "axb"},
            {"id": "pback", "title": "back\\slash"},
            {"id": "phello", "title": "Hello World"},
        ],
    )
    world.create(
        collection_json("comments", [rel("post", "posts"), {"name": "body", "type": "text"}, rel("by", "users")]),
        [
            {"id": "c1", "post": "p1", "body": "first", "by": "u_bob"},
            {"id": "c2", "post": "p1", "body": "second", "by": "u_alice"},
            {"id": "c3", "post": "p3", "body": "third", "by": "u_bob"},
        ],
    )
    world.create(
        collection_json("profiles", [rel("user", "users"), {"name": "bio", "type": "text"}],
                        indexes=["CREATE UNIQUE INDEX `idx_profiles_user` ON `profiles` (`user`)"]),
        [{"id": "pr1", "user": "u_bob", "bio": "hi"}, {"id": "pr2", "user": "u_alice", "bio": "yo"}],
    )
    return world


@pytest.fixture(scope="module")
def world(database) -> World:
    engine, dialect = database
    return build_world(engine, dialect)
