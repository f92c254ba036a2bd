"""auth-with-password: identities, PocketBase's bcrypt hashes, constant-time failures, rules, limits, hooks."""

from __future__ import annotations

import time

import bcrypt
import pytest
from authkit import PASSWORD, claims, create_user, sign_in
from sqlalchemy import insert

from baas.core import password_auth
from baas.hooks import hookimpl

AUTH = "/api/collections/users/auth-with-password"
INVALID = "An error occurred while validating the submitted data."
#: `_superusers.password` of a real PocketBase 0.40.6 (Go's bcrypt) for "Passw0rd!23"
POCKETBASE_HASH = "$2a$10$I0Ec4SVAI9t9KMOL28NpK.Uurvs3J.FnfosFdndhYTNsZvC.8iDHm"


def error(response):
    body = response.get_json()
    return response.status_code, body["message"], {key: value["code"] for key, value in body["data"].items()}


def add_username(client, su_headers, index: str = "CREATE UNIQUE INDEX idx_username ON users (username)", fields=("email", "username")):
    users = client.get("/api/collections/users", headers=su_headers).get_json()
    response = client.patch(
        "/api/collections/users",
        json={
            "fields": users["fields"] + [{"name": "username", "type": "text"}],
            "indexes": users["indexes"] + ([index] if index else []),
            "passwordAuth": {"enabled": True, "identityFields": list(fields)},
        },
        headers=su_headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_sign_in_answers_the_token_and_the_record(client):
    user = create_user(client, "pat@example.com", name="Pat")
    response = sign_in(client, "pat@example.com")
    assert response.status_code == 200
    body = response.get_json()
    assert sorted(body) == ["record", "token"]
    assert body["record"] == {**user, "email": "pat@example.com"}
    payload = claims(body["token"])
    assert sorted(payload) == ["collectionId", "exp", "id", "refreshable", "type"]
    assert (payload["collectionId"], payload["id"], payload["type"], payload["refreshable"]) == ("_pb_users_auth_", user["id"], "auth", True)
    assert abs(payload["exp"] - (time.time() + 432000)) < 5


def test_wrong_password_and_unknown_identity_fail_alike(client):
    create_user(client, "alike@example.com")
    for identity, password in (("alike@example.com", "wrong-password"), ("nobody@example.com", PASSWORD)):
        response = client.post(AUTH, json={"identity": identity, "password": password})
        assert response.get_json() == {"status": 400, "message": "Failed to authenticate.", "data": {}}


def test_an_unknown_identity_still_costs_a_bcrypt_compare(client, monkeypatch, real_bcrypt_cost):
    create_user(client, "timing@example.com")
    calls = []
    original = bcrypt.checkpw

    def counting(password, hashed):
        calls.append(hashed[:7])
        return original(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting)
    for identity in ("nobody@example.com", "timing@example.com", "not-an-email"):
        sign_in(client, identity, "wrong-password")
    assert calls == [b"$2a$10$"] * 3


def test_a_pocketbase_bcrypt_hash_signs_in(client, core):
    """A `_superusers` row exported from PocketBase (Go's `$2a$10$` hash) works unchanged."""
    superusers = core.collections.get("_superusers")
    with core.db.transaction() as tx:
        tx.connection.execute(
            insert(superusers.table(core.db.dialect)).values(
                id="k8kmiili10dbexz", email="imported@example.com", password=POCKETBASE_HASH,
                tokenKey="NBzMVcXIQjpG9TPotKjQh7O6zpptvgydhNelBqmFULOpYL1d8d", emailVisibility=False, verified=True,
                created="2026-11-21 23:49:11.334Z", updated="2026-11-21 23:49:11.334Z",
            )
        )
    response = sign_in(client, "imported@example.com", "Passw0rd!23", "_superusers")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["record"]["id"] == "k8kmiili10dbexz"
    assert sign_in(client, "imported@example.com", "Passw0rd!24", "_superusers").status_code == 400


def test_new_hashes_are_pocketbase_style(client, core, real_bcrypt_cost):
    user = create_user(client, "hash@example.com")
    stored = core.records_repo.find(core.collections.get("users"), user["id"]).get("password").hash
    assert stored.startswith("$2a$10$") and bcrypt.checkpw(PASSWORD.encode(), stored.encode())


def test_validation(client):
    assert error(client.post(AUTH, json={})) == (400, INVALID, {"identity": "validation_required", "password": "validation_required"})
    assert error(client.post(AUTH, json={"identity": "a@example.com", "password": "x", "identityField": "name"})) == (
        400, INVALID, {"identityField": "validation_in_invalid"}
    )
    assert error(client.post(AUTH, json={"identity": "a" * 256, "password": "x"})) == (400, INVALID, {"identity": "validation_length_out_of_range"})


def test_emails_match_exactly_by_default(client):
    create_user(client, "Mixed@Example.com")
    assert sign_in(client, "Mixed@Example.com").status_code == 200
    assert sign_in(client, "mixed@example.com").status_code == 400  # as PocketBase: no NOCASE on the default index


def test_username_identity_with_its_unique_index(client, su_headers):
    add_username(client, su_headers)
    user = create_user(client, "uma@example.com", username="uma")
    assert sign_in(client, "uma").get_json()["record"]["id"] == user["id"]
    assert sign_in(client, "UMA").status_code == 400
    assert sign_in(client, "uma@example.com").status_code == 200
    assert sign_in(client, "uma", identityField="username").status_code == 200
    assert sign_in(client, "uma", identityField="email").status_code == 400


def test_a_nocase_index_makes_the_identity_case_insensitive(client, su_headers):
    add_username(client, su_headers, "CREATE UNIQUE INDEX idx_username ON users (username COLLATE NOCASE)")
    create_user(client, "nc@example.com", username="NoCase")
    assert sign_in(client, "nocase").status_code == 200
    assert sign_in(client, "NOCASE").status_code == 200


def test_an_email_looking_username_is_tried_after_the_email(client, su_headers):
    add_username(client, su_headers)
    user = create_user(client, "real@example.com", username="alias@example.com")
    assert sign_in(client, "alias@example.com").get_json()["record"]["id"] == user["id"]


def test_password_auth_disabled_is_403(client, su_headers):
    create_user(client, "off@example.com")
    client.patch("/api/collections/users", json={"passwordAuth": {"enabled": False}}, headers=su_headers)
    assert error(sign_in(client, "off@example.com")) == (403, "The collection is not configured to allow password authentication.", {})


@pytest.mark.parametrize("rule", ["verified = true", None])
def test_the_auth_rule_is_checked_after_the_password(client, su_headers, rule):
    create_user(client, "rule@example.com")
    client.patch("/api/collections/users", json={"authRule": rule}, headers=su_headers)
    assert error(sign_in(client, "rule@example.com")) == (
        403, "The request doesn't satisfy the collection requirements to authenticate.", {}
    )
    assert sign_in(client, "rule@example.com", "wrong-password").status_code == 400


def test_repeated_failures_from_one_client_get_429(client, monkeypatch):
    monkeypatch.setattr(password_auth, "FAILURE_LIMIT", 3)
    create_user(client, "lock@example.com")
    for _ in range(3):
        assert sign_in(client, "lock@example.com", "wrong-password").status_code == 400
    blocked = sign_in(client, "lock@example.com")
    assert error(blocked) == (429, password_auth.TOO_MANY_FAILURES, {})
    other_client = client.post(
        AUTH, json={"identity": "lock@example.com", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert other_client.status_code == 200


def test_expand_fields_and_form_bodies(client, su_headers):
    create_user(client, "form@example.com", name="Form")
    response = client.post(f"{AUTH}?fields=id,name,email", data={"identity": "form@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert sorted(response.get_json()["record"]) == ["email", "id", "name"]


def test_hooks_see_the_attempt_and_the_sign_in(client, core):
    seen = []

    class Plugin:
        @hookimpl
        def baas_record_auth_with_password_request(self, event):
            seen.append(("password", event.identity, event.record.id if event.record else None))
            if event.record is None and event.identity == "legacy-login":  # a custom identity lookup
                event.record = core.records_repo.find(core.collections.get("users"), user["id"])

        @hookimpl
        def baas_record_auth_request(self, event):
            seen.append(("auth", event.method, event.record.id, claims(event.token)["id"]))
            event.meta = {"welcome": True}

    user = create_user(client, "hooks@example.com")
    core.hooks.register(Plugin(), "test-password")
    response = sign_in(client, "legacy-login")
    assert response.status_code == 200
    assert response.get_json()["meta"] == {"welcome": True}
    assert seen == [("password", "legacy-login", None), ("auth", "password", user["id"], user["id"])]


def test_a_hook_may_refuse_the_sign_in(client, core):
    from baas import errors

    class Plugin:
        @hookimpl
        def baas_record_auth_request(self, event):
            raise errors.forbidden("Sign-ins are paused.")

    create_user(client, "paused@example.com")
    core.hooks.register(Plugin(), "test-refuse")
    assert error(sign_in(client, "paused@example.com")) == (403, "Sign-ins are paused.", {})
