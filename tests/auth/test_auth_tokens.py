"""Auth tokens: PocketBase's HS256 JWTs, and every way a forged or stale one is turned away."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from authkit import PASSWORD, create_user, token_of

from baas.core import tokens

REFRESH = "/api/collections/users/auth-refresh"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(header: dict, payload: dict, key: bytes, digest=hashlib.sha256) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return signing_input + "." + b64(hmac.new(key, signing_input.encode(), digest).digest())


@pytest.fixture
def alice(client, core):
    user = create_user(client, "alice@example.com")
    token = token_of(client, "alice@example.com")
    record = core.records_repo.find(core.collections.get("users"), user["id"])
    key = (record.get("tokenKey") + record.collection.options["authToken"]["secret"]).encode()
    return record, token, key


def status(client, token):
    """(auth-refresh status, whether a public list treated the caller as alice)."""
    headers = {"Authorization": token}
    refresh = client.post(REFRESH, headers=headers).status_code
    listed = client.get("/api/collections/users/records", headers=headers)
    assert listed.status_code == 200  # an invalid token on a public endpoint is simply a guest
    return refresh, listed.get_json()["totalItems"]


def test_the_token_is_hs256_signed_with_token_key_plus_secret(client, alice):
    record, token, key = alice
    header, payload, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "HS256", "typ": "JWT"}
    expected = b64(hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    assert hmac.compare_digest(signature, expected)
    assert status(client, token) == (200, 1)
    assert status(client, "Bearer " + token) == (200, 1)


def test_a_token_made_elsewhere_with_the_same_key_is_accepted(client, alice):
    record, _, key = alice
    payload = {"collectionId": "_pb_users_auth_", "exp": int(time.time()) + 60, "id": record.id, "refreshable": True, "type": "auth"}
    assert status(client, sign({"alg": "HS256", "typ": "JWT"}, payload, key)) == (200, 1)


def test_forged_and_stale_tokens_are_refused(client, core, alice):
    record, token, key = alice
    bob = create_user(client, "bob@example.com")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    now = int(time.time())
    cases = {
        "garbage": "not-a-token",
        "tampered payload": f"{header}.{b64(json.dumps({**claims, 'id': bob['id']}).encode())}.{signature}",
        "expired": sign({"alg": "HS256", "typ": "JWT"}, {**claims, "exp": now - 1}, key),
        "no expiry": sign({"alg": "HS256", "typ": "JWT"}, {k: v for k, v in claims.items() if k != "exp"}, key),
        "alg none": f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{payload}.",
        "alg none signed": b64(json.dumps({"alg": "none"}).encode()) + "." + payload + "." + signature,
        "HS512": sign({"alg": "HS512", "typ": "JWT"}, claims, key, hashlib.sha512),
        "wrong key": sign({"alg": "HS256", "typ": "JWT"}, claims, b"guessed-secret"),
        "verification type": tokens.verification_token(record),
        "file type": tokens.file_token(record),
        "type claim swapped": sign({"alg": "HS256", "typ": "JWT"}, {**claims, "type": "verification"}, key),
        "other collection id": sign({"alg": "HS256", "typ": "JWT"}, {**claims, "collectionId": "pbc_3142635823"}, key),
    }
    for name, forged in cases.items():
        assert status(client, forged) == (401, 0), name


def test_a_password_change_invalidates_older_tokens(client, alice):
    record, token, _ = alice
    new = "Changed-pass-789"
    response = client.patch(
        f"/api/collections/users/records/{record.id}",
        json={"oldPassword": PASSWORD, "password": new, "passwordConfirm": new}, headers={"Authorization": token},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert status(client, token) == (401, 0)
    assert status(client, token_of(client, "alice@example.com", new)) == (200, 1)


def test_a_new_collection_secret_invalidates_older_tokens(client, alice, su_headers):
    _, token, _ = alice
    response = client.patch("/api/collections/users", json={"authToken": {"secret": "s" * 40}}, headers=su_headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert status(client, token) == (401, 0)
    assert status(client, token_of(client, "alice@example.com")) == (200, 1)


def test_refresh_gives_a_new_token_for_the_same_record(client, alice):
    record, token, _ = alice
    time.sleep(1.1)  # `exp` has one-second resolution
    response = client.post(REFRESH, headers={"Authorization": token})
    body = response.get_json()
    assert response.status_code == 200 and body["record"]["id"] == record.id and body["record"]["email"] == "alice@example.com"
    assert body["token"] != token and status(client, body["token"]) == (200, 1)


def test_refresh_needs_a_record_of_the_same_collection(client, su_headers):
    response = client.post(REFRESH)
    assert response.get_json() == {"status": 401, "message": "The request requires valid record authorization token.", "data": {}}
    response = client.post(REFRESH, headers=su_headers)
    assert response.get_json() == {"status": 403, "message": "The request requires auth record from _superusers collection.", "data": {}}


def test_superuser_tokens_unlock_everything(client, alice, su_headers):
    record, _, _ = alice
    assert client.get("/api/collections", headers=su_headers).status_code == 200
    assert client.get("/api/settings", headers=su_headers).status_code == 200
    listed = client.get("/api/collections/users/records", headers=su_headers).get_json()
    assert listed["items"][0]["email"] == "alice@example.com"  # hidden from other users, not from superusers
    assert client.get("/api/collections/_otps/records", headers=su_headers).status_code == 200
    assert client.get("/api/collections/_otps/records").status_code == 200  # guests: filtered by the rule
    assert client.get("/api/collections/_otps/records").get_json()["items"] == []


def test_an_email_change_by_a_superuser_invalidates_older_tokens(client, alice, su_headers):
    record, token, _ = alice
    response = client.patch(f"/api/collections/users/records/{record.id}", json={"email": "renamed@example.com"}, headers=su_headers)
    assert response.status_code == 200
    assert status(client, token) == (401, 0)
