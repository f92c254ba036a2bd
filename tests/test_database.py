"""`Database.cursor()` and `request_scope()`: the driver-level path of the busiest statements."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from baas.db.database import Database, build_engine
from baas.db.tables import bump_schema_version, params_table


def test_a_request_scope_keeps_one_connection_for_its_statements(core):
    with core.db.request_scope():
        with core.db.cursor() as first:
            first.execute("SELECT 1")
            used = first.connection
        with core.db.cursor() as second:
            second.execute("SELECT 2")
            assert second.connection is used
    with core.db.cursor() as outside:
        outside.execute("SELECT 3")
        assert outside.fetchone()[0] == 3


def test_statements_outside_a_transaction_leave_none_open(core):
    with core.db.request_scope():
        with core.db.cursor() as cursor:
            cursor.execute("SELECT version FROM _params LIMIT 1")
            connection = cursor.connection
            if core.db.dialect.name == "postgresql":
                assert connection.info.transaction_status.name == "IDLE"  # autocommit: no BEGIN was sent
            else:
                assert not connection.in_transaction
    if core.db.dialect.name == "postgresql":  # handed back to the pool as it was handed out
        assert connection.autocommit is False


def test_driver_errors_come_out_as_sqlalchemy_errors(core):
    with pytest.raises((OperationalError, ProgrammingError)):
        with core.db.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
    with core.db.cursor() as cursor:  # the pool still hands out working connections
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1


def test_cursor_connections_are_reused_and_set_up_like_the_engines(core):
    with core.db.cursor() as cursor:
        first = cursor.connection
    with core.db.cursor() as cursor:
        if core.db.dialect.name == "sqlite":
            assert cursor.connection is first  # the idle one, not a new one
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1  # the engine's connect-time pragmas ran on it
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
        else:
            assert cursor.connection.autocommit is True
            cursor.execute("SELECT 1")
            assert cursor.fetchone()[0] == 1


def test_a_forked_process_opens_its_own_sqlite_cursor_connections(tmp_path):
    database = Database(build_engine(f"sqlite:///{tmp_path / 'data.db'}"))
    with database.cursor() as cursor:
        parents = cursor.connection
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            with database.cursor() as cursor:
                cursor.execute("SELECT 41 + 1")
                os.write(write_end, f"{cursor.connection is not parents} {cursor.fetchone()[0]}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    answer = os.read(read_end, 100).decode()
    os.close(read_end)
    assert answer == "True 42"
    with database.cursor() as cursor:  # the parent's own is still there for it
        assert cursor.connection is parents
    database.dispose()


def test_sqlite_writers_of_a_process_share_one_connection_and_a_failed_one_does_not_stick(tmp_path):
    database = Database(build_engine(f"sqlite:///{tmp_path / 'data.db'}"))
    with database.transaction() as tx:
        tx.connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        first = tx.connection
    with pytest.raises(IntegrityError):
        with database.transaction() as tx:
            assert tx.connection is first  # kept open between writers
            database.execute_in(tx.connection, "INSERT INTO t (name) VALUES (?)", ("a",))
            database.execute_in(tx.connection, "INSERT INTO t (name) VALUES (?)", ("a",))  # a driver error, as SQLAlchemy's
    with database.transaction() as tx:
        assert not tx.connection.exec_driver_sql("SELECT count(*) FROM t").scalar()  # the failed one rolled back
        database.execute_in(tx.connection, "INSERT INTO t (name) VALUES (?)", ("b",))
    with database.cursor() as cursor:
        cursor.execute("SELECT name FROM t")
        assert cursor.fetchall() == [("b",)]
    database.dispose()


def test_committed_version_changes_are_counted_across_processes_sharing_the_database(tmp_path):
    path = f"sqlite:///{tmp_path / 'data.db'}"
    first, second = Database(build_engine(path)), Database(build_engine(path))  # as two workers
    with first.transaction() as tx:
        params_table.create(tx.connection)
        tx.connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    start = first.committed_version_changes()
    with second.transaction() as tx:
        tx.connection.exec_driver_sql("INSERT INTO t DEFAULT VALUES")  # not a version change
        assert not second.versions_changed_here()
    assert first.committed_version_changes() == start
    with pytest.raises(RuntimeError):
        with second.transaction() as tx:
            bump_schema_version(tx.connection)
            raise RuntimeError("rolled back: not counted")
    assert first.committed_version_changes() == start
    with second.transaction() as tx:
        bump_schema_version(tx.connection)
        assert second.versions_changed_here()  # so App.refresh reads the versions inside this transaction
    with first.transaction() as tx:
        tx.connection.exec_driver_sql("UPDATE _params SET value = '{}'")  # any write to _params, however made
    assert first.committed_version_changes() == second.committed_version_changes() == start + 2
    assert not second.versions_changed_here()  # outside a transaction
    first.dispose()
    second.dispose()


def test_postgresql_has_no_version_change_count(core):
    # every node of a PostgreSQL deployment writes, so App.refresh asks the database each time
    assert (core.db.committed_version_changes() is None) == (core.db.dialect.name == "postgresql")


def test_a_version_changed_outside_baas_transactions_is_picked_up_within_the_recheck_interval(core):
    from baas.core.app import VERSIONS_RECHECK_SECONDS
    from baas.db.tables import SCHEMA_VERSION_KEY

    core.refresh()
    before = core.collections._version
    with core.db.engine.begin() as connection:  # not Database.transaction(): no write is counted
        connection.exec_driver_sql(f"UPDATE _params SET version = version + 1 WHERE id = '{SCHEMA_VERSION_KEY}'")
    deadline = time.monotonic() + VERSIONS_RECHECK_SECONDS + 2
    while core.collections._version == before and time.monotonic() < deadline:
        core.refresh()
        time.sleep(0.05)
    assert core.collections._version == before + 1
