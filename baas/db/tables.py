"""The system tables that Alembic manages (`migrations/versions/`).

Collection definitions are rows of `_collections` ("collections are data"); `_params` holds settings and the
schema version that tells every worker when its cached collections are stale. Record tables are not here:
the schema engine creates them from the collection definitions.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Connection, Index, Integer, MetaData, Table, Text, func, insert, update

from ..dates import now_text

metadata = MetaData()

collections_table = Table(
    "_collections",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("type", Text, nullable=False, server_default="base"),
    Column("system", Boolean, nullable=False, server_default="0"),
    Column("fields", Text, nullable=False, server_default="[]"),
    Column("indexes", Text, nullable=False, server_default="[]"),
    Column("listRule", Text, nullable=True),
    Column("viewRule", Text, nullable=True),
    Column("createRule", Text, nullable=True),
    Column("updateRule", Text, nullable=True),
    Column("deleteRule", Text, nullable=True),
    Column("options", Text, nullable=False, server_default="{}"),
    Column("created", Text, nullable=False, server_default=""),
    Column("updated", Text, nullable=False, server_default=""),
)
Index("_collections_name_idx", func.lower(collections_table.c.name), unique=True)

params_table = Table(
    "_params",
    metadata,
    Column("id", Text, primary_key=True),
    Column("value", Text, nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("created", Text, nullable=False, server_default=""),
    Column("updated", Text, nullable=False, server_default=""),
)

migrations_table = Table(
    "_migrations",
    metadata,
    Column("file", Text, primary_key=True),
    Column("applied", Text, nullable=False),
)

SCHEMA_VERSION_KEY = "schema"


def bump_schema_version(connection: Connection) -> None:
    """Mark the collection definitions changed, so every process reloads them on its next look."""
    result = connection.execute(
        update(params_table)
        .where(params_table.c.id == SCHEMA_VERSION_KEY)
        .values(version=params_table.c.version + 1, updated=now_text())
    )
    if result.rowcount == 0:
        connection.execute(insert(params_table).values(id=SCHEMA_VERSION_KEY, version=1, created=now_text(), updated=now_text()))

#: one row per (cron job, scheduled tick) that some process claimed: the INSERT that wins runs the job,
#: every other process of the cluster gets a primary-key conflict and skips that tick
cron_leases_table = Table(
    "_cron_leases",
    metadata,
    Column("job", Text, primary_key=True),
    Column("tick", Text, primary_key=True),
    Column("node", Text, nullable=False, server_default=""),
    Column("created", Text, nullable=False, server_default=""),
)
