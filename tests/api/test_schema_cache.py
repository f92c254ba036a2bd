"""Every worker sees a collection change on its next request: two apps ("workers") share one database and
each keeps its own cache of collection definitions, refreshed through the schema version in `_params`.
The same over real gunicorn workers is tests/e2e/test_two_workers_schema.py."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from api.helpers import OPEN_RULES, SU_EMAIL, SU_PASSWORD
from baas.hooks import hookimpl

_names = itertools.count(1)


class Worker:
    def __init__(self, flask_app):
        self.flask_app = flask_app
        self.core = flask_app.extensions["baas"]
        self.client = flask_app.test_client()
        self.su: dict[str, str] = {}

    def call(self, method: str, path: str, body=None, status: int | None = 200):
        response = self.client.open(path, method=method, json=body, headers=self.su)
        if status is not None:
            assert response.status_code == status, (method, path, response.get_json())
        return response.get_json()


@pytest.fixture(scope="module")
def workers(databases, tmp_path_factory):
    """Two apps on one database and data dir, as two gunicorn workers (or two nodes) would be."""
    from baas import create_app, load_config
    from baas.core import superusers

    data_dir = tmp_path_factory.mktemp("schema_cache")
    url = databases.fresh(data_dir)
    made = [Worker(create_app(load_config(data_dir, url, env={}), run_migrations=False)) for _ in range(2)]
    superusers.upsert(made[0].core, SU_EMAIL, SU_PASSWORD)
    token = made[0].call("POST", "/api/collections/_superusers/auth-with-password", {"identity": SU_EMAIL, "password": SU_PASSWORD})["token"]
    for worker in made:
        worker.su = {"Authorization": token}
    yield made
    for worker in made:
        worker.core.close()
    databases.release(url)


def name() -> str:
    return f"cached{next(_names)}"


def test_a_created_collection_is_seen_by_the_other_worker(workers):
    a, b = workers
    b.call("GET", "/api/collections")  # b's cache is warm
    created = a.call("POST", "/api/collections", {"name": (n := name()), "fields": [{"name": "t", "type": "text"}], **OPEN_RULES})
    assert b.call("GET", f"/api/collections/{n}")["id"] == created["id"]
    assert b.call("POST", f"/api/collections/{n}/records", {"t": "via b"})["t"] == "via b"


def test_a_renamed_collection_moves_for_the_other_worker(workers):
    a, b = workers
    a.call("POST", "/api/collections", {"name": (n := name()), "fields": [], **OPEN_RULES})
    b.call("GET", f"/api/collections/{n}/records")
    a.call("PATCH", f"/api/collections/{n}", {"name": n + "_r"})
    b.call("GET", f"/api/collections/{n}/records", status=404)
    assert b.call("GET", f"/api/collections/{n}_r/records")["items"] == []


def test_an_added_field_is_writable_through_the_other_worker(workers):
    a, b = workers
    created = a.call("POST", "/api/collections", {"name": (n := name()), "fields": [{"name": "t", "type": "text"}], **OPEN_RULES})
    b.call("POST", f"/api/collections/{n}/records", {"t": "before"})
    a.call("PATCH", f"/api/collections/{n}", {"fields": created["fields"] + [{"name": "extra", "type": "number"}]})
    record = b.call("POST", f"/api/collections/{n}/records", {"t": "after", "extra": 7})
    assert record["extra"] == 7
    assert sorted(item.get("extra") for item in b.call("GET", f"/api/collections/{n}/records")["items"]) == [0, 7]


def test_a_multiple_switch_is_read_as_lists_by_the_other_worker(workers):
    a, b = workers
    created = a.call("POST", "/api/collections", {"name": (n := name()), "fields": [{"name": "tag", "type": "select", "values": ["x", "y"]}], **OPEN_RULES})
    b.call("POST", f"/api/collections/{n}/records", {"tag": "x"})
    fields = [{**f, "maxSelect": 2} if f["name"] == "tag" else f for f in created["fields"]]
    a.call("PATCH", f"/api/collections/{n}", {"fields": fields})
    assert [item["tag"] for item in b.call("GET", f"/api/collections/{n}/records")["items"]] == [["x"]]


def test_a_deleted_collection_is_gone_for_the_other_worker(workers):
    a, b = workers
    a.call("POST", "/api/collections", {"name": (n := name()), "fields": [], **OPEN_RULES})
    b.call("GET", f"/api/collections/{n}")
    a.call("DELETE", f"/api/collections/{n}", status=204)
    b.call("GET", f"/api/collections/{n}", status=404)
    b.call("GET", f"/api/collections/{n}/records", status=404)


def test_rule_changes_apply_at_once_on_the_other_worker(workers):
    a, b = workers
    a.call("POST", "/api/collections", {"name": (n := name()), "fields": [{"name": "t", "type": "text"}], **OPEN_RULES})
    b.call("POST", f"/api/collections/{n}/records", {"t": "x"})
    assert len(b.client.get(f"/api/collections/{n}/records").get_json()["items"]) == 1
    a.call("PATCH", f"/api/collections/{n}", {"listRule": None})
    assert b.client.get(f"/api/collections/{n}/records").status_code == 403


def test_unchanged_schema_is_not_reloaded(workers):
    _a, b = workers
    b.core.refresh()
    cached = b.core.collections.get("users")
    b.call("GET", "/api/collections/users")
    assert b.core.collections.get("users") is cached


def test_any_change_reloads_the_definitions(workers):
    a, b = workers
    b.core.refresh()
    cached = b.core.collections.get("users")
    a.call("POST", "/api/collections", {"name": name(), "fields": []})
    b.call("GET", "/api/health")
    assert b.core.collections.get("users") is not cached


def test_a_failed_change_does_not_bump_the_version(workers):
    a, b = workers
    b.core.refresh()
    cached = b.core.collections.get("users")
    a.call("POST", "/api/collections", {"name": "bad name"}, status=400)
    a.call("PATCH", "/api/collections/users", {"listRule": "nope = 1"}, status=400)
    b.core.refresh()
    assert b.core.collections.get("users") is cached


def test_a_rolled_back_change_leaves_the_changing_worker_consistent(workers):
    a, _b = workers
    a.call("POST", "/api/collections", {"name": (n := name()), "fields": [{"name": "code", "type": "text"}], **OPEN_RULES})
    a.call("POST", f"/api/collections/{n}/records", {"code": "same"})
    a.call("POST", f"/api/collections/{n}/records", {"code": "same"})
    a.call("PATCH", f"/api/collections/{n}", {"name": n + "_x", "indexes": [f"CREATE UNIQUE INDEX idx_{n} ON {n} (code)"]}, status=400)
    assert a.core.collections.get(n) is not None and a.core.collections.get(n + "_x") is None
    assert len(a.call("GET", f"/api/collections/{n}/records")["items"]) == 2


def test_a_change_made_outside_any_worker_is_seen(workers):
    """A CLI import (another process, no HTTP) bumps the version as well."""
    a, b = workers
    a.core.collections_service.import_collections([{"name": (n := name()), "fields": [{"name": "t", "type": "text"}]}])
    assert [f["name"] for f in b.call("GET", f"/api/collections/{n}")["fields"]] == ["id", "t"]


class SlowUpdates:
    """Holds every collection update of one worker inside its transaction for a while."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    @hookimpl(tryfirst=True)
    def baas_collection_update(self, event):
        time.sleep(self.seconds)


def test_concurrent_changes_from_two_workers_are_serialized(workers):
    """While a rename by one worker is in flight, another worker's rule change must not write back the old
    name (its definition is read once the first change committed)."""
    a, b = workers
    a.call("POST", "/api/collections", {"name": (n := name()), "fields": [], **OPEN_RULES})
    b.call("GET", f"/api/collections/{n}")  # b has the old definition cached
    a.core.hooks.register(SlowUpdates(0.6), "slow_updates")
    try:
        renaming = threading.Thread(target=a.call, args=("PATCH", f"/api/collections/{n}", {"name": n + "_r"}))
        renaming.start()
        time.sleep(0.2)
        b.call("PATCH", f"/api/collections/{n}_r", {"listRule": None}, status=None)
        b.call("PATCH", f"/api/collections/{n}", {"listRule": None}, status=None)
        renaming.join()
    finally:
        a.core.hooks.unregister("slow_updates")
    body = a.call("GET", f"/api/collections/{n}_r")
    assert (body["name"], body["listRule"]) == (n + "_r", None)
    assert a.call("GET", f"/api/collections/{n}_r/records")["items"] == []
