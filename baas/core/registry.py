"""The per-process cache of collection definitions, never stale.

Every change to `_collections` bumps the `schema` row of `_params` in the same transaction. Each request
(and each service call outside one) checks that version first: one indexed single-row read, after which a
worker or node that missed a change reloads all definitions. Changes made in this process also update the
cache right after commit.
"""

from __future__ import annotations

import threading

from sqlalchemy import select

from ..db.database import Database
from ..db.tables import SCHEMA_VERSION_KEY, bump_schema_version, collections_table, params_table
from ..schema.collection import Collection


class CollectionRegistry:
    def __init__(self, database: Database):
        self._db = database
        self._version: int | None = None
        self._by_id: dict[str, Collection] = {}
        self._by_name: dict[str, Collection] = {}
        self._lock = threading.Lock()

    def refresh(self, version: int | None = None) -> None:
        """Reload the definitions unless `version` (read by the caller, or here) is the one cached."""
        if version is not None and version == self._version:
            return  # the common case, on every request: no connection needed
        with self._db.read() as connection:
            if version is None:
                version = connection.execute(
                    select(params_table.c.version).where(params_table.c.id == SCHEMA_VERSION_KEY)
                ).scalar()
            if version == self._version and self._version is not None:
                return
            rows = connection.execute(select(collections_table)).all()
        self._install([Collection.from_row(row) for row in rows], version)

    def _install(self, collections: list[Collection], version: int | None) -> None:
        with self._lock:
            self._by_id = {c.id: c for c in collections}
            self._by_name = {c.name.lower(): c for c in collections}
            self._version = version

    def invalidate(self) -> None:
        self._version = None

    @property
    def invalidated(self) -> bool:
        """Reload at the next refresh, whatever the database's version (after a failed schema change)."""
        return self._version is None

    def get(self, id_or_name: str) -> Collection | None:
        return self._by_id.get(id_or_name) or self._by_name.get(id_or_name.lower())

    def all(self) -> list[Collection]:
        return list(self._by_id.values())

    def by_id(self) -> dict[str, Collection]:
        return dict(self._by_id)

    @staticmethod
    def bump_version(connection) -> None:
        """Mark the definitions changed; call inside the transaction that changes them."""
        bump_schema_version(connection)
