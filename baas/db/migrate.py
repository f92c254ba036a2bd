"""Run the Alembic migrations of the system tables (`migrations/`, shipped as `baas.migrations`).

Several gunicorn workers may start at once, so an upgrade runs under a lock: SQLite's write lock
(`BEGIN IMMEDIATE`, DDL is transactional there) or a PostgreSQL advisory lock. The loser waits, then finds
the schema already at head and does nothing.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from .database import Database

_PG_LOCK_KEY = 7_271_990_001


def alembic_config(connection=None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(resources.files("baas.migrations")))
    config.attributes["connection"] = connection
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    with database.transaction() as tx:
        _lock(database, tx.connection)
        command.upgrade(alembic_config(tx.connection), revision)


def downgrade(database: Database, revision: str = "-1") -> None:
    with database.transaction() as tx:
        _lock(database, tx.connection)
        command.downgrade(alembic_config(tx.connection), revision)


def current_revision(database: Database) -> str | None:
    with database.read() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def history(database: Database) -> list[tuple[str, str, bool]]:
    """(revision, description, applied) from oldest to newest."""
    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(database)
    applied_ids: set[str] = set()
    if current:
        applied_ids = {rev.revision for rev in script.iterate_revisions(current, "base")}
    revisions = list(reversed(list(script.walk_revisions())))
    return [(rev.revision, rev.doc or "", rev.revision in applied_ids) for rev in revisions]


def is_up_to_date(database: Database) -> bool:
    script = ScriptDirectory.from_config(alembic_config())
    return current_revision(database) == script.get_current_head()


def _lock(database: Database, connection) -> None:
    if database.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
