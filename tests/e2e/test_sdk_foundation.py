"""The official JS SDK (pocketbase@0.28.1) signs a superuser in against a live server."""

from __future__ import annotations

import pytest

EMAIL = "sdk-admin@example.com"
PASSWORD = "Sdk-Passw0rd!23"


@pytest.mark.node
def test_superuser_auth_through_the_sdk(live_server):
    live_server.cli("superuser", "upsert", EMAIL, PASSWORD)
    result = live_server.run_js("foundation.mjs", SU_EMAIL=EMAIL, SU_PASSWORD=PASSWORD)
    assert result["isSuperuser"] is True
    assert result["isValid"] is True
    assert result["recordEmail"] == EMAIL
    # as PocketBase, a superuser's health check also reports the client IP it sees
    assert result["health"] == {
        "message": "API is healthy.",
        "code": 200,
        "data": {"realIP": "127.0.0.1", "possibleProxyHeader": ""},
    }
