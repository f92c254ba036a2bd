"""A live server with two gunicorn workers: a collection change made through one request is seen by the
next requests, whichever worker serves them. Each worker keeps its own cache of collection definitions;
a plugin only labels every response with the pid of the worker that served it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

EMAIL = "workers@example.com"
PASSWORD = "W0rkers-Passw0rd"
PLUGIN = '''
import os
from baas.plugin_api import hookimpl


@hookimpl
def baas_serve(app, flask_app):
    @flask_app.after_request
    def label(response):
        response.headers["X-Test-Worker"] = str(os.getpid())
        return response
'''


class Client:
    def __init__(self, url: str):
        self.url = url
        self.headers = {"Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None) -> tuple[int, dict | None, str]:
        """(status, JSON body, pid of the worker that answered); a new connection every time."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw, status, worker = response.read(), response.status, response.headers["X-Test-Worker"]
        except urllib.error.HTTPError as error:
            raw, status, worker = error.read(), error.code, error.headers["X-Test-Worker"]
        return status, json.loads(raw) if raw else None, worker

    def everywhere(self, method: str, path: str, body=None, workers: int = 2, attempts: int = 400) -> dict[str, set[int]]:
        """Send the request in parallel batches until `workers` different workers answered it: the statuses
        each worker gave."""
        seen: dict[str, set[int]] = {}
        with ThreadPoolExecutor(8) as pool:
            for _ in range(attempts // 8):
                for status, _body, worker in pool.map(lambda _: self.call(method, path, body), range(8)):
                    seen.setdefault(worker, set()).add(status)
                if len(seen) >= workers:
                    break
        assert len(seen) >= workers, f"only workers {sorted(seen)} answered"
        return seen


@pytest.fixture(scope="module")
def client(databases, redis_url, tmp_path_factory):
    from support.ci import hermetic_environ
    from support.server import LiveServer

    root = tmp_path_factory.mktemp("two_workers")
    (root / "plugins").mkdir()
    (root / "plugins" / "worker_label.py").write_text(PLUGIN)
    data_dir = root / "data"
    url = databases.empty(data_dir)
    env = hermetic_environ(BAAS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    if url:
        env["BAAS_DATABASE_URL"] = url
    if redis_url:
        env["BAAS_REDIS_URL"] = redis_url
    server = LiveServer(data_dir, env, ("--workers", "2", "--plugins-dir", str(root / "plugins")))
    server.start()
    try:
        server.cli("superuser", "upsert", EMAIL, PASSWORD)
        made = Client(server.url)
        status, body, _worker = made.call("POST", "/api/collections/_superusers/auth-with-password", {"identity": EMAIL, "password": PASSWORD})
        assert status == 200, (body, server.output())
        made.headers["Authorization"] = body["token"]
        # every worker loads (caches) the definitions before the changes below
        assert set().union(*made.everywhere("GET", "/api/collections/users").values()) == {200}
        yield made
    finally:
        server.stop()
        databases.release(url)


def statuses(seen: dict[str, set[int]]) -> set[int]:
    return set().union(*seen.values())


def test_a_new_collection_is_served_by_every_worker(client):
    status, _body, _ = client.call("POST", "/api/collections", {"name": "live_new", "fields": [{"name": "t", "type": "text"}], "listRule": ""})
    assert status == 200
    assert statuses(client.everywhere("GET", "/api/collections/live_new/records")) == {200}


def test_an_added_field_is_written_and_read_by_every_worker(client):
    status, created, _ = client.call("POST", "/api/collections", {"name": "live_fields", "fields": [{"name": "t", "type": "text"}],
                                                                  "listRule": "", "createRule": ""})
    assert status == 200
    client.everywhere("GET", "/api/collections/live_fields/records")
    status, _body, _ = client.call("PATCH", "/api/collections/live_fields", {"fields": created["fields"] + [{"name": "n", "type": "number"}]})
    assert status == 200
    seen: dict[str, set] = {}
    with ThreadPoolExecutor(8) as pool:
        for _ in range(50):
            for status, body, worker in pool.map(lambda _: client.call("POST", "/api/collections/live_fields/records", {"t": "x", "n": 3}), range(8)):
                seen.setdefault(worker, set()).add((status, body and body.get("n")))
            if len(seen) >= 2:
                break
    assert len(seen) >= 2 and set().union(*seen.values()) == {(200, 3)}


def test_a_renamed_collection_moves_on_every_worker(client):
    client.call("POST", "/api/collections", {"name": "live_old", "fields": [], "listRule": ""})
    client.everywhere("GET", "/api/collections/live_old/records")
    status, _body, _ = client.call("PATCH", "/api/collections/live_old", {"name": "live_moved"})
    assert status == 200
    assert statuses(client.everywhere("GET", "/api/collections/live_old/records")) == {404}
    assert statuses(client.everywhere("GET", "/api/collections/live_moved/records")) == {200}


def test_a_rule_change_applies_on_every_worker(client):
    client.call("POST", "/api/collections", {"name": "live_rules", "fields": [], "listRule": ""})
    guest = Client(client.url)
    assert statuses(guest.everywhere("GET", "/api/collections/live_rules/records")) == {200}
    client.call("PATCH", "/api/collections/live_rules", {"listRule": None})
    assert statuses(guest.everywhere("GET", "/api/collections/live_rules/records")) == {403}


def test_a_deleted_collection_is_gone_on_every_worker(client):
    client.call("POST", "/api/collections", {"name": "live_gone", "fields": [], "listRule": ""})
    client.everywhere("GET", "/api/collections/live_gone/records")
    status, _body, _ = client.call("DELETE", "/api/collections/live_gone")
    assert status == 204
    assert statuses(client.everywhere("GET", "/api/collections/live_gone/records")) == {404}
