"""The system collections PocketBase 0.40 ships (`_superusers`, `users`, `_externalAuths`, `_mfas`, `_otps`,
`_authOrigins`), installed by the second system migration from `system_collections.json`, a verbatim copy
of a fresh PocketBase 0.40.6 server's definitions."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources

from sqlalchemy import Connection, delete, insert

from ..dates import format_datetime, now
from ..db.dialect import Dialect
from ..db.tables import bump_schema_version, collections_table
from . import ddl
from .collection import Collection

SYSTEM_COLLECTION_NAMES = ("_superusers", "users", "_externalAuths", "_mfas", "_otps", "_authOrigins")
SUPERUSERS = "_superusers"


#: PocketBase's creation order, which is also the default order of `GET /api/collections`
CREATION_ORDER = ("_mfas", "_otps", "_externalAuths", "_authOrigins", "_superusers", "users")


def system_collections() -> list[Collection]:
    data = json.loads(resources.files("baas.schema").joinpath("system_collections.json").read_text())
    start = now()
    collections = []
    for item in data:
        collection = Collection.from_json(item)
        stamp = format_datetime(start + timedelta(milliseconds=CREATION_ORDER.index(collection.name)))
        collection.created = collection.updated = stamp
        collections.append(collection)
    return collections


def install(connection: Connection, dialect: Dialect) -> None:
    for collection in system_collections():
        connection.execute(insert(collections_table).values(**collection.to_row()))
        ddl.create(connection, dialect, collection)
    bump_schema_version(connection)


def uninstall(connection: Connection) -> None:
    for collection in reversed(system_collections()):
        ddl.drop(connection, collection)
        connection.execute(delete(collections_table).where(collections_table.c.id == collection.id))
    bump_schema_version(connection)
