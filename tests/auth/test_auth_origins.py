"""Login alerts: `_authOrigins` remembers where a record signed in; a new device gets an email."""

from __future__ import annotations

from authkit import PASSWORD, create_user, token_of

from baas.core.auth_origins import MAX_ORIGINS, fingerprint
from baas.core.mailer import Mailer

AUTH = "/api/collections/users/auth-with-password"


def sign_in_from(client, email, agent, ip="127.0.0.1"):
    response = client.post(
        AUTH, json={"identity": email, "password": PASSWORD},
        headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": ip},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def origins(client, su_headers, user_id):
    listed = client.get(f"/api/collections/_authOrigins/records?filter=recordRef='{user_id}'&sort=created", headers=su_headers)
    return [item["fingerprint"] for item in listed.get_json()["items"]]


def test_a_new_device_gets_an_alert_but_the_first_login_does_not(client, mail_core, mailbox, su_headers):
    user = create_user(client, "alert@example.com")
    sign_in_from(client, "alert@example.com", "Laptop/1.0")
    sign_in_from(client, "alert@example.com", "Laptop/1.0")
    Mailer.wait_idle()
    assert mailbox.messages == []
    assert origins(client, su_headers, user["id"]) == [fingerprint("127.0.0.1", "Laptop/1.0")]
    sign_in_from(client, "alert@example.com", "Phone/2.0", ip="192.0.2.7")
    mail = mailbox.wait(to="alert@example.com")
    assert mail.subject == "Login from a new location"
    assert "192.0.2.7 Phone/2.0" in mail.html
    assert origins(client, su_headers, user["id"]) == [fingerprint("127.0.0.1", "Laptop/1.0"), fingerprint("192.0.2.7", "Phone/2.0")]


def test_the_record_sees_and_may_delete_its_own_origins(client, mail_core, su_headers):
    user = create_user(client, "own@example.com")
    create_user(client, "other@example.com")
    token = sign_in_from(client, "own@example.com", "A")["token"]
    sign_in_from(client, "other@example.com", "A")
    listed = client.get("/api/collections/_authOrigins/records", headers={"Authorization": token}).get_json()
    assert [item["recordRef"] for item in listed["items"]] == [user["id"]]
    origin = listed["items"][0]["id"]
    assert client.delete(f"/api/collections/_authOrigins/records/{origin}", headers={"Authorization": token}).status_code == 204


def test_at_most_five_origins_are_kept(client, mail_core, mailbox, su_headers):
    user = create_user(client, "many@example.com")
    for number in range(MAX_ORIGINS + 2):
        sign_in_from(client, "many@example.com", f"Device/{number}")
    kept = origins(client, su_headers, user["id"])
    assert len(kept) == MAX_ORIGINS and fingerprint("127.0.0.1", f"Device/{MAX_ORIGINS + 1}") in kept
    Mailer.wait_idle()
    assert len(mailbox.matching(to="many@example.com")) == MAX_ORIGINS + 1


def test_no_origins_for_refresh_impersonation_or_with_alerts_off(client, mail_core, su_headers):
    user = create_user(client, "quiet@example.com")
    token = token_of(client, "quiet@example.com")
    assert len(origins(client, su_headers, user["id"])) == 1
    client.post("/api/collections/users/auth-refresh", headers={"Authorization": token, "User-Agent": "Other"})
    client.post(f"/api/collections/users/impersonate/{user['id']}", json={}, headers={**su_headers, "User-Agent": "Other2"})
    assert len(origins(client, su_headers, user["id"])) == 1
    client.patch("/api/collections/users", json={"authAlert": {"enabled": False}}, headers=su_headers)
    sign_in_from(client, "quiet@example.com", "Brand new")
    assert len(origins(client, su_headers, user["id"])) == 1
