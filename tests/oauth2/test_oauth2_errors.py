"""auth-with-oauth2 refuses cleanly: disabled or unknown providers, bad input, a bad code or verifier,
provider failures and timeouts. Each is a 400/403 in PocketBase's shape, with no user, link or token."""

from __future__ import annotations

import time

import pytest
from oauth2kit import AUTH, REDIRECT

from baas.core.oauth2 import base

LOADING = "An error occurred while loading the submitted data."


def error(response) -> tuple[int, str, dict]:
    body = response.get_json()
    assert "token" not in body
    return response.status_code, body["message"], {key: value["code"] for key, value in body["data"].items()}


def nothing_written(oauth2) -> bool:
    return oauth2.records() == [] and oauth2.links() == []


def test_oauth2_disabled_is_403(oauth2, provider, client):
    oauth2.configure(enabled=False)
    response = client.post(AUTH.format("users"), json={"provider": "oidc", "code": "c"})
    assert error(response) == (403, "The collection is not configured to allow OAuth2 authentication.", {})


def test_not_an_auth_collection(client):
    assert client.post(AUTH.format("nope"), json={}).status_code == 404
    assert client.post(AUTH.format("_externalAuths"), json={}).status_code == 404


def test_required_values(oauth2, users, client):
    assert error(client.post(AUTH.format("users"), json={})) == (
        400, LOADING, {"code": "validation_required", "provider": "validation_required"},
    )
    assert error(client.post(AUTH.format("users"), json={"provider": "oidc"})) == (400, LOADING, {"code": "validation_required"})


@pytest.mark.parametrize("name", ["nope", "github", "OIDC"])
def test_unknown_or_unconfigured_providers(oauth2, users, client, name):
    response = client.post(AUTH.format("users"), json={"provider": name, "code": "c", "redirectURL": REDIRECT})
    assert response.status_code == 400
    assert response.get_json()["data"] == {
        "provider": {
            "code": "validation_invalid_provider",
            "message": f"Provider with name {name} is missing or is not enabled.",
            "params": {"name": name},
        }
    }


def test_a_bad_code(oauth2, users, provider, client):
    response = client.post(
        AUTH.format("users"), json={"provider": "oidc", "code": "made-up", "codeVerifier": "v" * 43, "redirectURL": REDIRECT}
    )
    assert error(response) == (400, "Failed to fetch OAuth2 token.", {})
    assert nothing_written(oauth2)


def test_a_code_is_good_once(oauth2, users, provider, client):
    provider.add_user("uma", email="uma@example.com")
    code, entry = oauth2.consent("uma")
    body = {"provider": "oidc", "code": code, "codeVerifier": entry["codeVerifier"], "redirectURL": REDIRECT}
    assert client.post(AUTH.format("users"), json=body).status_code == 200
    assert error(client.post(AUTH.format("users"), json=body)) == (400, "Failed to fetch OAuth2 token.", {})


def test_the_wrong_verifier_or_redirect_url(oauth2, users, provider):
    provider.add_user("vic", email="vic@example.com")
    wrong_verifier = oauth2.sign_in("vic", codeVerifier="w" * 43)
    assert error(wrong_verifier) == (400, "Failed to fetch OAuth2 token.", {})
    wrong_redirect = oauth2.sign_in("vic", redirectURL="http://127.0.0.1:9/elsewhere")
    assert error(wrong_redirect) == (400, "Failed to fetch OAuth2 token.", {})
    assert nothing_written(oauth2)


def test_a_wrong_client_secret(oauth2, provider):
    oauth2.configure([provider.provider_options(clientSecret="not-the-secret")])
    provider.add_user("walt", email="walt@example.com")
    response = oauth2.sign_in("walt")
    assert error(response) == (400, "Failed to fetch OAuth2 token.", {})
    # both client authentication methods were tried, as Go's oauth2 auto-detection does
    assert [request["basic"] for request in provider.token_requests] == [True, False]


@pytest.mark.parametrize("status", [500, 503, 400])
def test_token_endpoint_failures(oauth2, users, provider, status):
    provider.add_user("xena", email="xena@example.com")
    provider.token_status = status
    assert error(oauth2.sign_in("xena")) == (400, "Failed to fetch OAuth2 token.", {})
    assert nothing_written(oauth2)


def test_a_slow_provider_times_out(oauth2, users, provider, monkeypatch):
    monkeypatch.setattr(base, "HTTP_TIMEOUT", 0.5)
    provider.add_user("yuri", email="yuri@example.com")
    provider.token_delay = 2.0
    started = time.monotonic()
    assert error(oauth2.sign_in("yuri")) == (400, "Failed to fetch OAuth2 token.", {})
    assert time.monotonic() - started < 2.0
    assert nothing_written(oauth2)


def test_the_default_timeout_is_ten_seconds():
    assert base.HTTP_TIMEOUT == 10.0


def test_userinfo_failures(oauth2, users, provider):
    provider.add_user("zoe", email="zoe@example.com")
    provider.userinfo_status = 500
    assert error(oauth2.sign_in("zoe")) == (400, "Failed to fetch OAuth2 user.", {})
    assert nothing_written(oauth2)


def test_an_id_token_for_another_client_is_refused(oauth2, users, provider):
    provider.add_user("abe", email="abe@example.com")
    provider.id_token_audience = "someone-else"
    assert error(oauth2.sign_in("abe")) == (400, "Failed to fetch OAuth2 user.", {})
    assert nothing_written(oauth2)


def test_an_id_token_from_another_issuer_is_refused(oauth2, provider):
    options = provider.provider_options()
    options["extra"]["issuers"] = ["https://issuer.example"]
    oauth2.configure([options])
    provider.add_user("bea", email="bea@example.com")
    assert error(oauth2.sign_in("bea")) == (400, "Failed to fetch OAuth2 user.", {})


def test_an_id_token_signed_with_another_key_is_refused(oauth2, users, provider):
    from joserfc import jwk

    provider.add_user("cy", email="cy@example.com")
    provider.signing_key = jwk.RSAKey.generate_key(2048, parameters={"kid": provider.key.kid}, private=True)
    assert error(oauth2.sign_in("cy")) == (400, "Failed to fetch OAuth2 user.", {})
    assert nothing_written(oauth2)


def test_an_unreachable_provider(oauth2):
    oauth2.configure([{"name": "oidc", "clientId": "a", "clientSecret": "b", "authURL": "http://127.0.0.1:9/a", "tokenURL": "http://127.0.0.1:9/t"}])
    response = oauth2.client.post(AUTH.format("users"), json={"provider": "oidc", "code": "c", "redirectURL": REDIRECT})
    assert error(response) == (400, "Failed to fetch OAuth2 token.", {})


def test_a_failed_discovery(oauth2):
    oauth2.configure([{"name": "oidc", "clientId": "a", "clientSecret": "b", "extra": {"issuer": "http://127.0.0.1:9"}}])
    assert oauth2.auth_methods()["oauth2"] == {"providers": [], "enabled": True}  # left out, as PocketBase does
    response = oauth2.client.post(AUTH.format("users"), json={"provider": "oidc", "code": "c"})
    assert error(response) == (400, "Failed to fetch OAuth2 token.", {})


def test_rate_limit_labels(oauth2, users, provider, core):
    rules = [{"label": "users:authWithOAuth2", "audience": "", "duration": 60, "maxRequests": 1}]
    core.settings.update({"rateLimits": {"enabled": True, "rules": rules}})
    body = {"provider": "oidc", "code": "x", "redirectURL": REDIRECT}
    assert oauth2.client.post(AUTH.format("users"), json=body).status_code == 400
    assert oauth2.client.post(AUTH.format("users"), json=body).status_code == 429
