"""The bundled plugins (plugins/): audit_log, webhooks and hello, each enabled by configuration."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import queue
import threading
import time

import pytest
from plugin_support import NOTES_FIELDS, OPEN_RULES

from baas.core.context import RequestContext
from baas.core.records.listing import ListQuery
from baas.plugins.webhooks import signature

SYSTEM = RequestContext.system()


def entries(core, collection="audit_log"):
    target = core.collections.get(collection)
    listed = core.records.list(target, SYSTEM, ListQuery(per_page=500))
    from baas.plugin_api import record_json

    return sorted((record_json(item) for item in listed.items), key=lambda item: (item["created"], item["action"] != "create"))


def sign_in_user(client, core, email="u@example.com"):
    users = core.collections.get("users")
    core.records.create(users, SYSTEM, {"email": email, "password": "Us3r-Passw0rd", "passwordConfirm": "Us3r-Passw0rd"})
    response = client.post("/api/collections/users/auth-with-password", json={"identity": email, "password": "Us3r-Passw0rd"})
    return response.get_json()["record"]["id"], {"Authorization": response.get_json()["token"]}


def superuser_headers(client, core):
    from baas.core import superusers

    superusers.upsert(core, "admin@example.com", "Passw0rd!23")
    response = client.post("/api/collections/_superusers/auth-with-password", json={"identity": "admin@example.com", "password": "Passw0rd!23"})
    return {"Authorization": response.get_json()["token"]}


# ---- audit_log ---------------------------------------------------------------------------------------
@pytest.fixture
def audited(app_factory):
    flask_app = app_factory(plugins_enabled=("audit_log",))
    core = flask_app.extensions["baas"]
    core.collections_service.create({"name": "notes", "fields": NOTES_FIELDS, **OPEN_RULES})
    return flask_app, core


def test_the_audit_log_collection_is_created_at_bootstrap_and_locked(audited):
    _flask_app, core = audited
    collection = core.collections.get("audit_log")
    assert collection is not None
    assert all(collection.rules.get(rule) is None for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule"))


def test_an_existing_audit_log_collection_is_kept(app_factory, tmp_path):
    """A second App on the same database (another worker) bootstraps without creating it again."""
    from baas import create_app, load_config

    first = app_factory(plugins_enabled=("audit_log",)).extensions["baas"]
    second = create_app(load_config(tmp_path / "w2", first.config.database_url, env={}, plugins_enabled=("audit_log",)), run_migrations=False)
    try:
        assert second.extensions["baas"].collections.get("audit_log").id == first.collections.get("audit_log").id
    finally:
        second.extensions["baas"].close()


def test_every_change_is_logged_with_who_what_and_before_after(audited):
    flask_app, core = audited
    client = flask_app.test_client()
    user_id, user = sign_in_user(client, core)
    created = client.post("/api/collections/notes/records", json={"title": "a", "n": 1}, headers=user).get_json()
    client.patch(f"/api/collections/notes/records/{created['id']}", json={"title": "b"})
    client.delete(f"/api/collections/notes/records/{created['id']}", headers=user)
    logged = [entry for entry in entries(core) if entry["collection"] == "notes"]
    assert [(e["action"], e["recordId"], e["authCollection"], e["authId"], e["context"]) for e in logged] == [
        ("create", created["id"], "users", user_id, "default"),
        ("update", created["id"], "", "", "default"),
        ("delete", created["id"], "users", user_id, "default"),
    ]
    create, update, delete = logged
    assert create["before"] is None and create["after"]["title"] == "a"
    assert (update["before"]["title"], update["after"]["title"]) == ("a", "b")
    assert delete["before"]["title"] == "b" and delete["after"] is None
    assert all(entry["created"] for entry in logged)


def test_passwords_and_token_keys_never_reach_the_log(audited):
    flask_app, core = audited
    sign_in_user(flask_app.test_client(), core)
    (entry,) = [e for e in entries(core) if e["collection"] == "users"]
    assert entry["after"]["email"] == "u@example.com"
    assert "password" not in entry["after"] and "tokenKey" not in entry["after"]


def failing_batch(client, su_headers):
    """A batch whose first item is written (and audited / queued) and whose second fails: all roll back."""
    assert client.patch("/api/settings", json={"batch": {"enabled": True}}, headers=su_headers).status_code == 200
    items = [
        {"method": "POST", "url": "/api/collections/notes/records", "body": {"title": "written", "n": 1}},
        {"method": "PATCH", "url": "/api/collections/notes/records/missing00000000", "body": {"title": "fails"}},
    ]
    response = client.post("/api/batch", json={"requests": items})
    assert response.status_code == 400, response.get_json()


def test_a_rolled_back_change_leaves_no_entry(audited):
    flask_app, core = audited
    client = flask_app.test_client()
    su_headers = superuser_headers(client, core)
    failing_batch(client, su_headers)
    assert [e for e in entries(core) if e["collection"] == "notes"] == []


def test_programmatic_changes_are_logged_as_system(audited):
    _flask_app, core = audited
    core.records.create(core.collections.get("notes"), SYSTEM, {"title": "cli"})
    (entry,) = [e for e in entries(core) if e["collection"] == "notes"]
    assert (entry["context"], entry["authId"]) == ("system", "")


def test_guests_cannot_read_the_log(audited):
    flask_app, core = audited
    core.records.create(core.collections.get("notes"), SYSTEM, {"title": "x"})
    response = flask_app.test_client().get("/api/collections/audit_log/records")
    assert response.status_code == 403


# ---- webhooks ----------------------------------------------------------------------------------------
class Receiver:
    """A local HTTP server recording every POST; `statuses` scripts the answers (default 200)."""

    def __init__(self):
        self.received: queue.Queue = queue.Queue()
        self.statuses: list[int] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.received.put((dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout=5.0):
        return self.received.get(timeout=timeout)

    def nothing_within(self, seconds: float) -> bool:
        try:
            self.received.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def hooked(app_factory, receiver):
    flask_app = app_factory(plugins_enabled=("webhooks",), extra={"webhooks": {"backoff": 0.05, "max_attempts": 3, "timeout": 5}})
    core = flask_app.extensions["baas"]
    core.collections_service.create({"name": "notes", "fields": NOTES_FIELDS, **OPEN_RULES})
    return flask_app, core


def subscribe(core, receiver, **fields):
    body = {"url": receiver.url, "collection": "notes", "events": [], "secret": "s3cret", "active": True, **fields}
    return core.records.create(core.collections.get("webhooks"), SYSTEM, body)


def test_the_webhooks_collection_is_created_with_its_fields(hooked):
    _flask_app, core = hooked
    collection = core.collections.get("webhooks")
    assert {field.name for field in collection.fields} >= {"url", "collection", "events", "secret", "active"}
    assert collection.get_field("secret").hidden


def test_a_committed_create_is_posted_and_signed(hooked, receiver):
    flask_app, core = hooked
    subscribe(core, receiver)
    created = flask_app.test_client().post("/api/collections/notes/records", json={"title": "hi", "n": 1}).get_json()
    headers, body, _status = receiver.next()
    assert headers["X-Baas-Signature"] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Baas-Signature"] == signature("s3cret", body)
    assert headers["X-Baas-Event"] == "create" and headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["id"] == headers["X-Baas-Delivery"]
    assert (payload["event"], payload["collection"], payload["record"]) == ("create", "notes", created)
    assert payload["timestamp"].endswith("Z")


def test_events_collection_and_active_filter_the_subscriptions(hooked, receiver):
    flask_app, core = hooked
    subscribe(core, receiver, events=["delete"])
    subscribe(core, receiver, collection="other")
    subscribe(core, receiver, active=False)
    client = flask_app.test_client()
    created = client.post("/api/collections/notes/records", json={"title": "x"}).get_json()
    client.patch(f"/api/collections/notes/records/{created['id']}", json={"title": "y"})
    client.delete(f"/api/collections/notes/records/{created['id']}")
    headers, body, _ = receiver.next()
    assert headers["X-Baas-Event"] == "delete"
    assert json.loads(body)["record"]["title"] == "y"
    assert receiver.nothing_within(0.5)


def test_a_star_subscription_gets_every_collection(hooked, receiver):
    flask_app, core = hooked
    subscribe(core, receiver, collection="*", events=["create"])
    sign_in_user(flask_app.test_client(), core)
    headers, body, _ = receiver.next()
    assert json.loads(body)["collection"] == "users"
    assert "password" not in json.loads(body)["record"]


def test_nothing_is_sent_for_a_rolled_back_change(hooked, receiver):
    flask_app, core = hooked
    subscribe(core, receiver)
    client = flask_app.test_client()
    failing_batch(client, superuser_headers(client, core))
    assert receiver.nothing_within(0.5)


def test_failures_are_retried_with_backoff_under_the_same_delivery_id(hooked, receiver):
    flask_app, core = hooked
    subscribe(core, receiver, secret="")
    receiver.statuses = [500, 503]
    started = time.monotonic()
    flask_app.test_client().post("/api/collections/notes/records", json={"title": "retry"})
    attempts = [receiver.next() for _ in range(3)]
    assert [status for _h, _b, status in attempts] == [500, 503, 200]
    assert len({headers["X-Baas-Delivery"] for headers, _b, _s in attempts}) == 1
    assert time.monotonic() - started >= 0.05 + 0.1  # backoff 0.05 s, then 0.1 s
    assert all("X-Baas-Signature" not in headers for headers, _b, _s in attempts)  # no secret: unsigned


def test_a_client_error_is_final(hooked, receiver):
    flask_app, core = hooked
    subscribe(core, receiver)
    receiver.statuses = [410]
    flask_app.test_client().post("/api/collections/notes/records", json={"title": "gone"})
    assert receiver.next()[2] == 410
    assert receiver.nothing_within(0.4)


def test_changes_to_the_webhooks_collection_are_never_sent(hooked, receiver):
    _flask_app, core = hooked
    subscribe(core, receiver, collection="*")
    subscribe(core, receiver, collection="webhooks")
    assert receiver.nothing_within(0.4)


# ---- hello ---------------------------------------------------------------------------------------------
@pytest.fixture
def app(app_factory):
    return app_factory(plugins_enabled=("hello",))


def test_hello_greets_anyone(client):
    response = client.get("/api/hello/world")
    assert response.status_code == 200
    assert response.get_json() == {"message": "Hello world!", "auth": None}


def test_hello_uses_the_error_shape(client):
    response = client.get("/api/hello/" + "x" * 101)
    assert response.status_code == 400
    assert response.get_json() == {"status": 400, "message": "The name must be at most 100 characters.", "data": {}}


def test_hello_me_requires_a_signed_in_record(client, core):
    guest = client.get("/api/hello-me")
    assert guest.status_code == 401
    assert guest.get_json() == {"status": 401, "message": "The request requires valid record authorization token.", "data": {}}
    user_id, headers = sign_in_user(client, core)
    assert client.get("/api/hello-me", headers=headers).get_json() == {"id": user_id, "collectionName": "users"}
    assert client.get("/api/hello/x", headers=headers).get_json()["auth"] == user_id


def test_hello_admin_is_for_superusers(client, core, su_headers):
    assert client.get("/api/hello-admin").status_code == 401
    _user_id, headers = sign_in_user(client, core)
    assert client.get("/api/hello-admin", headers=headers).status_code == 403
    answer = client.get("/api/hello-admin", headers=su_headers).get_json()
    assert answer["collections"] == len(core.collections.all())
    assert "__baasCronLeasesCleanup__" in answer["crons"]
