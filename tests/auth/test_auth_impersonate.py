"""impersonate/{id}: superusers only; a non-refreshable token with a custom duration."""

from __future__ import annotations

import time

from authkit import claims, create_user, token_of

from baas.hooks import hookimpl


def error(response):
    body = response.get_json()
    return response.status_code, body["message"], body["data"]


def test_a_superuser_gets_a_static_token(client, su_headers):
    user = create_user(client, "imp@example.com")
    response = client.post(f"/api/collections/users/impersonate/{user['id']}", json={"duration": 100}, headers=su_headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["record"]["id"] == user["id"] and body["record"]["email"] == "imp@example.com"
    token = body["token"]
    payload = claims(token)
    assert payload["refreshable"] is False and payload["type"] == "auth" and payload["id"] == user["id"]
    assert abs(payload["exp"] - (time.time() + 100)) < 5
    # the token works, and auth-refresh hands it back unchanged
    headers = {"Authorization": token}
    assert client.get(f"/api/collections/users/records/{user['id']}", headers=headers).status_code == 200
    refreshed = client.post("/api/collections/users/auth-refresh", headers=headers)
    assert refreshed.status_code == 200 and refreshed.get_json()["token"] == token


def test_the_default_duration_is_the_collections(client, su_headers):
    user = create_user(client, "dur@example.com")
    for body in ({}, {"duration": 0}):
        token = client.post(f"/api/collections/users/impersonate/{user['id']}", json=body, headers=su_headers).get_json()["token"]
        assert abs(claims(token)["exp"] - (time.time() + 432000)) < 5


def test_who_may_impersonate_and_what(client, su_headers):
    user = create_user(client, "who@example.com")
    path = f"/api/collections/users/impersonate/{user['id']}"
    assert error(client.post(path, json={})) == (401, "The request requires valid record authorization token.", {})
    own = {"Authorization": token_of(client, "who@example.com")}
    assert error(client.post(path, json={}, headers=own)) == (
        403, "The authorized record is not allowed to perform this action.", {}
    )
    assert error(client.post("/api/collections/users/impersonate/missing", json={}, headers=su_headers)) == (
        404, "The requested resource wasn't found.", {}
    )
    assert error(client.post(path, json={"duration": -1}, headers=su_headers)) == (
        400, "An error occurred while validating the submitted data.",
        {"duration": {"code": "validation_min_greater_equal_than_required", "message": "Must be no less than 0.", "params": {"threshold": 0}}},
    )
    assert client.post(path, json={"duration": "soon"}, headers=su_headers).status_code == 400


def test_a_superuser_can_impersonate_a_superuser(client, superuser, su_headers):
    record, _ = superuser
    response = client.post(f"/api/collections/_superusers/impersonate/{record.id}", json={"duration": 60}, headers=su_headers)
    token = response.get_json()["token"]
    assert client.get("/api/settings", headers={"Authorization": token}).status_code == 200


def test_the_hook_and_the_auth_hook_fire(client, su_headers, core):
    seen = []

    class Plugin:
        @hookimpl
        def baas_record_impersonate_request(self, event):
            seen.append(("impersonate", event.duration))
            event.duration = 30

        @hookimpl
        def baas_record_auth_request(self, event):
            seen.append(("auth", event.method, event.token.count(".")))

    core.hooks.register(Plugin(), "test-impersonate")
    user = create_user(client, "hooks@example.com")
    token = client.post(f"/api/collections/users/impersonate/{user['id']}", json={"duration": 500}, headers=su_headers).get_json()["token"]
    assert seen == [("impersonate", 500), ("auth", "", 2)]
    assert abs(claims(token)["exp"] - (time.time() + 30)) < 5
