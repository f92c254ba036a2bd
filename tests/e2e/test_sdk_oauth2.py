"""OAuth2 with the official JS SDK (pocketbase@0.28.1) against `baas serve` (two gunicorn workers) and the
tests' loopback OpenID Connect provider: `authWithOAuth2Code`, then the realtime all-in-one
`authWithOAuth2` whose `/api/oauth2-redirect` may land on the other worker than the SDK's stream."""

from __future__ import annotations

import pytest
import requests
from oauth2.oidc_provider import OIDCProvider

SU_EMAIL = "sdk-oauth2-admin@example.com"
SU_PASSWORD = "Sdk-Passw0rd!23"

pytestmark = pytest.mark.node


@pytest.fixture
def provider():
    started = OIDCProvider().start()
    yield started
    started.stop()


@pytest.mark.parametrize("live_server", [{"workers": 2}], indirect=True)
def test_sdk_code_flow_and_all_in_one_flow(live_server, provider):
    live_server.cli("superuser", "upsert", SU_EMAIL, SU_PASSWORD)
    token = requests.post(
        f"{live_server.url}/api/collections/_superusers/auth-with-password",
        json={"identity": SU_EMAIL, "password": SU_PASSWORD}, timeout=10,
    ).json()["token"]
    response = requests.patch(
        f"{live_server.url}/api/collections/users",
        json={"oauth2": {"enabled": True, "providers": [provider.provider_options()]}},
        headers={"Authorization": token}, timeout=10,
    )
    assert response.status_code == 200, response.text
    provider.add_user("sdk-sub", email="sdk-oauth2@example.com", name="SDK Person")
    provider.login_as("sdk-sub")

    result = live_server.run_js("oauth2.mjs", REDIRECT_URL="http://127.0.0.1:9/app-callback")

    assert result["providers"] == ["oidc"]
    assert result["pkce"] == ["S256", 43, True]
    assert result["signUp"] == {
        "isNew": True,
        "email": "sdk-oauth2@example.com",
        "name": "SDK Person",
        "verified": True,
        "emailVisibility": True,
        "metaKeys": sorted(
            ["id", "name", "username", "email", "avatarURL", "avatarUrl", "rawUser", "accessToken", "refreshToken", "expiry", "isNew"]
        ),
        "avatar": [200, "image/png"],
    }
    assert result["signIn"] == {
        "sameRecord": True,
        "isNew": False,
        "stored": True,
        "popup": [
            {"status": 302, "to": "/api/oauth2-redirect"},
            {"status": 307, "to": "../_/#/auth/oauth2-redirect-success"},
        ],
    }
    assert result["links"] == [["oidc", "sdk-sub", True]]
    assert (result["unlinked"], result["linksAfter"]) == (True, 0)
    assert result["badCode"] == {"status": 400, "message": "Failed to fetch OAuth2 token."}
    assert result["unknown"] == {"status": 400, "message": "An error occurred while loading the submitted data."}
    # both redirect URLs went to the provider's token endpoint as given
    assert [request["redirect_uri"] for request in provider.token_requests[:2]] == [
        "http://127.0.0.1:9/app-callback", f"{live_server.url}/api/oauth2-redirect",
    ]
