"""Clean databases for each test, made cheap by migrating a template once per session.

SQLite: the template is one migrated `data.db`; a test's data dir gets a copy of the file.
PostgreSQL: the template is a migrated database; a test gets `CREATE DATABASE x TEMPLATE tpl` (about
0.1 s), dropped afterwards on a background thread, since a drop can take a second on a busy server.
Names carry this process's pid, so parallel sessions on one server never collide.
"""

from __future__ import annotations

import itertools
import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from baas.db import migrate
from baas.db.database import Database, build_engine, normalize_url

SQLITE_FILE = "data.db"


def migrate_to_head(url: str) -> None:
    database = Database(build_engine(url, pooled=False))
    try:
        migrate.upgrade(database)
    finally:
        database.dispose()


class SqliteDatabases:
    """`database_url` is None: the app's default, `<data_dir>/data.db`."""

    def __init__(self, root: Path):
        self.template = root / SQLITE_FILE
        migrate_to_head(f"sqlite:///{self.template}")

    def fresh(self, data_dir: Path) -> None:
        """A migrated database in `data_dir`."""
        data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.template, data_dir / SQLITE_FILE)

    def empty(self, data_dir: Path) -> None:
        """No database at all yet: whatever opens `data_dir` first creates and migrates it."""
        data_dir.mkdir(parents=True, exist_ok=True)

    def release(self, url: str | None) -> None:
        """Nothing to do: the data dir lives under pytest's tmp_path."""

    def close(self) -> None:
        """Nothing to do."""


class PostgresDatabases:
    """Databases on the server of `BAAS_TEST_DATABASE_URL`, created and dropped through that database."""

    def __init__(self, url: str):
        self.base_url = make_url(url)
        self.prefix = f"{self.base_url.database}_{os.getpid()}"
        self.admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._numbers = itertools.count(1)
        self._open: set[str] = set()
        self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-db")
        self._drops: list[Future] = []
        self.template = self._create(f"{self.prefix}_tpl")
        migrate_to_head(self.url_of(self.template))

    def url_of(self, name: str) -> str:
        return self.base_url.set(database=name).render_as_string(hide_password=False)

    def fresh(self, data_dir: Path) -> str:
        data_dir.mkdir(parents=True, exist_ok=True)
        return self.url_of(self._create(f"{self.prefix}_{next(self._numbers)}", template=self.template))

    def empty(self, data_dir: Path) -> str:
        data_dir.mkdir(parents=True, exist_ok=True)
        return self.url_of(self._create(f"{self.prefix}_{next(self._numbers)}"))

    def release(self, url: str | None) -> None:
        if url:
            self._drops.append(self._dropper.submit(self._drop, make_url(url).database))

    def close(self) -> None:
        self._dropper.shutdown(wait=True)
        for name in sorted(self._open):
            self._drop(name)
        self.admin.dispose()
        for drop in self._drops:
            drop.result()  # a failed drop shows here rather than vanishing with its thread

    def _create(self, name: str, template: str | None = None) -> str:
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        with self.admin.connect() as connection:
            connection.execute(text(sql))
        self._open.add(name)
        return name

    def _drop(self, name: str) -> None:
        """Terminate what still holds the database (a leaked connection, a killed server), then drop it."""
        with self.admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        self._open.discard(name)
