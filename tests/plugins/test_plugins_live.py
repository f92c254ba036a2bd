"""Plugins in real `baas serve` processes (gunicorn, gevent workers): folder and entry-point plugins,
custom routes and hooks over HTTP, a cron job that runs once per tick across two servers sharing one
database, and a broken plugin stopping `baas serve` with one message."""

from __future__ import annotations

import collections
import json
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from plugin_support import entry_point_dir, write_plugin
from support.server import baas_executable, free_port

from support.ci import hermetic_environ

LIVE_PLUGIN = """
    from flask import Blueprint

    from baas.plugin_api import bad_request, current_auth, ensure_collection, hookimpl, json_response, require_superuser

    bp = Blueprint("live", __name__)


    @bp.get("/api/live/<name>")
    def hello(name):
        auth = current_auth()
        return json_response({"message": f"Hello {name}", "auth": auth.id if auth else None})


    @bp.get("/api/live-admin")
    def admin():
        require_superuser()
        return json_response({"ok": True})


    @hookimpl
    def baas_bootstrap(app):
        rules = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}
        ensure_collection(app, {"name": "items", "fields": [{"name": "name", "type": "text"}], **rules})


    @hookimpl
    def baas_serve(app, flask_app):
        flask_app.register_blueprint(bp)


    @hookimpl
    def baas_record_create_request(event):
        if event.collection.name == "items" and event.body.get("name") == "forbidden":
            raise bad_request("custom hook reject")
        if event.collection.name == "items":
            event.body["name"] = event.body.get("name", "") + " (via hook)"
"""

TICKS_PLUGIN = """
    import os
    import time

    from baas.plugin_api import hookimpl

    PATH = os.environ["TICKS_FILE"]


    def record_tick():
        tick = int(time.time()) // 2 * 2  # the job runs every 2 s, a few ms after its tick
        with open(PATH, "a") as handle:
            handle.write(f"{tick} {os.getpid()}\\n")


    @hookimpl
    def baas_bootstrap(app):
        app.cron.add("ticks", "* * * * * */2", record_tick)


    @hookimpl
    def baas_terminate(app):
        with open(PATH + ".stopped", "a") as handle:
            handle.write(f"{os.getpid()} {app.cron.running}\\n")


    @hookimpl
    def baas_record_create(event):  # the CLI's writes go through the same hooks
        with open(PATH + ".created", "a") as handle:
            handle.write(f"{event.record.collection.name} {event.ctx.is_superuser}\\n")
"""


def call(server, method: str, path: str, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        server.url + path, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_a_folder_plugin_serves_routes_and_hooks_over_http(start_server, tmp_path):
    folder = tmp_path / "plugins"
    write_plugin(folder, "live", LIVE_PLUGIN)
    server = start_server(workers=2, args=("--plugins-dir", str(folder)))
    assert call(server, "GET", "/api/live/world") == (200, {"message": "Hello world", "auth": None})
    status, body = call(server, "GET", "/api/live-admin")
    assert (status, body["status"]) == (401, 401)
    status, record = call(server, "POST", "/api/collections/items/records", {"name": "a"})
    assert (status, record["name"]) == (200, "a (via hook)")
    status, error = call(server, "POST", "/api/collections/items/records", {"name": "forbidden"})
    assert (status, error) == (400, {"status": 400, "message": "custom hook reject", "data": {}})
    status, listed = call(server, "GET", "/api/collections/items/records")
    assert [item["name"] for item in listed["items"]] == ["a (via hook)"]


def test_an_installed_entry_point_plugin_is_served(start_server, tmp_path):
    site = entry_point_dir(tmp_path / "site", "livedemo", "baas_live_demo_plugin", LIVE_PLUGIN)
    server = start_server(env={"PYTHONPATH": str(site)})
    assert call(server, "GET", "/api/live/ep")[1]["message"] == "Hello ep"


def test_a_cron_job_runs_once_per_tick_across_two_servers(start_server, tmp_path):
    folder = tmp_path / "plugins"
    write_plugin(folder, "ticks", TICKS_PLUGIN)
    ticks_file = tmp_path / "ticks.txt"
    env = {"TICKS_FILE": str(ticks_file)}
    first = start_server(workers=2, args=("--plugins-dir", str(folder)), env=env)
    shared = first.env.get("BAAS_DATABASE_URL") or f"sqlite:///{first.data_dir / 'data.db'}"
    second = start_server(workers=2, args=("--plugins-dir", str(folder)), env={**env, "BAAS_DATABASE_URL": shared})
    time.sleep(9)
    first.stop()
    second.stop()
    lines = ticks_file.read_text().split()
    runs = collections.Counter(lines[0::2])
    assert len(runs) >= 3, f"too few ticks ran: {runs}"
    assert set(runs.values()) == {1}, f"a tick ran more than once (4 schedulers): {runs}"
    # every worker of both servers stopped cleanly: baas_terminate ran while its scheduler still ran
    stopped = (tmp_path / "ticks.txt.stopped").read_text().split("\n")
    assert sorted(line.split()[1] for line in stopped if line) == ["True"] * 4


def test_the_cli_fires_the_same_hooks(start_server, tmp_path):
    folder = tmp_path / "plugins"
    write_plugin(folder, "ticks", TICKS_PLUGIN)
    ticks_file = tmp_path / "ticks.txt"
    server = start_server(args=("--plugins-dir", str(folder)), env={"TICKS_FILE": str(ticks_file)})
    server.env["BAAS_PLUGINS_DIR"] = str(folder)
    server.cli("superuser", "upsert", "root@example.com", "Passw0rd!23", "--dir", str(server.data_dir))
    assert (tmp_path / "ticks.txt.created").read_text() == "_superusers True\n"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "from baas.plugin_api import hookimpl\n@hookimpl\ndef baas_record_creat(event):\n    pass\n",
            "Error: plugin 'broken', hook 'baas_record_creat': no such hook (did you mean 'baas_record_create'?)",
        ),
        (
            "from baas.plugin_api import hookimpl\n@hookimpl\ndef baas_serve(app, router):\n    pass\n",
            "Error: plugin 'broken', hook 'baas_serve': baas_serve(app, router) asks for argument(s) {'router'} "
            "that the hook does not have; the hook is baas_serve(app, flask_app)",
        ),
    ],
)
def test_a_broken_plugin_stops_baas_serve_with_one_message(tmp_path, source, message):
    folder = tmp_path / "plugins"
    write_plugin(folder, "broken", source)
    command = [baas_executable(), "serve", "--dir", str(tmp_path / "data"), "--plugins-dir", str(folder), "--http", f"127.0.0.1:{free_port()}"]
    run = subprocess.run(command, env=hermetic_environ(), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert run.returncode == 1
    assert run.stderr.strip() == message
    assert "Traceback" not in run.stdout + run.stderr


def test_a_broken_plugin_stops_other_commands_too(tmp_path):
    folder = tmp_path / "plugins"
    write_plugin(folder, "broken", "import not_a_module_anywhere\n")
    command = [baas_executable(), "superuser", "upsert", "a@example.com", "Passw0rd!23", "--dir", str(tmp_path / "data")]
    run = subprocess.run(
        command, env=hermetic_environ(BAAS_PLUGINS_DIR=str(folder)), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert run.returncode == 1
    assert run.stderr.strip().startswith("Error: plugin 'broken': failed to import ")
    assert "Traceback" not in run.stderr
