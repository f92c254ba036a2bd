"""The records endpoints served straight from WSGI (`baas/api/direct.py`) answer exactly as Flask does.

Each request is sent twice, once to the app as served (direct) and once to Flask's own request handling
behind it, and the two answers are compared: status, headers and body bytes.
"""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest
from werkzeug.test import Client

from api.helpers import OPEN_RULES, api, su  # noqa: F401
from baas.api.direct import DirectRecords

ITEMS = "direct_items"
LOCKED = "direct_locked"


@pytest.fixture(scope="module", autouse=True)
def items(api):
    api.collection(
        ITEMS,
        [
            {"name": "title", "type": "text", "required": True},
            {"name": "n", "type": "number"},
            {"name": "secret", "type": "text", "hidden": True},
        ],
        **OPEN_RULES,
    )
    api.collection(LOCKED, [{"name": "title", "type": "text"}])
    return [api.record(ITEMS, {"title": f"item {n}", "n": n, "secret": "s"})["id"] for n in range(5)]


@pytest.fixture(scope="module")
def clients(api):
    served = api.flask_app.wsgi_app
    assert isinstance(served, DirectRecords)
    return Client(served), Client(served.next)


def both(clients, method: str, path: str, **kwargs):
    direct, flask = (client.open(path, method=method, **kwargs) for client in clients)
    return direct, flask


def assert_same(direct, flask) -> None:
    assert direct.status == flask.status
    assert direct.headers.to_wsgi_list() == flask.headers.to_wsgi_list()
    assert direct.get_data() == flask.get_data()


@pytest.mark.parametrize(
    "path",
    [
        f"/api/collections/{ITEMS}/records",
        f"/api/collections/{ITEMS}/records?perPage=2&page=2&sort=-n&filter=n%3E0",
        f"/api/collections/{ITEMS}/records?filter=n%3E1&skipTotal=1&fields=id,title",
        f"/api/collections/{ITEMS}/records?filter=(n%3E",  # malformed: 400
        f"/api/collections/{ITEMS}/records?filter=secret%3D%27s%27",  # a hidden field: 403 for guests
        f"/api/collections/{ITEMS}/records/missing0000000",  # 404
        "/api/collections/nothing_here/records",  # 404 collection
        f"/api/collections/{LOCKED}/records",  # superusers only: 403
    ],
)
def test_reads_answer_as_through_flask(clients, path):
    assert_same(*both(clients, "GET", path))


def test_a_record_answers_as_through_flask_for_guests_superusers_and_origins(clients, items, su):
    path = f"/api/collections/{ITEMS}/records/{items[0]}"
    for headers in ({}, su, {"Origin": "https://app.example.com"}):
        direct, flask = both(clients, "GET", path, headers=headers)
        assert_same(direct, flask)
        assert direct.status_code == 200
    assert orjson.loads(both(clients, "GET", path, headers=su)[0].get_data())["secret"] == "s"
    assert "secret" not in orjson.loads(both(clients, "GET", path)[0].get_data())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"n": 1}},  # title is required: 400 with data.title
        {"data": "not json", "content_type": "application/json"},
        {"data": "x", "content_type": "text/plain"},  # 400 Unsupported Content-Type
        {"json": [1, 2]},  # not an object
    ],
)
def test_rejected_writes_answer_as_through_flask(clients, kwargs):
    direct, flask = both(clients, "POST", f"/api/collections/{ITEMS}/records", **kwargs)
    assert_same(direct, flask)
    assert direct.status_code == 400


def test_writes_answer_as_through_flask(clients, api):
    created = [orjson.loads(c.post(f"/api/collections/{ITEMS}/records", json={"title": "w", "n": 7}).get_data()) for c in clients]
    assert [item["title"] for item in created] == ["w", "w"]
    assert {key for key in created[0]} == {key for key in created[1]}
    updates = [
        client.patch(f"/api/collections/{ITEMS}/records/{item['id']}", json={"n": 8, "title": "u"})
        for client, item in zip(clients, created)
    ]
    assert [response.status_code for response in updates] == [200, 200]
    assert updates[0].headers.to_wsgi_list() == updates[1].headers.to_wsgi_list()
    deletes = [client.delete(f"/api/collections/{ITEMS}/records/{item['id']}", headers=api.su) for client, item in zip(clients, created)]
    assert_same(*deletes)
    assert deletes[0].status_code == 204
    assert api.get(ITEMS, created[0]["id"]) is None and api.get(ITEMS, created[1]["id"]) is None


def test_direct_requests_are_in_the_request_log(clients, api, items):
    api.core.logs.flush()
    clients[0].get(f"/api/collections/{ITEMS}/records/{items[1]}?fields=id", headers={"User-Agent": "direct-test"})
    api.core.logs.flush()
    entries = api.core.logs.list(_query("data.userAgent = 'direct-test'")).items
    assert len(entries) == 1
    data = entries[0]["data"]
    assert (data["method"], data["status"], data["url"]) == ("GET", 200, f"/api/collections/{ITEMS}/records/{items[1]}?fields=id")


CYCLES_SCRIPT = """
import gc, json, sys
from werkzeug.test import Client, EnvironBuilder
from baas import create_app
from baas.api.direct import DirectRecords

flask_app = create_app(data_dir=sys.argv[1])
served = flask_app.wsgi_app
assert isinstance(served, DirectRecords)
core = flask_app.extensions["baas"]
fields = [{"name": "title", "type": "text", "required": True}, {"name": "n", "type": "number"}]
rules = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}
core.collections_service.create({"name": "cycles", "fields": fields, **rules})
record = Client(served).post("/api/collections/cycles/records", json={"title": "one", "n": 1}).get_json()
requests = [
    ("GET", "/api/collections/cycles/records?filter=n%3E0&sort=-n", None),
    ("GET", "/api/collections/cycles/records/" + record["id"], None),
    ("POST", "/api/collections/cycles/records", {"title": "two", "n": 2}),
    ("GET", "/api/collections/cycles/records/missing", None),
    ("POST", "/api/collections/cycles/records", {"n": 3}),
]

def call(method, path, body):  # straight to the WSGI app: the test client makes cycles of its own
    environ = EnvironBuilder(path=path, method=method, json=body).get_environ()
    statuses = []
    b"".join(served(environ, lambda status, headers: statuses.append(status)))
    return int(statuses[0][:3])

for request in requests:  # warm the caches (statements, list plans) first
    call(*request)
core.logs.flush()
gc.collect()
gc.set_debug(gc.DEBUG_SAVEALL)
statuses = [call(*request) for request in requests]
gc.collect()
print(json.dumps([statuses, sorted({type(thing).__qualname__ for thing in gc.garbage})]))
"""


def test_records_requests_leave_no_reference_cycles(tmp_path):
    """Garbage that only the cycle collector frees made it run every few dozen requests under load (werkzeug's
    Request and its environ pointed at each other; an answered error's traceback and pluggy's frames): about
    8% of a create. Every records endpoint frees what it allocated by reference counting. In a process of
    its own: the test session's other apps and threads leave garbage of their own."""
    result = subprocess.run(
        [sys.executable, "-c", CYCLES_SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=120, check=True
    )
    statuses, garbage = orjson.loads(result.stdout.strip().splitlines()[-1])
    assert statuses == [200, 200, 200, 404, 400]
    assert garbage == []


def _query(filter_text: str):
    from baas.core.records.listing import ListQuery

    return ListQuery.from_args({"filter": filter_text})


def test_it_steps_aside_once_a_plugin_adds_app_wide_flask_hooks(app, client):
    seen = []
    app.before_request(lambda: seen.append("hook"))
    response = client.get("/api/collections/users/records")
    assert response.status_code == 200 and response.get_json()["items"] == []  # the rule hides every user
    assert seen == ["hook"]
    assert app.wsgi_app.enabled is False
