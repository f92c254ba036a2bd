"""Alembic environment: always runs on the connection that `baas.db.migrate` hands over."""

from alembic import context

from baas.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `baas migrate`, which provides the database connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
