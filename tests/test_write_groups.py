"""SQLite writers of one process that queue up share one commit (`baas/db/write_groups.py`).

Each scenario holds the first writer inside its transaction until every other writer waits for its turn,
so the group is formed the same way every time; threads stand in for a worker's greenlets.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from baas.db.database import Database, build_engine
from baas.db.tables import bump_schema_version, params_table

WRITERS = 5


@pytest.fixture
def database(tmp_path):
    database = Database(build_engine(f"sqlite:///{tmp_path / 'data.db'}"))
    with database.transaction() as tx:
        params_table.create(tx.connection)  # where the versions live: every baas database has it
        tx.connection.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        tx.connection.exec_driver_sql(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE,"
            " parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
        )
    yield database
    database.dispose()


def names(database: Database) -> set[str]:
    with database.cursor() as cursor:  # a reader's connection: sees committed rows only
        cursor.execute("SELECT name FROM t")
        return {name for (name,) in cursor.fetchall()}


def run_writers(database: Database, work) -> dict[int, object]:
    """`work(i, tx)` for writers 0..WRITERS-1, writer 0 first and holding its turn until the others queue.
    Each writer's outcome: "ok" with the names visible when its commit callback ran, or its error (once its
    rollback callback ran)."""
    outcomes: dict[int, object] = {}
    rolled_back: set[int] = set()
    first_inside = threading.Event()
    queue = database._write_groups._lock

    def writer(i: int) -> None:
        try:
            with database.transaction() as tx:
                if i == 0:
                    first_inside.set()
                    deadline = time.monotonic() + 10
                    while queue.waiting < WRITERS - 1 and time.monotonic() < deadline:
                        time.sleep(0.005)
                tx.on_commit(lambda: outcomes.__setitem__(i, ("ok", names(database))))
                tx.on_rollback(lambda error: rolled_back.add(i))
                work(i, tx)
        except Exception as error:  # noqa: BLE001 - recorded for the assertions
            outcomes[i] = error if i in rolled_back else ("no rollback callback", error)

    first = threading.Thread(target=writer, args=(0,))
    first.start()
    assert first_inside.wait(10)
    others = [threading.Thread(target=writer, args=(i,)) for i in range(1, WRITERS)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(30)
    return outcomes


def insert(tx, name: str, parent: int | None = None) -> None:
    tx.connection.exec_driver_sql("INSERT INTO t (name, parent) VALUES (?, ?)", (name, parent))


def count_commits(database: Database) -> list[object]:
    """A list that grows by one at each COMMIT on the database's engine."""
    commits: list[object] = []
    event.listen(database.engine, "commit", commits.append)
    return commits


def test_queued_writers_share_one_commit_and_each_returns_after_it(database):
    commits = count_commits(database)
    outcomes = run_writers(database, lambda i, tx: insert(tx, f"w{i}"))
    everyone = {f"w{i}" for i in range(WRITERS)}
    assert len(commits) == 1
    assert names(database) == everyone
    # every writer's commit callback already saw all rows committed: nobody returned before the commit
    assert outcomes == {i: ("ok", everyone) for i in range(WRITERS)}


def test_a_writer_that_fails_in_a_group_rolls_back_alone(database):
    def work(i, tx):
        insert(tx, f"w{i}")
        if i == 2:
            insert(tx, "w1")  # unique: fails after this writer already inserted its own row

    outcomes = run_writers(database, work)
    survivors = {f"w{i}" for i in range(WRITERS) if i != 2}
    assert names(database) == survivors
    assert isinstance(outcomes.pop(2), IntegrityError)
    assert outcomes == {i: ("ok", survivors) for i in range(WRITERS) if i != 2}


def test_a_first_writer_that_fails_rolls_back_and_the_others_commit_together(database):
    def work(i, tx):
        insert(tx, f"w{i}")
        if i == 0:
            raise RuntimeError("the first writer gives up")

    commits = count_commits(database)
    outcomes = run_writers(database, work)
    survivors = {f"w{i}" for i in range(1, WRITERS)}
    assert names(database) == survivors
    assert len(commits) == 1
    assert str(outcomes.pop(0)) == "the first writer gives up"
    assert outcomes == {i: ("ok", survivors) for i in range(1, WRITERS)}


def test_a_commit_that_fails_fails_every_writer_of_the_group(database):
    # a deferred foreign key is checked by COMMIT: one writer's orphan sinks the group's commit
    outcomes = run_writers(database, lambda i, tx: insert(tx, f"w{i}", parent=404 if i == 3 else None))
    assert names(database) == set()
    assert all(isinstance(outcomes[i], IntegrityError) for i in range(WRITERS)), outcomes
    with database.transaction() as tx:  # the next writer starts afresh
        insert(tx, "after")
    assert names(database) == {"after"}


def test_a_writer_that_changes_the_versions_ends_its_group(database):
    """The writers after a schema or settings change must start with the new definitions loaded, which
    their process reads once that change is committed."""
    commits = count_commits(database)
    before = database.committed_version_changes()

    def work(i, tx):
        insert(tx, f"w{i}")
        if i == 0:
            bump_schema_version(tx.connection)
            assert database.versions_changed_here()
        else:
            assert not database.versions_changed_here()

    outcomes = run_writers(database, work)
    everyone = {f"w{i}" for i in range(WRITERS)}
    assert names(database) == everyone
    assert outcomes[0][0] == "ok"
    assert len(commits) == 2  # the first writer alone, then the four that queued behind it together
    assert database.committed_version_changes() == before + 1
