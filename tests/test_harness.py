"""The shared fixtures themselves: clean databases per app, a working superuser token, CI's no-skip rule."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from baas.core import superusers

TESTS = Path(__file__).resolve().parent


def test_superuser_token_opens_superuser_routes(client, su_headers, superuser):
    record, token = superuser
    assert record.get("email") == "admin@example.com"
    assert client.get("/api/collections", headers=su_headers).status_code == 200
    assert client.get("/api/collections").status_code in (401, 403)


def test_each_app_gets_its_own_clean_database(app_factory):
    first, second = app_factory(), app_factory()
    superusers.upsert(first.extensions["baas"], "only-here@example.com", "Passw0rd!23")
    assert superusers.exists(first.extensions["baas"])
    assert not superusers.exists(second.extensions["baas"])
    assert first.extensions["baas"].config.data_dir != second.extensions["baas"].config.data_dir


def run_pytest(tmp_path: Path, source: str, ci: bool) -> subprocess.CompletedProcess:
    """A throwaway test module run with this conftest loaded as a plugin."""
    (tmp_path / "test_sample.py").write_text(source)
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "BAAS_TEST_DATABASE_URL")}
    env.update(PYTHONPATH=str(TESTS), **({"CI": "true"} if ci else {}))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-q", "-ra", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


SKIPPING = """
import pytest

@pytest.mark.postgres
def test_needs_postgres():
    pass

def test_skips_itself():
    pytest.skip("not today")
"""


def test_missing_services_skip_locally(tmp_path):
    result = run_pytest(tmp_path, SKIPPING, ci=False)
    assert result.returncode == 0, result.stdout
    assert "2 skipped" in result.stdout
    assert "set BAAS_TEST_DATABASE_URL" in result.stdout


def test_in_ci_every_skip_is_a_failure(tmp_path):
    result = run_pytest(tmp_path, SKIPPING, ci=True)
    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout and "1 error" in result.stdout  # the marker check fails in setup
    assert "skipped" not in result.stdout.splitlines()[-1]
    assert "in CI nothing may skip" in result.stdout
    assert "skipped in CI, where nothing may skip: " in result.stdout
