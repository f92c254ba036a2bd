"""MFA: a first method answers 401 {mfaId}; a second, different method completes the sign-in."""

from __future__ import annotations

import pytest
from authkit import create_user, otp_code, sign_in

from baas.core.mailer import Mailer

OTP = "/api/collections/users/auth-with-otp"


def error(response):
    body = response.get_json()
    return response.status_code, body["message"]


@pytest.fixture
def mfa_on(client, su_headers, mail_core):
    response = client.patch(
        "/api/collections/users", json={"mfa": {"enabled": True, "duration": 600}, "otp": {"enabled": True}}, headers=su_headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return su_headers


def new_otp(client, mailbox, email, count=1):
    otp_id = client.post("/api/collections/users/request-otp", json={"email": email}).get_json()["otpId"]
    code = otp_code(mailbox.wait(to=email, count=count))
    Mailer.wait_idle()
    return otp_id, code


def test_password_then_otp(client, mfa_on, mailbox):
    user = create_user(client, "mfa@example.com")
    first = sign_in(client, "mfa@example.com")
    assert first.status_code == 401
    assert list(first.get_json()) == ["mfaId"]
    mfa_id = first.get_json()["mfaId"]
    session = client.get(f"/api/collections/_mfas/records/{mfa_id}", headers=mfa_on).get_json()
    assert (session["recordRef"], session["collectionRef"], session["method"]) == (user["id"], "_pb_users_auth_", "password")
    otp_id, code = new_otp(client, mailbox, "mfa@example.com")
    second = client.post(f"{OTP}?mfaId={mfa_id}", json={"otpId": otp_id, "password": code})
    assert second.status_code == 200, second.get_data(as_text=True)
    assert second.get_json()["record"]["id"] == user["id"] and second.get_json()["token"]
    assert client.get(f"/api/collections/_mfas/records/{mfa_id}", headers=mfa_on).status_code == 404  # used up


def test_otp_then_password_with_the_id_in_the_body(client, mfa_on, mailbox):
    create_user(client, "rev@example.com")
    otp_id, code = new_otp(client, mailbox, "rev@example.com")
    first = client.post(OTP, json={"otpId": otp_id, "password": code})
    assert first.status_code == 401
    second = sign_in(client, "rev@example.com", mfaId=first.get_json()["mfaId"])
    assert second.status_code == 200 and "token" in second.get_json()


def test_the_same_method_twice_is_refused(client, mfa_on):
    create_user(client, "same@example.com")
    mfa_id = sign_in(client, "same@example.com").get_json()["mfaId"]
    assert error(sign_in(client, "same@example.com", mfaId=mfa_id)) == (400, "A different authentication method is required.")


def test_unknown_foreign_and_expired_sessions(client, mfa_on, mailbox, core):
    create_user(client, "one@example.com")
    create_user(client, "two@example.com")
    assert error(sign_in(client, "one@example.com", mfaId="nope")) == (400, "Invalid or expired MFA session.")
    mfa_id = sign_in(client, "one@example.com").get_json()["mfaId"]
    otp_id, code = new_otp(client, mailbox, "two@example.com")
    response = client.post(OTP, json={"otpId": otp_id, "password": code, "mfaId": mfa_id})
    assert error(response) == (400, "Invalid MFA session.")
    sessions = core.collections.get("_mfas")
    session = core.records_repo.find(sessions, mfa_id)
    session.data["created"] = "2020-01-01 00:00:00.000Z"
    with core.db.transaction() as tx:
        core.records_repo.update(tx.connection, session)
    otp_id, code = new_otp(client, mailbox, "one@example.com")
    response = client.post(OTP, json={"otpId": otp_id, "password": code, "mfaId": mfa_id})
    assert error(response) == (400, "Invalid or expired MFA session.")
    assert core.records_repo.find(sessions, mfa_id) is None  # the expired session was dropped


def test_the_mfa_rule_decides_who_needs_it(client, mfa_on):
    client.patch("/api/collections/users", json={"mfa": {"rule": "name = 'admin'"}}, headers=mfa_on)
    create_user(client, "plain@example.com")
    create_user(client, "boss@example.com", name="admin")
    assert sign_in(client, "plain@example.com").status_code == 200
    assert sign_in(client, "boss@example.com").status_code == 401


def test_refresh_and_impersonation_skip_mfa(client, mfa_on):
    user = create_user(client, "skip@example.com")
    response = client.post(f"/api/collections/users/impersonate/{user['id']}", json={}, headers=mfa_on)
    assert response.status_code == 200
    token = response.get_json()["token"]
    assert client.post("/api/collections/users/auth-refresh", headers={"Authorization": token}).status_code == 200


def test_auth_methods_reports_mfa_and_otp(client, mfa_on):
    body = client.get("/api/collections/users/auth-methods").get_json()
    assert body["mfa"] == {"enabled": True, "duration": 600}
    assert body["otp"] == {"enabled": True, "duration": 180}
