"""baas's own behaviour for the collection hooks, registered as a `trylast` plugin (see `baas.hooks.specs`).

Each default writes the `_collections` row, changes the table and bumps the schema version, inside the
transaction the collections service opened; this process's cache is refreshed after commit and dropped
after a rollback. A plugin's implementation runs before these unless it asks for `trylast` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, update

from ..dates import now_text
from ..db.tables import collections_table
from ..hooks import hookimpl
from ..hooks.events import CollectionEvent
from ..schema import ddl

if TYPE_CHECKING:
    from .app import App


class CollectionDefaults:
    def __init__(self, app: "App"):
        self.app = app

    @hookimpl(trylast=True)
    def baas_collection_create(self, event: CollectionEvent) -> None:
        collection = event.collection
        collection.created = collection.created or now_text()
        collection.updated = collection.created
        tx = self._transaction()
        tx.connection.execute(insert(collections_table).values(**collection.to_row()))
        ddl.create(tx.connection, self.app.db.dialect, collection)

    @hookimpl(trylast=True)
    def baas_collection_update(self, event: CollectionEvent) -> None:
        old, new = event.old, event.collection
        new.created = old.created
        new.updated = now_text()
        tx = self._transaction()
        tx.connection.execute(update(collections_table).where(collections_table.c.id == old.id).values(**new.to_row()))
        ddl.update(tx.connection, self.app.db.dialect, old, new)

    @hookimpl(trylast=True)
    def baas_collection_delete(self, event: CollectionEvent) -> None:
        tx = self._transaction()
        tx.connection.execute(delete(collections_table).where(collections_table.c.id == event.collection.id))
        ddl.drop(tx.connection, event.collection)
        storage = self.app.files.storage
        tx.on_commit(lambda: storage.delete_prefix(f"{event.collection.id}/"))

    def _transaction(self):
        """The open transaction, with the version bump and the cache refresh every change needs."""
        registry = self.app.collections
        tx = self.app.db.current
        registry.bump_version(tx.connection)
        tx.on_commit(registry.refresh)
        tx.on_rollback(lambda _error: registry.invalidate())
        return tx
