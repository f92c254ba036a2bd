"""Shared set-up for the realtime tests: an app, collections and users, and SSE streams to read.

    make_kit(databases, data_dir, **extra) -> (Kit, url): an app with a superuser and cheap passwords;
                   `extra` goes to Config.extra (the memory broker unless `realtime_broker` says otherwise)
    Kit.collection(name, fields, **rules) / .record(...) / .user(email) / .login(email)
    Kit.sse(headers=None, **environ) -> Stream: an open `GET /api/realtime`, read by a background thread
    Stream.subscribe(topics, headers=None) -> the POST response
    Stream.next(timeout) -> Event(id, event, data)   (data parsed from JSON)
    Stream.drain(count) -> the next `count` events and anything more before a quiet spell
    Stream.silent(timeout)  asserts nothing arrives;   Stream.close()

The `kit` fixture (tests/realtime/conftest.py) is one such app per module, on the memory broker.
"""

from __future__ import annotations

import itertools
import queue
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

SU_EMAIL = "admin@example.com"
SU_PASSWORD = "Passw0rd!23"
PASSWORD = "Us3r-Passw0rd"
OPEN = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}
_names = itertools.count(1)


def unique(prefix: str = "rt") -> str:
    return f"{prefix}{next(_names)}"


def with_options(topic: str, query: dict[str, Any] | None = None, headers: dict[str, Any] | None = None) -> str:
    """The topic as the JS SDK sends it with `subscribe(topic, cb, {...query, headers})`."""
    options = orjson.dumps({"query": query or {}, "headers": headers or {}}).decode()
    return f"{topic}?options={quote(options, safe='')}"


@dataclass
class Event:
    id: str
    event: str
    data: Any
    raw: str


class Stream:
    """One SSE connection through the Flask test client, pumped into a queue by a background thread."""

    def __init__(self, kit: "Kit", headers: dict[str, str] | None = None, environ: dict[str, Any] | None = None):
        self.kit = kit
        self.response = kit.client.get("/api/realtime", headers=headers or {}, buffered=False, environ_base=environ or {})
        self.events: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()
        connect = self.next()
        assert connect.event == "PB_CONNECT", connect
        self.client_id = connect.id
        assert connect.data == {"clientId": self.client_id}

    def _pump(self) -> None:
        buffer = b""
        try:
            for chunk in self.response.response:
                buffer += chunk
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    self.events.put(_parse(block.decode()))
        finally:
            self.events.put(None)

    def subscribe(self, topics: list[str], headers: dict[str, str] | None = None, **extra: Any):
        body = {"clientId": self.client_id, "subscriptions": topics}
        return self.kit.client.post("/api/realtime", json=body, headers=headers or {}, **extra)

    def next(self, timeout: float = 5.0) -> Event:
        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no realtime event within {timeout}s") from None
        if event is None:
            raise AssertionError("the realtime stream ended")
        return event

    def drain(self, count: int | None = None, quiet: float = 0.3, timeout: float = 5.0) -> list[Event]:
        """The next `count` events (each within `timeout`), then whatever else arrives before the stream
        stays quiet for `quiet` seconds; without `count`, everything until that quiet spell."""
        out = [self.next(timeout) for _ in range(count or 0)]
        while True:
            try:
                event = self.events.get(timeout=quiet)
            except queue.Empty:
                return out
            if event is None:
                return out
            out.append(event)

    def silent(self, timeout: float = 0.3) -> None:
        got = self.drain(quiet=timeout)
        assert not got, f"expected no realtime event, got {got}"

    def ended(self, timeout: float = 5.0) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def client(self):
        return self.kit.core.realtime.client(self.client_id)

    def close(self) -> None:
        client = self.client
        if client is not None:
            client.close()
        self._thread.join(5)
        self.response.close()


def _parse(block: str) -> Event:
    fields: dict[str, list[str]] = {}
    for line in block.split("\n"):
        key, _, value = line.partition(":")
        fields.setdefault(key, []).append(value)
    data = "\n".join(fields.get("data", []))
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        parsed = data
    return Event(fields.get("id", [""])[0], fields.get("event", [""])[0], parsed, block)


class Kit:
    def __init__(self, flask_app):
        self.flask_app = flask_app
        self.core = flask_app.extensions["baas"]
        self.client = flask_app.test_client()
        self.su: dict[str, str] = {}
        self.streams: list[Stream] = []

    def sse(self, headers: dict[str, str] | None = None, **environ: Any) -> Stream:
        stream = Stream(self, headers, environ)
        self.streams.append(stream)
        return stream

    def close_streams(self) -> None:
        for stream in self.streams:
            stream.close()
        self.streams.clear()

    def collection(self, name: str, fields: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        response = self.client.post("/api/collections", json={"name": name, "fields": fields, **options}, headers=self.su)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def update_collection(self, name: str, **changes: Any) -> dict[str, Any]:
        response = self.client.patch(f"/api/collections/{name}", json=changes, headers=self.su)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def record(self, collection: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = self.client.post(f"/api/collections/{collection}/records", json=body, headers=self.su if headers is None else headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def update(self, collection: str, record_id: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = self.client.patch(
            f"/api/collections/{collection}/records/{record_id}", json=body, headers=self.su if headers is None else headers
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def delete(self, collection: str, record_id: str, headers: dict[str, str] | None = None) -> None:
        response = self.client.delete(f"/api/collections/{collection}/records/{record_id}", headers=self.su if headers is None else headers)
        assert response.status_code == 204, response.get_json()

    def user(self, email: str, password: str = PASSWORD, collection: str = "users", **extra: Any) -> dict[str, Any]:
        return self.record(collection, {"email": email, "password": password, "passwordConfirm": password, **extra})

    def login(self, email: str, password: str = PASSWORD, collection: str = "users") -> dict[str, str]:
        response = self.client.post(f"/api/collections/{collection}/auth-with-password", json={"identity": email, "password": password})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": response.get_json()["token"]}

    def cheap_passwords(self, collection: str = "users") -> None:
        definition = self.client.get(f"/api/collections/{collection}", headers=self.su).get_json()
        fields = [{**field, "cost": 4} if field["type"] == "password" else field for field in definition["fields"]]
        self.update_collection(collection, fields=fields)


def make_kit(databases, data_dir, *, url: str | None = None, redis_url: str | None = None, **config_extra: Any) -> tuple[Kit, str | None]:
    """An app with a superuser and cheap passwords on a fresh database, or on `url`'s (another process
    of the same deployment: same data dir and database, already set up). `config_extra` goes to
    `Config.extra`; the broker is the in-process one unless `realtime_broker` says otherwise."""
    from baas import create_app, load_config
    from baas.core import superusers

    shared = url is not None or (data_dir / "data.db").exists()
    if not shared:
        url = databases.fresh(data_dir)
    extra = {"realtime_broker": "memory", **config_extra}
    env = {"BAAS_REDIS_URL": redis_url} if redis_url else {}
    flask_app = create_app(load_config(data_dir, url, env=env, extra=extra), run_migrations=False)
    flask_app.config["TESTING"] = True
    made = Kit(flask_app)
    if not shared:
        fields = [{**field.to_json(), "cost": 4} if field.type == "password" else field.to_json()
                  for field in made.core.collections.get("_superusers").fields]
        made.core.collections_service.update("_superusers", {"fields": fields})
        superusers.upsert(made.core, SU_EMAIL, SU_PASSWORD)
    made.su = made.login(SU_EMAIL, SU_PASSWORD, collection="_superusers")
    if not shared:
        made.cheap_passwords("users")
    return made, url
