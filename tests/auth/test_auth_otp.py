"""request-otp / auth-with-otp through a real SMTP server, with PocketBase's attempt limit."""

from __future__ import annotations

import pytest
from authkit import create_user, otp_code, sign_in

from baas.core.mailer import Mailer
from baas.hooks import hookimpl

REQUEST = "/api/collections/users/request-otp"
AUTH = "/api/collections/users/auth-with-otp"
INVALID = "An error occurred while validating the submitted data."


def error(response):
    body = response.get_json()
    return response.status_code, body["message"], {key: value["code"] for key, value in body["data"].items()}


@pytest.fixture
def otp_on(client, su_headers, mail_core):
    response = client.patch("/api/collections/users", json={"otp": {"enabled": True, "length": 6, "duration": 120}}, headers=su_headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return su_headers


def request_code(client, mailbox, email: str, count: int = 1) -> tuple[str, str]:
    response = client.post(REQUEST, json={"email": email})
    assert response.status_code == 200, response.get_data(as_text=True)
    otp_id = response.get_json()["otpId"]
    code = otp_code(mailbox.wait(to=email, count=count))
    Mailer.wait_idle()  # the worker records `sentTo` right after the send
    return otp_id, code


def test_sign_in_with_the_emailed_code(client, otp_on, mailbox, core):
    user = create_user(client, "otto@example.com")
    otp_id, code = request_code(client, mailbox, "otto@example.com")
    mail = mailbox.matching(to="otto@example.com")[0]
    assert mail.subject == "OTP for Acme" and len(code) == 6 and code.isdigit()
    Mailer.wait_idle()
    stored = client.get(f"/api/collections/_otps/records/{otp_id}", headers=otp_on).get_json()
    assert stored["recordRef"] == user["id"] and stored["sentTo"] == "otto@example.com"
    assert code not in str(stored)  # stored as a bcrypt hash, never output
    response = client.post(AUTH, json={"otpId": otp_id, "password": code})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["record"]["id"] == user["id"] and body["record"]["email"] == "otto@example.com"
    assert body["record"]["verified"] is True  # the code reached the record's email
    assert client.get(f"/api/collections/_otps/records/{otp_id}", headers=otp_on).status_code == 404  # used up
    assert error(client.post(AUTH, json={"otpId": otp_id, "password": code})) == (400, "Invalid or expired OTP.", {})


def test_unknown_emails_get_an_otp_id_too(client, otp_on, mailbox):
    response = client.post(REQUEST, json={"email": "nobody@example.com"})
    assert response.status_code == 200
    otp_id = response.get_json()["otpId"]
    assert len(otp_id) == 15
    Mailer.wait_idle()
    assert mailbox.messages == []
    assert error(client.post(AUTH, json={"otpId": otp_id, "password": "123456"})) == (400, "Invalid or expired OTP.", {})


def test_five_attempts_then_429_even_for_a_new_code(client, otp_on, mailbox):
    create_user(client, "brute@example.com")
    otp_id, code = request_code(client, mailbox, "brute@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert error(client.post(AUTH, json={"otpId": otp_id, "password": wrong})) == (400, "Invalid or expired OTP.", {})
    blocked = client.post(AUTH, json={"otpId": otp_id, "password": code})
    assert error(blocked) == (429, "Too many attempts, please try again later with a new OTP.", {})
    new_id, new_code = request_code(client, mailbox, "brute@example.com", count=2)
    assert client.post(AUTH, json={"otpId": new_id, "password": new_code}).status_code == 429


def test_validation_and_disabled_otp(client, mail_core, su_headers):
    message = "The collection is not configured to allow OTP authentication."
    assert error(client.post(REQUEST, json={"email": "a@example.com"})) == (403, message, {})
    assert error(client.post(AUTH, json={"otpId": "x", "password": "1"})) == (403, message, {})
    client.patch("/api/collections/users", json={"otp": {"enabled": True}}, headers=su_headers)
    assert error(client.post(REQUEST, json={})) == (400, INVALID, {"email": "validation_required"})
    assert error(client.post(REQUEST, json={"email": "x"})) == (400, INVALID, {"email": "validation_is_email"})
    assert error(client.post(AUTH, json={})) == (400, INVALID, {"otpId": "validation_required", "password": "validation_required"})


def test_an_expired_otp_is_refused(client, otp_on, mailbox, core):
    create_user(client, "late@example.com")
    otp_id, code = request_code(client, mailbox, "late@example.com")
    otps = core.collections.get("_otps")
    record = core.records_repo.find(otps, otp_id)
    record.data["created"] = "2020-01-01 00:00:00.000Z"
    with core.db.transaction() as tx:
        core.records_repo.update(tx.connection, record)
    assert error(client.post(AUTH, json={"otpId": otp_id, "password": code})) == (400, "Invalid or expired OTP.", {})


def test_an_otp_of_another_collection_is_refused(client, otp_on, mailbox):
    create_user(client, "cross@example.com")
    otp_id, code = request_code(client, mailbox, "cross@example.com")
    client.patch("/api/collections/_superusers", json={"otp": {"enabled": True}}, headers=otp_on)
    response = client.post("/api/collections/_superusers/auth-with-otp", json={"otpId": otp_id, "password": code})
    assert error(response) == (400, "Invalid or expired OTP.", {})


def test_after_ten_active_codes_the_newest_is_reused(client, otp_on, mailbox):
    create_user(client, "many@example.com")
    ids = [client.post(REQUEST, json={"email": "many@example.com"}).get_json()["otpId"] for _ in range(11)]
    assert len(set(ids[:10])) == 10 and ids[10] == ids[9]
    Mailer.wait_idle()
    assert len(mailbox.matching(to="many@example.com")) == 10


def test_the_otp_template_and_the_request_hook(client, otp_on, mailbox, core):
    client.patch(
        "/api/collections/users",
        json={"otp": {"emailTemplate": {"subject": "Code {OTP} for {RECORD:name}", "body": "<p>{OTP_ID}: <strong>{OTP}</strong> {RECORD:name}</p>"}}},
        headers=otp_on,
    )

    class Plugin:
        @hookimpl
        def baas_record_request_otp_request(self, event):
            event.password = "424242"

    core.hooks.register(Plugin(), "test-otp")
    create_user(client, "tpl@example.com", name="<b>Tom</b>")
    otp_id = client.post(REQUEST, json={"email": "tpl@example.com"}).get_json()["otpId"]
    mail = mailbox.wait(to="tpl@example.com")
    assert mail.subject == "Code 424242 for &lt;b&gt;Tom&lt;/b&gt;"
    assert f"<p>{otp_id}: <strong>424242</strong> &lt;b&gt;Tom&lt;/b&gt;</p>" in mail.html
    assert client.post(AUTH, json={"otpId": otp_id, "password": "424242"}).status_code == 200


def test_a_password_sign_in_does_not_consume_otps(client, otp_on, mailbox):
    create_user(client, "both@example.com")
    otp_id, code = request_code(client, mailbox, "both@example.com")
    assert sign_in(client, "both@example.com").status_code == 200
    assert client.post(AUTH, json={"otpId": otp_id, "password": code}).status_code == 200
