"""auth-with-oauth2 against the loopback OpenID Connect provider, over real HTTP between baas and the
provider: sign-up with mapped fields and avatar, sign-in again, linking by email or to the signed-in
account, createData, the createRule, the authRule, MFA, superusers and the hooks."""

from __future__ import annotations

import base64
import json

from oauth2kit import AUTH, REDIRECT
from oidc_provider import png_bytes

from baas.core.context import RequestContext
from baas.hooks import hookimpl
from baas.storage.paths import file_key

PASSWORD = "Passw0rd-of-bob"


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def create_user(client, email: str, password: str = PASSWORD, **fields) -> dict:
    body = {"email": email, "password": password, "passwordConfirm": password, **fields}
    response = client.post("/api/collections/users/records", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def password_sign_in(client, email: str, password: str = PASSWORD, **body):
    return client.post("/api/collections/users/auth-with-password", json={"identity": email, "password": password, **body})


def test_first_sign_in_creates_the_user_with_mapped_fields_and_avatar(oauth2, users, provider, core):
    provider.add_user("alice-1", email="alice@example.com", name="Alice Liddell", username="alice")
    response = oauth2.sign_in("alice-1")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    record, meta = body["record"], body["meta"]
    assert sorted(body) == ["meta", "record", "token"]
    assert (record["email"], record["verified"], record["name"]) == ("alice@example.com", True, "Alice Liddell")
    assert record["avatar"].startswith("avatar_") and record["avatar"].endswith(".png")
    stored = core.files.storage.read_all(file_key(record["collectionId"], record["id"], record["avatar"]))
    assert stored == png_bytes()
    assert list(meta) == [
        "id", "name", "username", "email", "avatarURL", "rawUser", "accessToken", "refreshToken", "expiry", "avatarUrl", "isNew",
    ]
    assert meta["id"] == "alice-1" and meta["isNew"] is True and meta["username"] == "alice"
    assert meta["avatarURL"] == meta["avatarUrl"] == f"{provider.url}/avatar.png"
    assert meta["rawUser"]["sub"] == "alice-1" and meta["accessToken"] and meta["expiry"].endswith("Z")
    assert claims(body["token"])["id"] == record["id"]
    refreshed = oauth2.client.post("/api/collections/users/auth-refresh", headers={"Authorization": body["token"]})
    assert refreshed.status_code == 200
    assert oauth2.links() == [
        {**oauth2.links()[0], "collectionRef": "_pb_users_auth_", "recordRef": record["id"], "provider": "oidc", "providerId": "alice-1"}
    ]
    # PKCE: the verifier auth-methods gave went to the provider, which checked it against the challenge
    assert len(provider.token_requests) == 1 and len(provider.token_requests[0]["code_verifier"]) == 43
    assert provider.token_requests[0]["redirect_uri"] == REDIRECT


def test_the_second_sign_in_finds_the_linked_user(oauth2, users, provider):
    provider.add_user("alice-2", email="alice2@example.com", name="Alice")
    first = oauth2.sign_in("alice-2").get_json()
    provider.users["alice-2"].email = "changed@example.com"  # the provider account's email changed since
    second = oauth2.sign_in("alice-2")
    assert second.status_code == 200
    body = second.get_json()
    assert body["record"]["id"] == first["record"]["id"] and body["meta"]["isNew"] is False
    assert body["record"]["email"] == "alice2@example.com"
    assert len(oauth2.records()) == 1 and len(oauth2.links()) == 1


def test_an_existing_user_with_the_verified_email_is_linked(oauth2, users, provider, client):
    bob = create_user(client, "bob@example.com", name="Bob")
    provider.add_user("bob-1", email="bob@example.com", name="Robert")
    response = oauth2.sign_in("bob-1")
    assert response.status_code == 200
    body = response.get_json()
    assert body["record"]["id"] == bob["id"] and body["meta"]["isNew"] is False
    assert body["record"]["verified"] is True and body["record"]["name"] == "Bob"  # mapped fields only at sign-up
    assert oauth2.links(recordRef=bob["id"], provider="oidc", providerId="bob-1")
    # it was unverified: someone may have registered the address first, so its password is gone
    assert password_sign_in(client, "bob@example.com").status_code == 400


def test_a_verified_users_password_survives_the_link(oauth2, users, provider, client, core):
    carol = create_user(client, "carol@example.com")
    record = core.records_repo.find(core.collections.get("users"), carol["id"])
    record.set("verified", True)
    core.records.save(record, RequestContext.system())
    provider.add_user("carol-1", email="carol@example.com")
    assert oauth2.sign_in("carol-1").get_json()["record"]["id"] == carol["id"]
    assert password_sign_in(client, "carol@example.com").status_code == 200


def test_an_unverified_provider_email_does_not_link(oauth2, users, provider, client):
    create_user(client, "dave@example.com")
    provider.add_user("dave-1", email="dave@example.com", email_verified=False)
    response = oauth2.sign_in("dave-1")
    # the profile carries no vouched email, so a sign-up without an email is attempted, which fails
    assert response.status_code == 400
    assert response.get_json()["data"]["email"]["code"] == "validation_required"
    assert oauth2.links() == [] and len(oauth2.records()) == 1


def test_a_signed_in_user_links_another_provider_account(oauth2, users, provider, client):
    erin = create_user(client, "erin@example.com")
    token = password_sign_in(client, "erin@example.com").get_json()["token"]
    provider.add_user("erin-work", email="erin@work.example", name="Erin at work")
    response = oauth2.sign_in("erin-work", headers={"Authorization": token})
    assert response.status_code == 200
    assert response.get_json()["record"]["id"] == erin["id"]
    assert response.get_json()["record"]["email"] == "erin@example.com"
    assert oauth2.links(recordRef=erin["id"], providerId="erin-work")
    assert password_sign_in(client, "erin@example.com").status_code == 200  # signed in: the password stays


def test_create_data_goes_into_the_sign_up(oauth2, users, provider):
    provider.add_user("frank-1", email="frank@example.com", name="Frank")
    response = oauth2.sign_in("frank-1", create_data={"name": "Franky", "emailVisibility": True})
    record = response.get_json()["record"]
    assert (record["name"], record["emailVisibility"]) == ("Franky", True)


def test_a_bad_create_data_creates_nothing(oauth2, users, provider):
    provider.add_user("gina-1", email="gina@example.com")
    response = oauth2.sign_in("gina-1", create_data={"name": "x" * 300})
    assert response.status_code == 400
    assert response.get_json()["message"] == "Failed to create record."
    assert "name" in response.get_json()["data"]
    assert oauth2.records() == [] and oauth2.links() == []


def test_the_create_rule_applies_to_the_sign_up(oauth2, users, provider):
    oauth2.patch_collection({"createRule": "@request.context = 'oauth2' && @request.body.name != ''"})
    provider.add_user("hank-1", email="hank@example.com", name="")
    provider.add_user("hank-2", email="hank2@example.com", name="Hank")
    refused = oauth2.sign_in("hank-1")
    assert (refused.status_code, refused.get_json()["message"]) == (400, "Failed to create record.")
    assert oauth2.records() == [] and oauth2.links() == []
    assert oauth2.sign_in("hank-2").status_code == 200  # the request's context is "oauth2"
    oauth2.patch_collection({"createRule": None})
    provider.add_user("hank-3", email="hank3@example.com", name="Hank")
    locked = oauth2.sign_in("hank-3")
    assert (locked.status_code, locked.get_json()["message"]) == (403, "Only superusers can perform this action.")


def test_a_failure_after_the_insert_rolls_the_sign_up_back(oauth2, users, provider, core):
    from baas import errors

    class BreakLinks:
        @hookimpl
        def baas_record_create(self, event):
            if event.record.collection.name == "_externalAuths":
                raise errors.bad_request("No links today.")

    core.hooks.register(BreakLinks(), "test-break-links")
    provider.add_user("ivy-1", email="ivy@example.com", name="Ivy")
    response = oauth2.sign_in("ivy-1")
    assert (response.status_code, response.get_json()["message"]) == (400, "Failed to authenticate.")
    assert oauth2.records() == [] and oauth2.links() == []
    assert list(core.files.storage.list("_pb_users_auth_/")) == []  # the avatar went with the rollback


def test_the_auth_rule_applies(oauth2, users, provider):
    oauth2.patch_collection({"authRule": "name = 'vip'"})
    provider.add_user("jo-1", email="jo@example.com", name="Jo")
    response = oauth2.sign_in("jo-1")
    assert response.status_code == 403
    assert response.get_json()["message"] == "The request doesn't satisfy the collection requirements to authenticate."
    provider.add_user("vip-1", email="vip@example.com", name="vip")
    assert oauth2.sign_in("vip-1").status_code == 200


def test_mfa_needs_another_method(oauth2, users, provider, client, core):
    kim = create_user(client, "kim@example.com")
    provider.add_user("kim-1", email="kim@example.com")
    assert oauth2.sign_in("kim-1").status_code == 200  # links (and verifies) kim
    record = core.records_repo.find(core.collections.get("users"), kim["id"])
    record.set("password", core.collections.get("users").get_field("password").prepare(PASSWORD))
    core.records.save(record, RequestContext.system())
    oauth2.patch_collection({"mfa": {"enabled": True, "duration": 600, "rule": ""}})

    first = oauth2.sign_in("kim-1")
    assert first.status_code == 401 and set(first.get_json()) == {"mfaId"}
    same_method = oauth2.sign_in("kim-1", mfaId=first.get_json()["mfaId"])
    assert same_method.get_json()["message"] == "A different authentication method is required."

    by_password = password_sign_in(client, "kim@example.com")
    assert by_password.status_code == 401
    done = oauth2.sign_in("kim-1", query=f"?mfaId={by_password.get_json()['mfaId']}")
    assert done.status_code == 200 and done.get_json()["record"]["id"] == kim["id"]


def test_superusers_cannot_sign_up(oauth2, provider, superuser):
    oauth2.configure(collection="_superusers")
    provider.add_user("mallory", email="mallory@example.com")
    response = oauth2.sign_in("mallory", collection="_superusers")
    assert (response.status_code, response.get_json()["message"]) == (400, "Failed to authenticate.")
    assert [record["email"] for record in oauth2.records("_superusers")] == ["admin@example.com"]
    provider.add_user("admin-sub", email="admin@example.com")  # an existing superuser may sign in
    signed_in = oauth2.sign_in("admin-sub", collection="_superusers")
    assert signed_in.status_code == 200 and signed_in.get_json()["record"]["email"] == "admin@example.com"


def test_the_mapped_username_is_used_when_free_and_valid(oauth2, users, provider, client):
    oauth2.patch_collection({
        "fields": users["fields"] + [{"name": "username", "type": "text", "pattern": "^[a-z]+$"}],
        "indexes": users["indexes"] + ["CREATE UNIQUE INDEX idx_users_username ON users (username) WHERE username != ''"],
        "oauth2": {"mappedFields": {"username": "username"}},
    })
    provider.add_user("leo-1", email="leo@example.com", username="leo")
    provider.add_user("leo-2", email="leo2@example.com", username="leo")
    provider.add_user("leo-3", email="leo3@example.com", username="Leo_3")
    assert oauth2.sign_in("leo-1").get_json()["record"]["username"] == "leo"
    assert oauth2.sign_in("leo-2").get_json()["record"]["username"] == ""  # taken
    assert oauth2.sign_in("leo-3").get_json()["record"]["username"] == ""  # not valid for the field


def test_the_mapped_id_and_a_url_avatar_field(oauth2, users, provider):
    oauth2.patch_collection({
        "fields": users["fields"] + [{"name": "providerSub", "type": "text"}, {"name": "picture", "type": "url"}],
        "oauth2": {"mappedFields": {"id": "providerSub", "avatarURL": "picture", "name": ""}},
    })
    provider.add_user("max-1", email="max@example.com", name="Max")
    record = oauth2.sign_in("max-1").get_json()["record"]
    assert (record["providerSub"], record["picture"], record["name"]) == ("max-1", f"{provider.url}/avatar.png", "")


def test_an_avatar_the_field_refuses_is_left_out(oauth2, users, provider):
    provider.add_user("ned-1", email="ned@example.com", name="Ned")
    provider.avatar = b"not an image"  # the field takes images only
    record = oauth2.sign_in("ned-1").get_json()["record"]
    assert record["avatar"] == "" and record["name"] == "Ned"


def test_an_avatar_over_the_size_limit_is_left_out(oauth2, users, provider):
    provider.add_user("nia-1", email="nia@example.com", name="Nia")
    provider.avatar = png_bytes() + b"x" * (5 * 1024 * 1024)  # over the field's 5 MB default
    response = oauth2.sign_in("nia-1")
    assert response.status_code == 200 and response.get_json()["record"]["avatar"] == ""


def test_an_unreachable_avatar_is_left_out(oauth2, users, provider):
    provider.add_user("nora-1", email="nora@example.com", name="Nora", picture="http://127.0.0.1:9/gone.png")
    response = oauth2.sign_in("nora-1")
    assert response.status_code == 200 and response.get_json()["record"]["avatar"] == ""


def test_deleting_a_user_removes_its_links(oauth2, users, provider, su_headers, client):
    provider.add_user("olga-1", email="olga@example.com")
    first = oauth2.sign_in("olga-1").get_json()["record"]
    assert client.delete(f"/api/collections/users/records/{first['id']}", headers=su_headers).status_code == 204
    assert oauth2.links() == []
    again = oauth2.sign_in("olga-1").get_json()
    assert again["meta"]["isNew"] is True and again["record"]["id"] != first["id"]


def test_the_hooks_fire_and_can_change_the_sign_up(oauth2, users, provider, core):
    seen = []

    class Plugin:
        @hookimpl
        def baas_record_auth_with_oauth2_request(self, event):
            seen.append(("oauth2", event.provider_name, event.oauth2_user.id, event.is_new_record, event.record))
            event.create_data["name"] = "Set by a hook"

        @hookimpl
        def baas_record_auth_request(self, event):
            seen.append(("auth", event.method, event.meta["id"], event.ctx.context))

    core.hooks.register(Plugin(), "test-oauth2-hooks")
    provider.add_user("pia-1", email="pia@example.com", name="Pia")
    body = oauth2.sign_in("pia-1").get_json()
    assert body["record"]["name"] == "Set by a hook"
    assert seen == [("oauth2", "oidc", "pia-1", True, None), ("auth", "oauth2", "pia-1", "oauth2")]


def test_a_hook_may_refuse(oauth2, users, provider, core):
    from baas import errors

    class Plugin:
        @hookimpl
        def baas_record_auth_with_oauth2_request(self, event):
            raise errors.forbidden("Not from this provider.")

    core.hooks.register(Plugin(), "test-oauth2-refuse")
    provider.add_user("quinn-1", email="quinn@example.com")
    response = oauth2.sign_in("quinn-1")
    assert (response.status_code, response.get_json()["message"]) == (403, "Not from this provider.")
    assert oauth2.records() == []


def test_discovery_from_the_issuer(oauth2, provider):
    oauth2.configure([{"name": "oidc2", "clientId": "baas-test-client", "clientSecret": "baas-test-secret", "extra": {"issuer": provider.issuer}}])
    entry = oauth2.method("oidc2")
    assert entry["authURL"].startswith(f"{provider.url}/authorize?") and entry["displayName"] == "OIDC"
    provider.add_user("rita-1", email="rita@example.com", name="Rita")
    response = oauth2.sign_in("rita-1", name="oidc2")
    assert response.status_code == 200 and response.get_json()["record"]["email"] == "rita@example.com"
    assert oauth2.links(provider="oidc2", providerId="rita-1")


def test_the_profile_can_come_from_the_id_token_alone(oauth2, provider):
    options = provider.provider_options(userInfoURL="")
    oauth2.configure([options])
    provider.add_user("sam-1", email="sam@example.com", name="Sam")
    response = oauth2.sign_in("sam-1")
    assert response.status_code == 200
    assert response.get_json()["meta"]["rawUser"]["aud"] == ["baas-test-client"]
    assert provider.userinfo_calls == 0


def test_the_request_body_shape(oauth2, users, provider, client):
    assert client.post(AUTH.format("users"), data="nope", content_type="application/json").get_json() == {
        "data": {}, "message": "An error occurred while loading the submitted data.", "status": 400,
    }
    assert client.post(AUTH.format("users"), json={"provider": 1}).get_json()["data"] == {}
    assert client.post(AUTH.format("users"), json={"provider": "oidc", "code": "x", "createData": "s"}).status_code == 400
