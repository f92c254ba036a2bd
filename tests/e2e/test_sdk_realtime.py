"""The official JS SDK (pocketbase@0.28.1, `eventsource` polyfill in node) subscribes through `baas serve`:
create/update/delete events with options, per-user rules, unsubscribe, and reconnection after a restart.

The server runs two gunicorn workers, so subscription requests and writes land on either worker and the
events cross between them (Unix sockets in the data dir, or Redis when BAAS_TEST_REDIS_URL is set). The
same scenario gives the same output against PocketBase 0.40.6.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest
from support.ci import JS_DIR, require_node

EMAIL = "sdk-realtime@example.com"
PASSWORD = "Sdk-Passw0rd!23"

pytestmark = pytest.mark.node


@pytest.fixture
def server(start_server):
    live = start_server(workers=2)
    live.cli("superuser", "upsert", EMAIL, PASSWORD)
    return live


def test_subscribe_receive_and_unsubscribe(server):
    result = server.run_js("realtime.mjs", SU_EMAIL=EMAIL, SU_PASSWORD=PASSWORD)
    assert result["all"] == [
        {"action": "create", "title": "keep one", "author": "Ann"},
        {"action": "create", "title": "drop two", "author": "Ann"},
        {"action": "update", "title": "keep one, updated", "author": "Ann"},
        {"action": "delete", "title": "keep one, updated", "author": "Ann"},
    ]
    assert result["picked"] == [
        {"action": "create", "keys": ["id", "title"], "title": "keep one"},
        {"action": "update", "keys": ["id", "title"], "title": "keep one, updated"},
        {"action": "delete", "keys": ["id", "title"], "title": "keep one, updated"},
    ]
    assert result["single"] == [
        {"action": "update", "title": "keep one, updated"},
        {"action": "delete", "title": "keep one, updated"},
    ]
    assert result["seenByA"] == ["for A"]
    assert result["seenByB"] == ["for B"]
    assert result["afterUnsubscribe"] == {"received": 0, "connected": False}


def test_the_sdk_reconnects_and_resubscribes_after_a_restart(server):
    node = require_node()
    env = {**os.environ, "PB_URL": server.url, "SU_EMAIL": EMAIL, "SU_PASSWORD": PASSWORD, "RESTART": "1"}
    proc = subprocess.Popen(
        [node, str(JS_DIR / "realtime.mjs")], cwd=JS_DIR, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert json.loads(line) == {"phase": "restart"}, line + proc.stderr.read()
        os.killpg(server.process.pid, signal.SIGKILL)  # a crash: no goodbye to the streams
        server.process.wait()
        server.start()
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out + err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["restart"] == {"events": ["after restart"], "newClientId": True}
