"""Two `baas serve` nodes on one PostgreSQL database and one Redis: a change made through either node
reaches the subscribers of the other, subscription requests may go to either, and rules still apply.

Each node has its own data directory (so the Unix sockets of one machine do not connect them): only Redis
carries the events between them, as between two machines.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from realtime.sse_client import SSEClient

EMAIL = "cluster-admin@example.com"
PASSWORD = "Cluster-Passw0rd!23"

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def call(base: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


@pytest.fixture
def nodes(start_server):
    first = start_server(workers=2)
    second = start_server(workers=2, env={"BAAS_DATABASE_URL": first.env["BAAS_DATABASE_URL"]})
    assert first.data_dir != second.data_dir
    first.cli("superuser", "upsert", EMAIL, PASSWORD)
    status, auth = call(first.url, "POST", "/api/collections/_superusers/auth-with-password", {"identity": EMAIL, "password": PASSWORD})
    assert status == 200, auth
    return first, second, {"Authorization": auth["token"]}


def test_a_change_through_one_node_reaches_a_subscriber_of_the_other(nodes):
    first, second, su = nodes
    status, users = call(first.url, "GET", "/api/collections/users", headers=su)
    assert status == 200
    rule = "public = true || owner = @request.auth.id"
    status, _ = call(first.url, "POST", "/api/collections", {
        "name": "cluster_posts", "listRule": rule, "viewRule": rule, "createRule": "", "updateRule": "", "deleteRule": "",
        "fields": [{"name": "title", "type": "text"}, {"name": "public", "type": "bool"},
                   {"name": "owner", "type": "relation", "collectionId": users["id"], "maxSelect": 1}],
    }, headers=su)
    assert status == 200
    status, user = call(first.url, "POST", "/api/collections/users/records",
                        {"email": "c1@example.com", "password": "Passw0rd!23", "passwordConfirm": "Passw0rd!23"})
    assert status == 200, user
    status, login = call(second.url, "POST", "/api/collections/users/auth-with-password", {"identity": "c1@example.com", "password": "Passw0rd!23"})
    assert status == 200, login
    user_auth = {"Authorization": login["token"]}

    guest = SSEClient(second.url)
    owner = SSEClient(second.url)
    try:
        # subscription requests sent to the *other* node are forwarded to the one holding the client
        assert guest.subscribe(["cluster_posts/*"], base_url=first.url) == 204
        assert owner.subscribe(["cluster_posts/*"], headers=user_auth, base_url=first.url) == 204

        status, private = call(first.url, "POST", "/api/collections/cluster_posts/records", {"title": "mine", "owner": user["id"]})
        assert status == 200
        event = owner.next()
        assert event["event"] == "cluster_posts/*"
        assert event["data"] == {"action": "create", "record": private}
        guest.silent()

        status, public = call(first.url, "PATCH", f"/api/collections/cluster_posts/records/{private['id']}", {"public": True})
        assert status == 200
        assert guest.next()["data"] == {"action": "update", "record": public}
        assert owner.next()["data"]["action"] == "update"

        status, _ = call(first.url, "DELETE", f"/api/collections/cluster_posts/records/{private['id']}")
        assert status == 204
        assert guest.next()["data"] == {"action": "delete", "record": public}
        assert owner.next()["data"]["action"] == "delete"

        # and the other way round: a subscriber of the first node, a write through the second
        watcher = SSEClient(first.url)
        try:
            assert watcher.subscribe(["cluster_posts/*"], base_url=second.url) == 204
            status, created = call(second.url, "POST", "/api/collections/cluster_posts/records", {"title": "back", "public": True})
            assert status == 200
            assert watcher.next()["data"] == {"action": "create", "record": created}
        finally:
            watcher.close()
    finally:
        guest.close()
        owner.close()
