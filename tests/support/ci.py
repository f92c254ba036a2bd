"""What a test may need from the machine, and how its absence is reported.

Outside CI a missing service or tool skips the test with the reason; with `CI` set it fails instead,
because a CI run that skipped its PostgreSQL or browser tests would pass without having tested them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
JS_DIR = Path(__file__).resolve().parent.parent / "js"
CHROMIUM = Path("/usr/bin/chromium")
#: flags for headless Chromium on this closed network (no sandbox as root, no background connections)
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (in CI nothing may skip)", pytrace=False)
    pytest.skip(reason)


def require_node() -> str:
    """The `node` executable, with the SDK installed under tests/js (`make test` runs `npm ci` there)."""
    node = shutil.which("node")
    if node is None:
        skip_or_fail("node is not installed")
    if not (JS_DIR / "node_modules" / "pocketbase").is_dir():
        skip_or_fail("the JS SDK is not installed: run `make test` (or `npm ci` in tests/js)")
    return node


def require_chromium() -> str:
    """/usr/bin/chromium and the `playwright` package; browsers are never downloaded."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing (Debian packages chromium and chromium-driver)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        skip_or_fail("the playwright package is missing: run `make test`")
    return str(CHROMIUM)


def require_postgres() -> str:
    url = os.environ.get("BAAS_TEST_DATABASE_URL")
    if not url:
        skip_or_fail("needs PostgreSQL: set BAAS_TEST_DATABASE_URL")
    return url


def require_redis() -> str:
    url = os.environ.get("BAAS_TEST_REDIS_URL")
    if not url:
        skip_or_fail("needs Redis: set BAAS_TEST_REDIS_URL")
    return url


def hermetic_environ(**extra: str) -> dict[str, str]:
    """This process's environment without the developer's own BAAS_* settings, plus `extra`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAAS_")}
    env.update(extra)
    return env
