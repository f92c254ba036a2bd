"""Run the HTTP server: gunicorn with gevent workers in production, Flask's reloader with `--dev`.

Migrations run once here, in the CLI process, before any worker starts; workers then build the app
without migrating. gevent workers are used because each realtime (SSE) subscriber holds a connection open
for as long as it listens, and a greenlet per connection is what lets one worker hold thousands of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import click
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from . import log_config
from .app import create_app
from .config import Config
from .db import migrate
from .db.database import Database, build_engine

#: open connections per gevent worker; SSE subscribers count, and idle greenlets are cheap
WORKER_CONNECTIONS = 10_000
#: seconds a stopping worker waits for open requests; SSE streams never finish, so keep it short
GRACEFUL_TIMEOUT = 10


def parse_http(address: str) -> tuple[str, int]:
    """`host:port` (IPv6 hosts in brackets) -> (host, port); a ValueError names what is wrong."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"invalid --http address {address!r}, expected host:port such as 127.0.0.1:8090")
    return host, int(port)


def banner(address: str) -> str:
    base = f"http://{address}"
    return f"Server started at {base}\n├─ REST API:  {base}/api/\n└─ Dashboard: {base}/_/"


def run_migrations(config: Config) -> None:
    """Bring the system tables to head once, with a throwaway engine that is closed before forking."""
    database = Database(build_engine(config.database_url, pooled=False))
    try:
        migrate.upgrade(database)
    finally:
        database.dispose()


class QuietAccessLogger(Logger):
    """gunicorn's logger without the access log: baas keeps its own request log, and gunicorn would
    otherwise format an access line per request (the logging config given in code turns it on)."""

    @property
    def access_log_enabled(self) -> bool:
        return False


class GunicornServer(BaseApplication):
    """gunicorn configured in code: no command line or config file of its own is read."""

    def __init__(self, config: Config, options: dict):
        self.baas_config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # skips settings newer than the installed gunicorn (control socket: 25.1)
                self.cfg.set(key, value)

    def load(self):
        return create_app(self.baas_config, run_migrations=False)


def gunicorn_options(config: Config, workers: int, on_ready: Callable) -> dict:
    return {
        "bind": config.http,
        "workers": workers,
        "worker_class": "baas.http_worker.HttpToolsWorker",  # gevent's worker with a compiled HTTP parser
        "worker_connections": WORKER_CONNECTIONS,
        # long filter= URLs: PocketBase (Go) takes request lines up to its 1 MB header limit, and the HTTP
        # worker reads gunicorn's "unlimited" as that same 1 MB (gunicorn's default is 4094 bytes)
        "limit_request_line": 0,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "proc_name": "baas",
        "control_socket_disable": True,  # one fixed path per user: two servers on a machine would clash
        "logconfig_dict": log_config.dict_config(config.log_format),
        "logger_class": QuietAccessLogger,
        "when_ready": on_ready,
    }


def serve(config: Config, workers: int) -> None:
    run_migrations(config)
    options = gunicorn_options(config, workers, lambda _arbiter: click.echo(banner(config.http)))
    GunicornServer(config, options).run()


def serve_dev(config: Config) -> None:
    """Flask's debug server with the reloader: the app (and its migrations) load in the reloaded child."""
    host, port = parse_http(config.http)
    flask_app = create_app(config)
    if os.environ.get("WERKZEUG_RUN_MAIN") != "true":  # the reloader's parent prints once
        click.echo(banner(config.http))
    flask_app.run(host=host.strip("[]"), port=port, debug=True)
