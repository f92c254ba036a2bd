"""`App`: the running baas instance that services, front doors and plugins share.

It holds the configuration, the database, the hook manager and the services, and imports nothing from
Flask, so the same object serves a request, a CLI command, a cron job or a test.
"""

from __future__ import annotations

from ..config import Config
from ..db.database import Database
from ..hooks.manager import HookManager
from .collections import CollectionsService
from .records.defaults import RecordDefaults
from .records.repository import RecordRepository
from .records.service import RecordsService
from .registry import CollectionRegistry

BUILTIN_RECORDS = "baas.records"


class App:
    def __init__(self, config: Config, database: Database):
        self.config = config
        self.db = database
        self.hooks = HookManager()
        self.collections = CollectionRegistry(database)
        self.collections_service = CollectionsService(self)
        self.records_repo = RecordRepository(self)
        self.records = RecordsService(self)
        self.hooks.register(RecordDefaults(self), BUILTIN_RECORDS)

    def refresh(self) -> None:
        """Bring per-process caches up to date with the database (cheap when nothing changed)."""
        self.collections.refresh()

    def close(self) -> None:
        self.db.dispose()
