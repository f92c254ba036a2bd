"""request-password-reset / confirm-password-reset, driven through a real SMTP server."""

from __future__ import annotations

import pytest
from authkit import PASSWORD, claims, create_user, link_token, sign_in, token_of

from baas.core import tokens
from baas.core.mailer import Mailer
from baas.hooks import hookimpl

REQUEST = "/api/collections/users/request-password-reset"
CONFIRM = "/api/collections/users/confirm-password-reset"
INVALID = "An error occurred while validating the submitted data."
NEW = "Brand-new-pass-456"


def error(response):
    body = response.get_json()
    return response.status_code, body["message"], {key: value["code"] for key, value in body["data"].items()}


def test_reset_through_the_emailed_link(client, mail_core, mailbox):
    user = create_user(client, "rose@example.com")
    old_token = token_of(client, "rose@example.com")
    assert client.post(REQUEST, json={"email": "rose@example.com"}).status_code == 204
    mail = mailbox.wait(to="rose@example.com")
    assert mail.subject == "Reset your Acme password"
    token = link_token(mail, "confirm-password-reset")
    assert claims(token)["type"] == "passwordReset" and claims(token)["email"] == "rose@example.com"
    assert claims(token)["id"] == user["id"]
    response = client.post(CONFIRM, json={"token": token, "password": NEW, "passwordConfirm": NEW})
    assert response.status_code == 204 and response.data == b""
    assert sign_in(client, "rose@example.com").status_code == 400
    signed_in = sign_in(client, "rose@example.com", NEW)
    assert signed_in.status_code == 200
    assert signed_in.get_json()["record"]["verified"] is True  # the token went to the record's email
    # the password change rotated the tokenKey: older auth tokens and the reset token are dead
    refresh = client.post("/api/collections/users/auth-refresh", headers={"Authorization": old_token})
    assert refresh.status_code == 401
    again = client.post(CONFIRM, json={"token": token, "password": NEW, "passwordConfirm": NEW})
    assert error(again) == (400, INVALID, {"token": "validation_invalid_token"})


def test_requests_answer_204_without_revealing_accounts(client, mail_core, mailbox):
    create_user(client, "real@example.com")
    for email in ("ghost@example.com", "real@example.com", "real@example.com"):
        assert client.post(REQUEST, json={"email": email}).status_code == 204
    mailbox.wait(to="real@example.com")
    Mailer.wait_idle()
    assert [mail.recipients for mail in mailbox.messages] == [["real@example.com"]]  # the repeat was throttled


@pytest.mark.parametrize(
    ("body", "codes"),
    [
        ({}, {"password": "validation_required", "passwordConfirm": "validation_required", "token": "validation_required"}),
        ({"token": "x.y.z", "password": NEW, "passwordConfirm": "other"},
         {"token": "validation_invalid_token", "passwordConfirm": "validation_values_mismatch"}),
    ],
)
def test_confirm_validation(client, mail_core, body, codes):
    assert error(client.post(CONFIRM, json=body)) == (400, INVALID, codes)


def test_confirm_checks_the_length_and_the_fields_own_rules(client, mail_core, core, su_headers):
    user = create_user(client, "len@example.com")
    record = core.records_repo.find(core.collections.get("users"), user["id"])
    token = tokens.password_reset_token(record)
    response = client.post(CONFIRM, json={"token": token, "password": "short", "passwordConfirm": "short"})
    body = response.get_json()
    assert response.status_code == 400
    assert body["data"]["password"] == {
        "code": "validation_length_out_of_range", "message": "The length must be between 8 and 255.",
        "params": {"max": 255, "min": 8},
    }
    # the password field's pattern applies when the record is saved
    users = client.get("/api/collections/users", headers=su_headers).get_json()
    fields = [dict(field, pattern="^[A-Z]") if field["name"] == "password" else field for field in users["fields"]]
    assert client.patch("/api/collections/users", json={"fields": fields}, headers=su_headers).status_code == 200
    response = client.post(CONFIRM, json={"token": token, "password": "lowercase-start", "passwordConfirm": "lowercase-start"})
    assert response.status_code == 400
    assert response.get_json()["message"] == "Failed to set new password."
    assert response.get_json()["data"]["password"]["code"] == "validation_invalid_format"
    assert client.post(CONFIRM, json={"token": token, "password": "Upper-start1", "passwordConfirm": "Upper-start1"}).status_code == 204


def test_a_token_of_another_collection_is_refused(client, mail_core, core, su_headers):
    client.post("/api/collections", json={"name": "members", "type": "auth"}, headers=su_headers)
    response = client.post(
        "/api/collections/members/records", json={"email": "m@example.com", "password": PASSWORD, "passwordConfirm": PASSWORD},
        headers=su_headers,
    )
    member = core.records_repo.find(core.collections.get("members"), response.get_json()["id"])
    token = tokens.password_reset_token(member)
    body = {"token": token, "password": NEW, "passwordConfirm": NEW}
    assert error(client.post(CONFIRM, json=body)) == (400, INVALID, {"token": "validation_token_collection_mismatch"})
    assert client.post("/api/collections/members/confirm-password-reset", json=body).status_code == 204


def test_password_auth_disabled_refuses_the_request(client, mail_core, su_headers):
    client.patch("/api/collections/users", json={"passwordAuth": {"enabled": False}}, headers=su_headers)
    response = client.post(REQUEST, json={"email": "a@example.com"})
    assert error(response) == (400, "The collection is not configured to allow password authentication.", {})


def test_hooks_fire_for_request_and_confirm(client, mail_core, mailbox, core):
    seen = []

    class Plugin:
        @hookimpl
        def baas_record_request_password_reset_request(self, event):
            seen.append(("request", event.record.get("email")))

        @hookimpl
        def baas_record_confirm_password_reset_request(self, event):
            seen.append(("confirm", event.password))
            event.password = event.password + "-suffix"  # a handler may change the new password

    core.hooks.register(Plugin(), "test-reset")
    create_user(client, "hook@example.com")
    client.post(REQUEST, json={"email": "hook@example.com"})
    token = link_token(mailbox.wait(to="hook@example.com"), "confirm-password-reset")
    assert client.post(CONFIRM, json={"token": token, "password": NEW, "passwordConfirm": NEW}).status_code == 204
    assert seen == [("request", "hook@example.com"), ("confirm", NEW)]
    assert sign_in(client, "hook@example.com", NEW + "-suffix").status_code == 200
