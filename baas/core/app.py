"""`App`: the running baas instance that services, front doors and plugins share.

It holds the configuration, the database, the hook manager and the services, and imports nothing from
Flask, so the same object serves a request, a CLI command, a cron job or a test.
"""

from __future__ import annotations

import logging
import time

from ..config import Config
from ..db.database import Database
from ..db.tables import SCHEMA_VERSION_KEY
from ..hooks.manager import HookManager
from .collection_defaults import CollectionDefaults
from . import auth_flows
from .auth_records import schedule_cleanups
from .backups import BackupsService
from .collections import CollectionsService
from .cron import Cron
from .files import FilesService
from .logs import LogsService
from .realtime import BUILTIN_REALTIME, RealtimeHooks, RealtimeService
from .records.defaults import RecordDefaults
from .records.repository import RecordRepository
from .records.service import RecordsService
from .registry import CollectionRegistry
from .settings import SETTINGS_KEY, SettingsService

log = logging.getLogger(__name__)

BUILTIN_RECORDS = "baas.records"
BUILTIN_COLLECTIONS = "baas.collections"
BUILTIN_SETTINGS = "baas.settings"
#: runs before every request, so it goes straight to the driver (no values: nothing to bind)
VERSIONS_RECHECK_SECONDS = 1.0
_VERSIONS_SQL = f"SELECT id, version FROM _params WHERE id IN ('{SCHEMA_VERSION_KEY}', '{SETTINGS_KEY}')"


class App:
    def __init__(self, config: Config, database: Database):
        self.config = config
        self.db = database
        self.hooks = HookManager()
        self.collections = CollectionRegistry(database)
        self.settings = SettingsService(self)
        self.collections_service = CollectionsService(self)
        self.records_repo = RecordRepository(self)
        self.records = RecordsService(self)
        self.cron = Cron(self)
        self.hooks.register(RecordDefaults(self), BUILTIN_RECORDS)
        self.hooks.register(CollectionDefaults(self), BUILTIN_COLLECTIONS)
        self.hooks.register(self.settings, BUILTIN_SETTINGS)
        self.realtime = RealtimeService(self)
        self.hooks.register(RealtimeHooks(self.realtime), BUILTIN_REALTIME)  # after RecordDefaults: see plugin.py
        self.logs = LogsService(self)
        self.files = FilesService(self)
        self.backups = BackupsService(self)
        auth_flows.install(self)  # the mailer, rate limits and the auth flows' default plugins
        schedule_cleanups(self)
        self._closed = False
        self._versions_read_at: tuple[int | None, float] = (None, 0.0)  # (version changes then, recheck by)

    def refresh(self) -> None:
        """Bring per-process caches up to date with the database: one indexed read when nothing changed,
        none on SQLite when no process has committed a schema or settings change since the last read (at
        most `VERSIONS_RECHECK_SECONDS` apart, for writes made outside baas's transactions)."""
        changes, now = self.db.committed_version_changes(), time.monotonic()
        if not self._versions_may_have_changed(changes, now):
            return
        with self.db.cursor() as cursor:
            cursor.execute(_VERSIONS_SQL)
            versions = dict(cursor.fetchall())
        self.collections.refresh(versions.get(SCHEMA_VERSION_KEY))
        self.settings.refresh(versions.get(SETTINGS_KEY, 0))
        self.backups.sync_schedule()
        self._versions_read_at = (changes, now + VERSIONS_RECHECK_SECONDS)

    def _versions_may_have_changed(self, changes: int | None, now: float) -> bool:
        read_changes, recheck_by = self._versions_read_at
        return (
            changes is None  # PostgreSQL: other nodes write unseen
            or changes != read_changes
            or now >= recheck_by
            or self.collections.invalidated  # a schema change failed after loading its own definitions
            or self.db.versions_changed_here()  # a transaction must see its own schema changes
        )

    def close(self, *, terminate: bool = True) -> None:
        """Fire `baas_terminate` (unless `terminate=False`: an App that never bootstrapped), stop the cron
        scheduler, then close the services and the database. Only the first call does anything."""
        if self._closed:
            return
        self._closed = True
        if terminate:
            try:
                self.hooks.hook.baas_terminate(app=self)
            except Exception:
                log.exception("a baas_terminate hook failed")
        self.cron.stop()
        self.logs.close()
        self.db.dispose()
