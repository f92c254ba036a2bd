"""Fixtures of the realtime tests (helpers in rtkit.py)."""

from __future__ import annotations

import pytest

from realtime.rtkit import make_kit


@pytest.fixture(scope="module")
def kit(databases, tmp_path_factory):
    """One in-process app (memory broker) per test module; tests create their own collections."""
    made, url = make_kit(databases, tmp_path_factory.mktemp("realtime"))
    yield made
    made.close_streams()
    made.core.close()
    databases.release(url)


@pytest.fixture(autouse=True)
def _close_streams(request):
    """The streams a test opened are closed after it (the module's app lives on)."""
    yield
    if "kit" in request.fixturenames:
        request.getfixturevalue("kit").close_streams()
