"""Realtime under `baas serve` (gunicorn, gevent worker): many open streams in one worker hold neither a
thread nor a database connection, ordinary requests stay fast meanwhile, every stream gets its events,
and streams whose peer hung up are dropped at once."""

from __future__ import annotations

import json
import socket
import statistics
import time
import urllib.request

import pytest

STREAMS = 300
PROBE_PLUGIN = '''
import os
from flask import Blueprint, current_app, jsonify
from baas.hooks import hookimpl

bp = Blueprint("rt_probe", __name__)


@bp.get("/api/rt-probe")
def probe():
    app = current_app.extensions["baas"]
    pool = app.db.engine.pool
    return jsonify({"pid": os.getpid(), "clients": len(app.realtime.clients()),
                    "checkedout": pool.checkedout() if hasattr(pool, "checkedout") else -1})


@bp.get("/api/rt-probe/sleep")
def sleep():
    """A slow query: under gevent it must not stall the worker's other greenlets."""
    import sys
    from sqlalchemy import text
    app = current_app.extensions["baas"]
    with app.db.read() as connection:
        connection.execute(text("SELECT pg_sleep(2)"))
    waiting = sys.modules.get("psycopg.waiting")
    return jsonify({"wait": getattr(getattr(waiting, "wait", None), "__name__", "")})


@hookimpl
def baas_serve(app, flask_app):
    flask_app.register_blueprint(bp)
'''


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def _post(url: str, body: dict, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class RawStream:
    """An SSE connection on a bare socket (HTTP/1.0: no chunked framing to undo)."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.sendall(b"GET /api/realtime HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        self.buffer = b""
        self.read_until(b'"}\n\n')
        marker = self.buffer.index(b"\r\n\r\nid:") + 7
        self.client_id = self.buffer[marker : self.buffer.index(b"\n", marker)].decode()

    def read_until(self, needle: bytes, timeout: float = 30) -> None:
        self.sock.settimeout(timeout)
        while needle not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"stream ended before {needle!r}: {self.buffer[-300:]!r}")
            self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server(start_server, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "rt_probe.py").write_text(PROBE_PLUGIN)
    live = start_server(workers=1, args=("--plugins-dir", str(plugins)))
    live.cli("superuser", "upsert", "probe@example.com", "Probe-Passw0rd!1")
    status, token = None, None
    request = urllib.request.Request(
        f"{live.url}/api/collections/_superusers/auth-with-password", method="POST",
        data=json.dumps({"identity": "probe@example.com", "password": "Probe-Passw0rd!1"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        status, token = response.status, json.loads(response.read())["token"]
    assert status == 200
    live.su = {"Authorization": token}
    return live


def _wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_many_streams_in_one_worker(server):
    url = server.url
    assert _post(f"{url}/api/collections", {
        "name": "probe_posts", "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "",
        "fields": [{"name": "title", "type": "text"}],
    }, server.su) == 200
    streams = [RawStream(server.port) for _ in range(STREAMS)]
    try:
        for stream in streams:
            assert _post(f"{url}/api/realtime", {"clientId": stream.client_id, "subscriptions": ["probe_posts/*"]}) == 204
        state = _get(f"{url}/api/rt-probe")
        assert state["clients"] == STREAMS
        assert 0 <= state["checkedout"] <= 2  # the open streams hold no database connection

        timings = []
        for _ in range(20):
            started = time.perf_counter()
            _get(f"{url}/api/health")
            timings.append(time.perf_counter() - started)
        assert statistics.median(timings) < 0.5, timings  # generous: the test machine may be busy

        assert _post(f"{url}/api/collections/probe_posts/records", {"title": "to everyone"}) == 200
        for stream in streams:
            stream.read_until(b"event:probe_posts/*\ndata:", timeout=30)
            stream.read_until(b'"action":"create"}\n\n', timeout=30)

        # hanging up is noticed right away (not at the next write or after the idle timeout)
        for stream in streams[: STREAMS // 2]:
            stream.close()
        assert _wait_for(lambda: _get(f"{url}/api/rt-probe")["clients"] == STREAMS - STREAMS // 2)
    finally:
        for stream in streams:
            stream.close()
    assert _wait_for(lambda: _get(f"{url}/api/rt-probe")["clients"] == 0)


@pytest.mark.postgres
def test_a_slow_query_does_not_stall_the_worker(server):
    """psycopg was imported by the arbiter before gevent patched the worker; its waits must still yield."""
    import threading

    result = {}
    slow = threading.Thread(target=lambda: result.update(_get(f"{server.url}/api/rt-probe/sleep")))
    started = time.perf_counter()
    slow.start()
    time.sleep(0.3)
    timings = []
    while slow.is_alive() and len(timings) < 10:
        began = time.perf_counter()
        _get(f"{server.url}/api/health")
        timings.append(time.perf_counter() - began)
    slow.join(30)
    assert time.perf_counter() - started >= 2
    assert timings and max(timings) < 1.0, timings
    assert result["wait"] in ("wait_poll", "wait_select", "wait_selector")
