"""Playwright in Debian's headless Chromium (/usr/bin/chromium; browsers are never downloaded).

    browser        one Chromium per test module
    page           a fresh page (own cookies) that fails the test on any JS error or CSP violation
    shot(page, n)  saves test-artifacts/console/<n>.png (git-ignored), the console's screenshots

Tests here are marked `browser`: the root conftest skips them when Chromium or playwright is missing
(and fails them in CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.ci import CHROMIUM_ARGS, require_chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser():
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=["--headless", *CHROMIUM_ARGS])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """Request it after `live_server`, so that the page closes before the server stops (a server stopping
    under an open page can cut a connection the page still uses)."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: problems.append(f"console {message.type}: {message.text}")
        if message.type == "error" or "Content Security Policy" in message.text
        else None,
    )
    failed_requests: list[str] = []  # the URLs behind "Failed to load resource" console errors
    page.on("requestfailed", lambda request: failed_requests.append(f"{request.method} {request.url}: {request.failure}"))
    yield page
    context.close()
    assert not problems, (problems, failed_requests)


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, *, full_page: bool = False) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save
