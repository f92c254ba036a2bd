"""request-email-change / confirm-email-change, driven through a real SMTP server."""

from __future__ import annotations

from authkit import PASSWORD, claims, create_user, link_token, sign_in, token_of

from baas.core import tokens
from baas.hooks import hookimpl

REQUEST = "/api/collections/users/request-email-change"
CONFIRM = "/api/collections/users/confirm-email-change"
INVALID = "An error occurred while validating the submitted data."


def error(response):
    body = response.get_json()
    return response.status_code, body["message"], {key: value["code"] for key, value in body["data"].items()}


def test_change_through_the_link_sent_to_the_new_address(client, mail_core, mailbox):
    user = create_user(client, "old@example.com")
    token = token_of(client, "old@example.com")
    response = client.post(REQUEST, json={"newEmail": "new@example.com"}, headers={"Authorization": token})
    assert response.status_code == 204
    mail = mailbox.wait(to="new@example.com")
    assert mail.subject == "Confirm your Acme new email address"
    change = link_token(mail, "confirm-email-change")
    assert claims(change) == {
        "collectionId": "_pb_users_auth_", "email": "old@example.com", "exp": claims(change)["exp"], "id": user["id"],
        "newEmail": "new@example.com", "type": "emailChange",
    }
    wrong = client.post(CONFIRM, json={"token": change, "password": "not-the-password"})
    assert error(wrong) == (400, INVALID, {"password": "validation_invalid_password"})
    assert client.post(CONFIRM, json={"token": change, "password": PASSWORD}).status_code == 204
    record = sign_in(client, "new@example.com").get_json()["record"]
    assert record["email"] == "new@example.com" and record["verified"] is True
    assert sign_in(client, "old@example.com").status_code == 400
    # the tokenKey rotated: the old auth token and the change token no longer work
    assert client.post("/api/collections/users/auth-refresh", headers={"Authorization": token}).status_code == 401
    again = client.post(CONFIRM, json={"token": change, "password": PASSWORD})
    assert error(again) == (400, INVALID, {"token": "validation_invalid_token", "password": "validation_invalid_password"})


def test_the_request_needs_the_records_own_auth(client, mail_core, superuser):
    response = client.post(REQUEST, json={"newEmail": "x@example.com"})
    assert error(response) == (401, "The request requires valid record authorization token.", {})
    response = client.post(REQUEST, json={"newEmail": "x@example.com"}, headers={"Authorization": superuser[1]})
    assert error(response) == (403, "The request requires auth record from _superusers collection.", {})
    response = client.post("/api/collections/_superusers/request-email-change", json={"newEmail": "x@example.com"})
    assert error(response) == (400, "All superusers can change their emails directly.", {})


def test_request_validation(client, mail_core):
    create_user(client, "me@example.com")
    create_user(client, "taken@example.com")
    headers = {"Authorization": token_of(client, "me@example.com")}
    cases = [
        ({}, "validation_required"),
        ({"newEmail": "nope"}, "validation_is_email"),
        ({"newEmail": "me@example.com"}, "validation_not_in_invalid"),
        ({"newEmail": "taken@example.com"}, "validation_invalid_new_email"),
    ]
    for body, code in cases:
        assert error(client.post(REQUEST, json=body, headers=headers)) == (400, INVALID, {"newEmail": code})


def test_confirm_validation(client, mail_core, core, su_headers):
    user = create_user(client, "c@example.com")
    record = core.records_repo.find(core.collections.get("users"), user["id"])
    assert error(client.post(CONFIRM, json={})) == (
        400, INVALID, {"token": "validation_required", "password": "validation_required"}
    )
    auth = token_of(client, "c@example.com")
    assert error(client.post(CONFIRM, json={"token": auth, "password": PASSWORD})) == (
        400, INVALID, {"token": "validation_invalid_token_payload", "password": "validation_invalid_password"}
    )
    create_user(client, "exists@example.com")
    taken = tokens.email_change_token(record, "exists@example.com")
    response = client.post(CONFIRM, json={"token": taken, "password": PASSWORD})
    assert error(response)[2] == {"token": "validation_invalid_token_email", "password": "validation_invalid_password"}
    assert response.get_json()["data"]["token"]["message"] == "The new email address is invalid."
    forged = tokens.issue(record.collection, record.id, "not-the-token-key", tokens.EMAIL_CHANGE, extra={"newEmail": "f@example.com"})
    assert error(client.post(CONFIRM, json={"token": forged, "password": PASSWORD}))[2] == {
        "token": "validation_invalid_token", "password": "validation_invalid_password",
    }
    response = client.post("/api/collections/_superusers/confirm-email-change", json={"token": forged, "password": PASSWORD})
    assert error(response) == (400, "All superusers can change their emails directly.", {})


def test_hooks_may_change_the_new_email(client, mail_core, mailbox, core):
    class Plugin:
        @hookimpl
        def baas_record_request_email_change_request(self, event):
            event.new_email = event.new_email.replace("@", "+checked@")

    core.hooks.register(Plugin(), "test-email-change")
    create_user(client, "h@example.com")
    headers = {"Authorization": token_of(client, "h@example.com")}
    assert client.post(REQUEST, json={"newEmail": "h2@example.com"}, headers=headers).status_code == 204
    mail = mailbox.wait(to="h2+checked@example.com")
    assert claims(link_token(mail, "confirm-email-change"))["newEmail"] == "h2+checked@example.com"
