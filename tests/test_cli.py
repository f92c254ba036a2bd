"""`baas migrate` and `baas superuser`, through click's runner and once through the installed script."""

from __future__ import annotations

import os
import subprocess

import pytest
from click.testing import CliRunner
from support.ci import hermetic_environ
from support.server import baas_executable

from baas import cli, create_app, load_config
from baas.db import migrate
from baas.db.database import Database, build_engine

EMAIL = "root@example.com"
PASSWORD = "Str0ng-enough-pass"


@pytest.fixture
def target(empty_database):
    """CLI arguments and environment pointing at a database with no tables yet."""
    data_dir, url = empty_database
    env = {key: None for key in os.environ if key.startswith("BAAS_")}
    if url:
        env["BAAS_DATABASE_URL"] = url
    return data_dir, url, env


@pytest.fixture
def run(target):
    data_dir, _url, env = target

    def run(*args: str):
        return CliRunner().invoke(cli.main, [*args, "--dir", str(data_dir)], env=env)

    return run


@pytest.fixture
def revisions():
    """Every system migration id, oldest first (from the scripts, not from any database)."""
    database = Database(build_engine("sqlite://", pooled=False))
    try:
        return [revision for revision, _doc, _applied in migrate.history(database)]
    finally:
        database.dispose()


def history_marks(output: str) -> list[str]:
    return [line[:3] for line in output.splitlines() if line.startswith("[")]


def test_migrate_history_up_down(run, revisions):
    result = run("migrate", "history")
    assert result.exit_code == 0, result.output
    assert history_marks(result.output) == ["[ ]"] * len(revisions)
    assert all(revision in result.output for revision in revisions)

    result = run("migrate", "up")
    assert result.exit_code == 0, result.output
    assert f"base -> {revisions[-1]}" in result.output
    assert history_marks(run("migrate", "history").output) == ["[x]"] * len(revisions)

    result = run("migrate", "up")
    assert result.exit_code == 0 and "No new migrations" in result.output

    result = run("migrate", "down")
    assert result.exit_code == 0, result.output
    assert f"Reverted {revisions[-1]}" in result.output
    assert history_marks(run("migrate", "history").output) == ["[x]"] * (len(revisions) - 1) + ["[ ]"]

    result = run("migrate", "down", str(len(revisions) + 5))
    assert result.exit_code == 0, result.output
    assert "now at base" in result.output
    assert history_marks(run("migrate", "history").output) == ["[ ]"] * len(revisions)
    assert "No migrations to revert" in run("migrate", "down").output


def sign_in(target, password: str) -> int:
    """Status of a superuser password sign-in on the same data dir and database."""
    data_dir, url, _env = target
    flask_app = create_app(load_config(data_dir, url, env={}))
    try:
        response = flask_app.test_client().post(
            "/api/collections/_superusers/auth-with-password", json={"identity": EMAIL, "password": password}
        )
        return response.status_code
    finally:
        flask_app.extensions["baas"].close()


def test_superuser_upsert_creates_then_updates(run, target):
    result = run("superuser", "upsert", EMAIL, PASSWORD)
    assert result.exit_code == 0, result.output
    assert f'Successfully saved superuser "{EMAIL}"' in result.output
    assert sign_in(target, PASSWORD) == 200

    result = run("superuser", "upsert", EMAIL, PASSWORD + "-new")
    assert result.exit_code == 0, result.output
    assert sign_in(target, PASSWORD + "-new") == 200
    assert sign_in(target, PASSWORD) == 400


def test_superuser_delete(run, target):
    assert run("superuser", "upsert", EMAIL, PASSWORD).exit_code == 0
    result = run("superuser", "delete", EMAIL)
    assert result.exit_code == 0, result.output
    assert f'Successfully deleted superuser "{EMAIL}"' in result.output
    assert sign_in(target, PASSWORD) == 400

    result = run("superuser", "delete", EMAIL)
    assert result.exit_code == 0, result.output
    assert "missing or already deleted" in result.output


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("not-an-email", PASSWORD, "email"), (EMAIL, "short", "password")],
)
def test_superuser_upsert_rejects_bad_input_in_one_line(run, email, password, field):
    result = run("superuser", "upsert", email, password)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    assert f"{field}:" in lines[0]
    assert "Traceback" not in result.output


def test_console_script(target):
    """The installed `baas` entry point runs the same commands in a real process (each start costs a second)."""
    data_dir, url, _env = target
    env = hermetic_environ(BAAS_DATA_DIR=str(data_dir), **({"BAAS_DATABASE_URL": url} if url else {}))

    def baas(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([baas_executable(), *args], env=env, capture_output=True, text=True, timeout=120)

    upsert = baas("superuser", "upsert", EMAIL, PASSWORD)
    assert upsert.returncode == 0, upsert.stderr
    assert "Successfully saved superuser" in upsert.stdout

    bad = baas("superuser", "upsert", "nope", PASSWORD)
    assert bad.returncode == 1
    assert bad.stderr.startswith("Error: ") and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
