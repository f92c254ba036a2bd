"""The records endpoints served straight from WSGI, in front of Flask.

They are the API's busiest routes, and for a read by id Flask's per-request machinery (request and app
contexts, URL map binding, signals, response objects, the hook chains) cost more than the read itself.
Here the same handlers (`records.ENDPOINTS`) run through the same steps (`pipeline.py`: caller context,
rate limits, error answers, headers, request log), so the answers are the ones Flask would give; a test
compares the two byte for byte.

Anything else goes on to Flask: other paths, other methods (HEAD, CORS preflights), and every request
once a plugin has added app-wide Flask request hooks (`before_request`, `after_request`, ...), which only
Flask would run.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable

import orjson
from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request

from . import pipeline
from .ratelimit import check
from .records import ENDPOINTS

if TYPE_CHECKING:
    from ..core.app import App

PREFIX = "/api/collections/"
PATH = re.compile(r"/api/collections/([^/]+)/records(?:/([^/]+))?")
JSON_HEADERS = [("Content-Type", "application/json")]
NO_CONTENT_HEADERS = [("Content-Type", "text/html; charset=utf-8")]  # what Flask's empty 204 carries
SECURITY_HEADERS = list(pipeline.SECURITY_HEADERS.items())


def flask_request_hooks(flask_app: Flask) -> tuple:
    """The app-wide hooks Flask runs around a request: the ones `direct` reproduces are baas's own."""
    return tuple(
        tuple(registry.get(None, ()))
        for registry in (
            flask_app.before_request_funcs,
            flask_app.after_request_funcs,
            flask_app.teardown_request_funcs,
            flask_app.url_value_preprocessors,
        )
    )


class DirectRecords:
    """WSGI middleware: `flask_app.wsgi_app = DirectRecords(flask_app)` (see `mount`)."""

    def __init__(self, flask_app: Flask):
        self.app: "App" = flask_app.extensions["baas"]
        self.flask_app = flask_app
        self.next = flask_app.wsgi_app
        self._baas_hooks = flask_request_hooks(flask_app)
        self._enabled: bool | None = None  # decided at the first request, once plugins have loaded

    @property
    def enabled(self) -> bool:
        if self._enabled is None:
            self._enabled = flask_request_hooks(self.flask_app) == self._baas_hooks
        return self._enabled

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").startswith(PREFIX) or not self.enabled:
            return self.next(environ, start_response)
        request = Request(environ, populate_request=False)  # no environ -> request cycle for the GC to find
        match = PATH.fullmatch(request.path)
        endpoint = ENDPOINTS.get((request.method, match[2] is not None)) if match else None
        if endpoint is None:
            return self.next(environ, start_response)
        try:
            status, body, headers = self.answer(request, endpoint, match.groups())
        finally:
            request.close()
        start_response(f"{status} {HTTP_STATUS_CODES[status].upper()}", headers)  # as werkzeug writes it
        return [body]

    def answer(self, request: Request, endpoint, path: tuple[str, str | None]) -> tuple[int, bytes, list]:
        app, started = self.app, time.perf_counter()
        collection, record_id = path
        context, error = None, None
        try:
            with app.db.request_scope():
                context = pipeline.request_context(app, request)
                check(app, request, context, (endpoint.action,), collection, endpoint.rule)
                args = (collection,) if record_id is None else (collection, record_id)
                status, payload = endpoint.handler(app, request, context, *args)
        except Exception as failure:
            error, payload = pipeline.error_answer(request, failure)
            status = error.status
            _drop_tracebacks(failure)
        if status == 204:
            body, headers = b"", list(NO_CONTENT_HEADERS)
        else:
            body = orjson.dumps(payload)
            headers = [*JSON_HEADERS, ("Content-Length", str(len(body)))]
        headers += pipeline.cors_headers(request)
        headers += SECURITY_HEADERS
        pipeline.log_request(app, request, status, started, context, error)
        return status, body, headers


def _drop_tracebacks(error: BaseException | None) -> None:
    """Once an error is answered (and logged), its traceback is of no use, and it holds frames that hold the
    error (pluggy's keeps the exception it re-raises): garbage only the cycle collector would free."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        error.__traceback__ = None
        error = error.__cause__ or error.__context__


def mount(flask_app: Flask) -> None:
    """Put the direct records endpoints in front of Flask; call once baas's own hooks are installed."""
    flask_app.wsgi_app = DirectRecords(flask_app)
