"""A collection's `oauth2` options: PocketBase's validation of providers, and the write-only client secret
(never answered, kept when not resent - a sign-in after such a change still authenticates the client)."""

from __future__ import annotations

import pytest


def patch(client, su_headers, oauth2: dict, collection: str = "users"):
    return client.patch(f"/api/collections/{collection}", json={"oauth2": oauth2}, headers=su_headers)


def provider_errors(response) -> dict:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["message"] == "Failed to update collection."
    return body["data"]["oauth2"]["providers"]


@pytest.mark.parametrize(
    "providers, expected",
    [
        (
            [{"name": "nope", "clientId": "a", "clientSecret": "b"}],
            {"0": {"name": {"code": "validation_missing_provider", "message": "Invalid or missing provider with name nope.", "params": {"name": "nope"}}}},
        ),
        (
            [{"name": "gitlab", "clientId": "a", "clientSecret": "b"}, {"name": "gitlab", "clientId": "a", "clientSecret": "b"}],
            {"1": {"name": {"code": "validation_duplicated_provider", "message": "The provider gitlab is already registered.", "params": {"name": "gitlab"}}}},
        ),
        (
            [{"name": "oidc", "clientId": "oc"}],
            {"0": {"clientSecret": {"code": "validation_required", "message": "Cannot be blank."}}},
        ),
        (
            [{"name": "", "clientId": "oc", "clientSecret": "x"}],
            {"0": {"name": {"code": "validation_required", "message": "Cannot be blank."}}},
        ),
        (
            [{"name": "gitlab", "clientId": "a", "clientSecret": "b", "authURL": "notaurl"}],
            {"0": {"authURL": {"code": "validation_is_url", "message": "Must be a valid URL."}}},
        ),
    ],
)
def test_provider_validation_as_pocketbase(client, su_headers, providers, expected):
    """Expected answers recorded from PocketBase 0.40.6 for the same PATCH."""
    assert provider_errors(patch(client, su_headers, {"enabled": True, "providers": providers})) == expected


def test_missing_client_id_and_secret(client, su_headers):
    errors = provider_errors(patch(client, su_headers, {"enabled": True, "providers": [{"name": "google"}]}))
    assert {key: value["code"] for key, value in errors["0"].items()} == {"clientId": "validation_required", "clientSecret": "validation_required"}


def test_nothing_is_checked_while_oauth2_is_off(client, su_headers):
    assert patch(client, su_headers, {"enabled": False, "providers": [{"name": "nope"}]}).status_code == 200
    assert provider_errors(patch(client, su_headers, {"enabled": True}))["0"]["name"]["code"] == "validation_missing_provider"


def test_the_client_secret_is_never_answered(client, su_headers, core, oauth2, provider):
    saved = oauth2.configure()
    assert "clientSecret" not in saved["oauth2"]["providers"][0] and saved["oauth2"]["providers"][0]["clientId"]
    one = client.get("/api/collections/users", headers=su_headers).get_json()
    listed = client.get("/api/collections?perPage=100", headers=su_headers).get_json()["items"]
    for answer in (one, *listed, oauth2.auth_methods()):
        assert provider.provider_options()["clientSecret"] not in str(answer)
    assert core.collections.get("users").options["oauth2"]["providers"][0]["clientSecret"] == "baas-test-secret"


def test_the_client_secret_is_kept_when_not_resent(client, su_headers, oauth2, provider):
    oauth2.configure()
    options = provider.provider_options(displayName="Test IdP")
    del options["clientSecret"]
    renamed = oauth2.configure([options])
    assert renamed["oauth2"]["providers"][0]["displayName"] == "Test IdP"
    provider.add_user("kept-1", email="kept@example.com")
    response = oauth2.sign_in("kept-1")
    assert response.status_code == 200, response.get_json()  # the stored secret still authenticates baas
    assert provider.token_requests[-1]["basic"] is True
