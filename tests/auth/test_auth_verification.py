"""request-verification / confirm-verification, driven through a real SMTP server."""

from __future__ import annotations

import pytest
from authkit import PASSWORD, claims, create_user, link_token, sign_in, token_of

from baas.core import tokens
from baas.core.mailer import Mailer
from baas.hooks import hookimpl

REQUEST = "/api/collections/users/request-verification"
CONFIRM = "/api/collections/users/confirm-verification"
INVALID = "An error occurred while validating the submitted data."


def error(response):
    body = response.get_json()
    return response.status_code, body["message"], {key: value["code"] for key, value in body["data"].items()}


def test_request_then_confirm_through_the_emailed_link(client, mail_core, mailbox):
    user = create_user(client, "vera@example.com")
    response = client.post(REQUEST, json={"email": "vera@example.com"})
    assert response.status_code == 204 and response.data == b""
    mail = mailbox.wait(to="vera@example.com")
    assert mail.subject == "Verify your Acme email"
    assert mail.headers["From"] == "Acme Support <support@acme.test>"
    assert mail.envelope_from == "support@acme.test"
    token = link_token(mail, "confirm-verification")
    assert "https://acme.test/_/#/auth/confirm-verification/" + token in mail.html
    assert f"(https://acme.test/_/#/auth/confirm-verification/{token})" in mail.text  # the plain-text part
    assert claims(token) == {
        "collectionId": "_pb_users_auth_", "email": "vera@example.com", "exp": claims(token)["exp"],
        "id": user["id"], "type": "verification",
    }
    assert client.post(CONFIRM, json={"token": token}).status_code == 204
    assert sign_in(client, "vera@example.com").get_json()["record"]["verified"] is True
    assert client.post(CONFIRM, json={"token": token}).status_code == 204  # idempotent


def test_the_request_answers_204_for_unknown_and_verified_accounts_without_mail(client, mail_core, mailbox, superuser):
    create_user(client, "known@example.com")
    client.patch(
        f"/api/collections/users/records/{sign_in(client, 'known@example.com').get_json()['record']['id']}",
        json={"verified": True}, headers={"Authorization": superuser[1]},
    )
    for email in ("nobody@example.com", "known@example.com", "KNOWN@example.com"):
        response = client.post(REQUEST, json={"email": email})
        assert response.status_code == 204 and response.data == b""
    Mailer.wait_idle()
    assert mailbox.messages == []


def test_a_second_request_within_two_minutes_sends_nothing(client, mail_core, mailbox):
    create_user(client, "twice@example.com")
    assert client.post(REQUEST, json={"email": "twice@example.com"}).status_code == 204
    assert client.post(REQUEST, json={"email": "twice@example.com"}).status_code == 204
    mailbox.wait(to="twice@example.com")
    Mailer.wait_idle()
    assert len(mailbox.matching(to="twice@example.com")) == 1


@pytest.mark.parametrize(
    ("body", "codes"),
    [
        ({}, {"email": "validation_required"}),
        ({"email": "not-an-email"}, {"email": "validation_is_email"}),
        ({"email": "a" * 250 + "@example.com"}, {"email": "validation_length_out_of_range"}),
    ],
)
def test_request_validation(client, mail_core, body, codes):
    assert error(client.post(REQUEST, json=body)) == (400, INVALID, codes)


def test_superusers_are_verified_by_default(client, mail_core):
    for path in ("request-verification", "confirm-verification"):
        response = client.post(f"/api/collections/_superusers/{path}", json={"email": "admin@example.com", "token": "x"})
        assert error(response) == (400, "All superusers are verified by default.", {})


def test_a_base_collection_is_404(client, su_headers):
    client.post("/api/collections", json={"name": "posts", "type": "base"}, headers=su_headers)
    response = client.post("/api/collections/posts/request-verification", json={"email": "a@example.com"})
    assert error(response) == (404, "Missing or invalid auth collection context.", {})


def test_confirm_rejects_bad_tokens(client, mail_core, core, su_headers):
    user = create_user(client, "tok@example.com")
    record = core.records_repo.find(core.collections.get("users"), user["id"])
    auth = token_of(client, "tok@example.com")
    good = tokens.verification_token(record)
    head, body, signature = good.split(".")
    forged = ".".join((head, body, signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")))
    client.post("/api/collections", json={"name": "members", "type": "auth"}, headers=su_headers)
    cases = {
        "": "validation_required",
        "garbage": "validation_invalid_token_claims",
        auth: "validation_invalid_token_claims",  # an auth token has no email claim
        forged: "validation_invalid_token",
        tokens.password_reset_token(record): "validation_invalid_token",  # right claims, wrong type
    }
    for token, code in cases.items():
        assert error(client.post(CONFIRM, json={"token": token})) == (400, INVALID, {"token": code}), token
    # a valid token of another auth collection
    members = core.collections.get("members")
    response = client.post(
        "/api/collections/members/records", json={"email": "m@example.com", "password": PASSWORD, "passwordConfirm": PASSWORD},
        headers=su_headers,
    )
    member = core.records_repo.find(members, response.get_json()["id"])
    other = tokens.verification_token(member)
    assert error(client.post(CONFIRM, json={"token": other})) == (400, INVALID, {"token": "validation_token_collection_mismatch"})
    # the email changed after the token was issued (written to the row directly, so the tokenKey stayed:
    # a save through the records service would rotate it, invalidating the token anyway)
    record.set("email", "new@example.com")
    with core.db.transaction() as tx:
        core.records_repo.update(tx.connection, record)
    assert error(client.post(CONFIRM, json={"token": good})) == (400, INVALID, {"token": "validation_token_email_mismatch"})


def test_hooks_see_the_record_and_may_cancel_the_email(client, mail_core, mailbox, core):
    seen = []

    class Plugin:
        @hookimpl
        def baas_record_request_verification_request(self, event):
            seen.append(("request", event.record.get("email")))
            return "handled"  # take over: the default (the email) is skipped

        @hookimpl
        def baas_record_confirm_verification_request(self, event):
            seen.append(("confirm", event.record.id))

    core.hooks.register(Plugin(), "test-verification")
    user = create_user(client, "hooked@example.com")
    assert client.post(REQUEST, json={"email": "hooked@example.com"}).status_code == 204
    record = core.records_repo.find(core.collections.get("users"), user["id"])
    assert client.post(CONFIRM, json={"token": tokens.verification_token(record)}).status_code == 204
    Mailer.wait_idle()
    assert mailbox.messages == []
    assert seen == [("request", "hooked@example.com"), ("confirm", user["id"])]
    assert sign_in(client, "hooked@example.com").get_json()["record"]["verified"] is True
