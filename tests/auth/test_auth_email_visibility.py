"""Email visibility in auth answers, lists and expands (owner, superusers and managers always see it)."""

from __future__ import annotations

from authkit import create_user, token_of


def test_the_auth_answer_always_has_the_own_email(client):
    create_user(client, "hidden@example.com", emailVisibility=False)
    body = client.post("/api/collections/users/auth-with-password", json={"identity": "hidden@example.com", "password": "Secret-pass-123"}).get_json()
    assert body["record"]["email"] == "hidden@example.com"


def test_lists_and_expands_hide_emails_from_other_users(client, su_headers):
    client.patch("/api/collections/users", json={"listRule": "", "viewRule": ""}, headers=su_headers)
    shy = create_user(client, "shy@example.com")
    open_ = create_user(client, "open@example.com", emailVisibility=True)
    viewer = {"Authorization": token_of(client, "open@example.com")}
    items = {item["id"]: item for item in client.get("/api/collections/users/records", headers=viewer).get_json()["items"]}
    assert "email" not in items[shy["id"]] and items[open_["id"]]["email"] == "open@example.com"
    everyone = client.get("/api/collections/users/records", headers=su_headers).get_json()["items"]
    assert {item.get("email") for item in everyone} == {"shy@example.com", "open@example.com"}
    users_id = client.get("/api/collections/users", headers=su_headers).get_json()["id"]
    client.post(
        "/api/collections",
        json={"name": "notes", "type": "base", "listRule": "", "viewRule": "", "createRule": "",
              "fields": [{"name": "author", "type": "relation", "collectionId": users_id, "maxSelect": 1}]},
        headers=su_headers,
    )
    note = client.post("/api/collections/notes/records", json={"author": shy["id"]}, headers=su_headers).get_json()
    expanded = client.get(f"/api/collections/notes/records/{note['id']}?expand=author", headers=viewer).get_json()
    assert expanded["expand"]["author"]["id"] == shy["id"] and "email" not in expanded["expand"]["author"]
    own = client.get(f"/api/collections/notes/records/{note['id']}?expand=author", headers={"Authorization": token_of(client, "shy@example.com")})
    assert own.get_json()["expand"]["author"]["email"] == "shy@example.com"


def test_manage_rule_holders_see_emails(client, su_headers):
    client.patch(
        "/api/collections/users", json={"listRule": "", "manageRule": "@request.auth.name = 'manager'"}, headers=su_headers
    )
    create_user(client, "boss@example.com", name="manager")
    create_user(client, "staff@example.com")
    create_user(client, "peer@example.com")
    boss = {"Authorization": token_of(client, "boss@example.com")}
    peer = {"Authorization": token_of(client, "peer@example.com")}
    seen_by_boss = {item.get("email") for item in client.get("/api/collections/users/records", headers=boss).get_json()["items"]}
    seen_by_peer = {item.get("email") for item in client.get("/api/collections/users/records", headers=peer).get_json()["items"]}
    assert seen_by_boss == {"boss@example.com", "staff@example.com", "peer@example.com"}
    assert seen_by_peer == {None, "peer@example.com"}
