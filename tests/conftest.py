"""Fixtures every baas test can use.

    database_url   (session) BAAS_TEST_DATABASE_URL (PostgreSQL) or None (SQLite in the data dir)
    redis_url      (session) BAAS_TEST_REDIS_URL or None
    app_factory    make_app(**config_overrides) -> Flask app on a clean, migrated database
    app            one such app;  core = app.extensions["baas"];  client = app.test_client()
    empty_database (data_dir, database_url or None): a database with no tables yet
    superuser      (record, token) for admin@example.com / "Passw0rd!23";  su_headers = {"Authorization": token}
    start_server   start(workers=1, args=(), env=None) -> LiveServer running `baas serve` on a free port
    live_server    one LiveServer; options through indirect parametrization:
                   @pytest.mark.parametrize("live_server", [{"workers": 2}], indirect=True)

Markers `postgres`, `redis`, `browser` and `node` skip a test whose service or tool is missing; with CI
set they fail it instead, and any other skip fails too: in CI nothing may skip.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:  # `support` importable from test modules in any folder, in any import mode
    sys.path.insert(0, _TESTS)

from support.ci import IN_CI, hermetic_environ, require_chromium, require_node, require_postgres, require_redis  # noqa: E402
from support.databases import PostgresDatabases, SqliteDatabases  # noqa: E402
from support.server import LiveServer  # noqa: E402

pytest_plugins = ("support.s3",)  # s3_server / s3_settings: moto's S3 server on loopback

SUPERUSER_EMAIL = "admin@example.com"
SUPERUSER_PASSWORD = "Passw0rd!23"

_MARKER_CHECKS = {"postgres": require_postgres, "redis": require_redis, "browser": require_chromium, "node": require_node}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers():
        check = _MARKER_CHECKS.get(marker.name)
        if check is not None:
            check()


def _fail_skip_in_ci(report) -> None:
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may skip: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    _fail_skip_in_ci(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    _fail_skip_in_ci(report)
    return report


@pytest.fixture(scope="session")
def database_url() -> str | None:
    return os.environ.get("BAAS_TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    return os.environ.get("BAAS_TEST_REDIS_URL") or None


@pytest.fixture(scope="session")
def databases(database_url, tmp_path_factory):
    """Where clean databases come from: SqliteDatabases or PostgresDatabases (support/databases.py)."""
    source = PostgresDatabases(database_url) if database_url else SqliteDatabases(tmp_path_factory.mktemp("template"))
    yield source
    source.close()


@pytest.fixture
def app_factory(databases, redis_url, tmp_path):
    from baas import create_app, load_config

    made = []

    def make_app(**overrides):
        data_dir = tmp_path / f"baas_data{len(made) or ''}"
        url = databases.fresh(data_dir)
        env = {"BAAS_REDIS_URL": redis_url} if redis_url else {}
        flask_app = create_app(load_config(data_dir, url, env=env, **overrides), run_migrations=False)
        flask_app.config["TESTING"] = True
        made.append((flask_app, url))
        return flask_app

    yield make_app
    for flask_app, url in made:
        flask_app.extensions["baas"].close()
        databases.release(url)


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def empty_database(databases, tmp_path):
    """(data_dir, database_url) with no tables yet, for migration and CLI tests; the url is None on SQLite."""
    data_dir = tmp_path / "empty_data"
    url = databases.empty(data_dir)
    yield data_dir, url
    databases.release(url)


@pytest.fixture
def core(app):
    return app.extensions["baas"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def superuser(core, client):
    from baas.core import superusers

    record = superusers.upsert(core, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
    response = client.post(
        "/api/collections/_superusers/auth-with-password", json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return record, response.get_json()["token"]


@pytest.fixture
def su_headers(superuser):
    return {"Authorization": superuser[1]}


@pytest.fixture
def start_server(databases, redis_url, tmp_path):
    started: list[tuple[LiveServer, str | None]] = []

    def start(*, workers: int = 1, args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> LiveServer:
        data_dir = tmp_path / f"server{len(started)}"
        url = databases.empty(data_dir)  # `baas serve` migrates it, as in production
        server_env = hermetic_environ(BAAS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
        if url:
            server_env["BAAS_DATABASE_URL"] = url
        if redis_url:
            server_env["BAAS_REDIS_URL"] = redis_url
        server_env.update(env or {})
        server = LiveServer(data_dir, server_env, ("--workers", str(workers), *args))
        started.append((server, url))
        return server.start()

    yield start
    for server, url in started:
        server.stop()
        databases.release(url)


@pytest.fixture
def live_server(request, start_server):
    return start_server(**getattr(request, "param", {}))
