"""Flask's hooks around every request: the caller's context, rate limits, security headers, the request
log and errors in PocketBase's shape. The work itself is in `pipeline.py`, shared with `direct.py`."""

from __future__ import annotations

import time

from flask import Flask, g, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ..core.context import RequestContext
from . import pipeline
from .ratelimit import check_rate_limit
from .util import core, json_response


def start_timer() -> None:
    g.baas_started = time.perf_counter()


def load_request_context() -> None:
    try:
        g.baas_ctx = pipeline.request_context(core(), request)
    except SQLAlchemyError:
        if request.path != "/api/health":  # the health check reports the outage itself
            raise
        g.baas_ctx = RequestContext(method=request.method)


def add_security_headers(response):
    for name, value in pipeline.SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/files/"):  # as PocketBase: stored files may be embedded (a PDF in a frame)
        response.headers.pop("X-Frame-Options", None)
    return response


def log_request(response):
    if request.path.startswith("/api/") and "baas_started" in g:
        pipeline.log_request(core(), request, response.status_code, g.baas_started, g.get("baas_ctx"), g.get("baas_error"))
    return response


def render_error(error: Exception):
    if isinstance(error, HTTPException) and not request.path.startswith("/api/"):
        return error  # the console's own pages
    g.baas_error, payload = pipeline.error_answer(request, error)
    return json_response(payload, g.baas_error.status)


def install(flask_app: Flask) -> None:
    flask_app.before_request(start_timer)
    flask_app.before_request(load_request_context)
    flask_app.before_request(check_rate_limit)  # after the auth is known: audiences and superusers
    flask_app.after_request(add_security_headers)
    flask_app.after_request(log_request)
    flask_app.register_error_handler(Exception, render_error)  # ApiErrors and werkzeug's HTTP errors too
