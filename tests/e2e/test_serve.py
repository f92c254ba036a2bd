"""`baas serve` as users run it: gunicorn with gevent workers on a real port."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request

import pytest

HEALTHY = b'{"message":"API is healthy.","code":200,"data":{}}'


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


def wait_for(predicate, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_serves_health_and_prints_the_urls(live_server):
    assert get(f"{live_server.url}/api/health") == (200, HEALTHY)
    output = live_server.output()
    assert f"Server started at {live_server.url}" in output
    assert f"├─ REST API:  {live_server.url}/api/" in output
    assert f"└─ Dashboard: {live_server.url}/_/" in output
    assert (live_server.data_dir / ".secret_key").exists()


def test_never_prints_the_secret(live_server):
    secret = (live_server.data_dir / ".secret_key").read_text().strip()
    cli_run = live_server.cli("migrate", "history")
    assert secret not in live_server.output()
    assert secret not in cli_run.stdout + cli_run.stderr


@pytest.mark.parametrize("live_server", [{"workers": 2}], indirect=True)
def test_two_gevent_workers_with_the_compiled_http_parser(live_server):
    assert wait_for(lambda: len(re.findall(r"Booting worker with pid", live_server.output())) >= 2), live_server.output()
    assert "Using worker: baas.http_worker.HttpToolsWorker" in live_server.output()
    statuses = {get(f"{live_server.url}/api/health")[0] for _ in range(20)}
    assert statuses == {200}


def test_a_long_filter_in_the_url_is_served(live_server):
    # the SDK puts filters in the query string; a filter near PocketBase's 3,500-character limit takes
    # ~4.5 KB once URL-encoded, more than gunicorn's default request-line limit (4094 bytes) let through
    long_filter = " || ".join(f"id = 'missing{number:010d}'" for number in range(120))
    assert len(long_filter) < 3500 and len(urllib.parse.urlencode({"filter": long_filter})) > 4094
    status, body = get(f"{live_server.url}/api/collections/users/records?" + urllib.parse.urlencode({"filter": long_filter}))
    assert status == 200 and json.loads(body)["items"] == []


def test_stops_cleanly_on_sigterm(live_server):
    assert live_server.stop() == 0
    assert "Traceback" not in live_server.output()


def test_json_log_format(start_server):
    server = start_server(args=("--log-format", "json"))
    lines = [line for line in server.output().splitlines() if line.startswith("{")]
    assert lines, server.output()
    entry = json.loads(lines[0])
    assert {"time", "level", "logger", "message"} <= set(entry)


def test_dev_mode_serves_with_the_reloader(start_server):
    server = start_server(args=("--dev",))
    assert get(f"{server.url}/api/health") == (200, HEALTHY)
    assert f"Server started at {server.url}" in server.output()
