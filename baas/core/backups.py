"""Backups: a zip of the database and the locally stored files, kept on local disk or S3.

* SQLite (the default): `data.db` is copied with SQLite's online backup API while the server keeps
  serving, plus `auxiliary.db` (logs), the instance secret and every file under `storage/`.
* PostgreSQL: `data.dump` from `pg_dump --format=custom` (when the tool is installed; otherwise a 400
  that explains the alternative: the database's own backups) plus the stored files.

Restore never swaps database files under running workers. It writes the backup *into* the live database
(SQLite's backup API, or `pg_restore --clean`), replaces the stored files, then bumps the schema and
settings versions so every worker and node reloads its caches on its next request: a clean restart of
the application state without restarting processes.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import update
from sqlalchemy.engine import make_url

from .. import errors
from ..dates import format_datetime, now
from ..db import migrate
from ..db.tables import SCHEMA_VERSION_KEY, params_table
from ..errors import FieldError
from ..storage import Storage, storage_from_settings
from ..storage.local import LocalStorage
from .settings import SETTINGS_KEY

if TYPE_CHECKING:
    from .app import App

NAME_PATTERN = re.compile(r"^[a-z0-9_-]+\.zip$")
DATABASE_ENTRY = "data.db"
DUMP_ENTRY = "data.dump"
AUX_ENTRY = "auxiliary.db"
SECRET_ENTRY = ".secret_key"
STORAGE_PREFIX = "storage/"
BUSY = "Try again later - another backup/restore operation has already been started."
AUTO_BACKUP_JOB = "__baasAutoBackup__"
AUTO_PREFIX = "auto_baas_backup_"


class BackupsService:
    def __init__(self, app: "App"):
        self.app = app
        self._busy = threading.Lock()
        self._scheduled = ""

    def sync_schedule(self) -> None:
        """Follow the `backups.cron` setting: (re)schedule the automatic backup, or drop it when empty."""
        expression = self.app.settings.get()["backups"].get("cron", "") or ""
        if expression == self._scheduled:
            return
        self._scheduled = expression
        if expression:
            self.app.cron.add(AUTO_BACKUP_JOB, expression, self.auto_backup)
        else:
            self.app.cron.remove(AUTO_BACKUP_JOB)

    def auto_backup(self) -> str:
        """A scheduled backup; only the newest `cronMaxKeep` automatic ones are kept."""
        name = self.create(f"{AUTO_PREFIX}{now().strftime('%Y%m%d%H%M%S')}.zip")
        keep = self.app.settings.get()["backups"].get("cronMaxKeep", 3)
        automatic = [item["key"] for item in self.list() if item["key"].startswith(AUTO_PREFIX)]
        for key in automatic[keep:]:
            self.storage.delete(key)
        return name

    @property
    def storage(self) -> Storage:
        settings = self.app.settings.get()["backups"]["s3"]
        return storage_from_settings(settings, self.app.config.data_dir / "backups")

    @property
    def sqlite(self) -> bool:
        return self.app.db.dialect.name == "sqlite"

    # ---- listing -------------------------------------------------------------------------------
    def list(self) -> list[dict[str, Any]]:
        items = []
        for key in self.storage.list():
            if "/" in key or not key.endswith(".zip"):
                continue
            info = self.storage.stat(key)
            if info is not None:
                items.append({"key": key, "size": info.size, "modified": format_datetime(info.modified)})
        return sorted(items, key=lambda item: item["modified"], reverse=True)

    def exists(self, key: str) -> bool:
        return NAME_PATTERN.match(key) is not None and self.storage.exists(key)

    # ---- create / upload / delete ----------------------------------------------------------------
    def create(self, name: str = "") -> str:
        name = name or f"baas_backup_{now().strftime('%Y%m%d%H%M%S')}.zip"
        check_name(name)
        if not self._busy.acquire(blocking=False):
            raise errors.bad_request(BUSY)
        try:
            with tempfile.TemporaryDirectory(prefix="baas-backup-") as workdir:
                archive = Path(workdir) / name
                self._write_archive(archive, Path(workdir))
                with open(archive, "rb") as handle:
                    self.storage.save(name, handle, "application/zip")
        finally:
            self._busy.release()
        return name

    def upload(self, name: str, stream: BinaryIO) -> None:
        check_name(name)
        if not zipfile.is_zipfile(stream):
            raise errors.bad_request("An error occurred while validating the submitted data.",
                                     {"file": FieldError("validation_invalid_zip", "The file must be a zip archive.")})
        stream.seek(0)
        self.storage.save(name, stream, "application/zip")

    def delete(self, key: str) -> None:
        self._require(key)
        self.storage.delete(key)

    def read(self, key: str):
        self._require(key)
        return self.storage.read(key), self.storage.stat(key)

    # ---- restore -------------------------------------------------------------------------------
    def restore(self, key: str) -> None:
        self._require(key)
        if not self._busy.acquire(blocking=False):
            raise errors.bad_request(BUSY)
        try:
            with tempfile.TemporaryDirectory(prefix="baas-restore-") as workdir:
                archive = Path(workdir) / "backup.zip"
                with open(archive, "wb") as handle:
                    for chunk in self.storage.read(key):
                        handle.write(chunk)
                extracted = Path(workdir) / "contents"
                _extract(archive, extracted)
                self._restore_database(extracted)
                self._restore_files(extracted / "storage")
            migrate.upgrade(self.app.db)  # a backup from an older baas gets today's system tables
            self._bump_versions()
            self.app.db.engine.dispose()
            self.app.refresh()
        finally:
            self._busy.release()

    # ---- internals -----------------------------------------------------------------------------
    def _require(self, key: str) -> None:
        if not self.exists(key):
            raise errors.not_found()

    def _write_archive(self, archive: Path, workdir: Path) -> None:
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zipped:
            if self.sqlite:
                copy = workdir / DATABASE_ENTRY
                _sqlite_copy(self._sqlite_path(), copy)
                zipped.write(copy, DATABASE_ENTRY)
                copy.unlink()
                aux = self.app.config.data_dir / AUX_ENTRY
                if aux.exists():
                    self.app.logs.flush()
                    _sqlite_copy(aux, workdir / AUX_ENTRY)
                    zipped.write(workdir / AUX_ENTRY, AUX_ENTRY)
            else:
                dump = workdir / DUMP_ENTRY
                _pg_tool("pg_dump", "--format=custom", "--no-owner", "--file", str(dump), self._pg_dsn())
                zipped.write(dump, DUMP_ENTRY)
                dump.unlink()
            secret = self.app.config.data_dir / SECRET_ENTRY
            if secret.exists():
                zipped.write(secret, SECRET_ENTRY)
            files = self.app.files.storage
            if isinstance(files, LocalStorage):  # files kept on S3 are not copied into the zip
                for key in files.list():
                    with zipped.open(STORAGE_PREFIX + key, "w", force_zip64=True) as out:
                        for chunk in files.read(key):
                            out.write(chunk)

    def _restore_database(self, extracted: Path) -> None:
        if self.sqlite:
            source = extracted / DATABASE_ENTRY
            if not source.exists():
                raise errors.bad_request("The backup has no data.db: it was not made from a SQLite deployment.")
            _sqlite_copy(source, self._sqlite_path())
            if (extracted / AUX_ENTRY).exists():
                self.app.logs.flush()
                _sqlite_copy(extracted / AUX_ENTRY, self.app.config.data_dir / AUX_ENTRY)
            return
        dump = extracted / DUMP_ENTRY
        if not dump.exists():
            raise errors.bad_request("The backup has no data.dump: it was not made from a PostgreSQL deployment.")
        self.app.db.engine.dispose()
        _pg_tool("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                 "--dbname", self._pg_dsn(), str(dump))

    def _restore_files(self, source: Path) -> None:
        files = self.app.files.storage
        if not isinstance(files, LocalStorage):
            return
        for key in list(files.list()):
            files.delete(key)
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    with open(path, "rb") as handle:
                        files.save(path.relative_to(source).as_posix(), handle)

    def _bump_versions(self) -> None:
        """Make every process reload collections and settings, whatever versions the backup held."""
        with self.app.db.transaction() as tx:
            for key in (SCHEMA_VERSION_KEY, SETTINGS_KEY):
                tx.connection.execute(
                    update(params_table).where(params_table.c.id == key).values(version=params_table.c.version + 1000)
                )
        self.app.collections.invalidate()

    def _sqlite_path(self) -> Path:
        return Path(make_url(self.app.config.database_url).database)

    def _pg_dsn(self) -> str:
        url = make_url(self.app.config.database_url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name or ""):
        raise errors.bad_request(
            "An error occurred while validating the submitted data.",
            {"name": FieldError("validation_match_invalid", "Must be in a valid format.")},
        )


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's online backup API (safe while others read and write)."""
    with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(target, timeout=30) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _pg_tool(tool: str, *args: str) -> None:
    if shutil.which(tool) is None:
        raise errors.bad_request(
            f"{tool} is not installed on this server, so baas cannot back up or restore a PostgreSQL database. "
            "Install the PostgreSQL client tools, or use your database's own backups (pg_dump, snapshots, PITR)."
        )
    result = subprocess.run([tool, *args], capture_output=True, text=True, env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    if result.returncode != 0:
        raise errors.bad_request(f"{tool} failed: {result.stderr.strip()[:500]}")


def _extract(archive: Path, target: Path) -> None:
    """Unzip, refusing entries that would land outside `target`."""
    target.mkdir(parents=True)
    base = target.resolve()
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            destination = (target / member.filename).resolve()
            if base not in destination.parents and destination != base:
                raise errors.bad_request("The backup holds a path outside its folder.")
        zipped.extractall(target)
