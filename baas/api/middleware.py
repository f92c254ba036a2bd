"""What runs around every request: schema refresh, the caller's auth, security headers, errors."""

from __future__ import annotations

import logging

from flask import Flask, g, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from .. import errors
from ..core.auth import record_from_token
from ..core.context import RequestContext
from . import request_log
from .ratelimit import check_rate_limit
from .util import core, json_response

log = logging.getLogger("baas.api")

SECURITY_HEADERS = {
    "X-XSS-Protection": "1; mode=block",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_HTTP_MESSAGES = {
    404: "The requested resource wasn't found.",
    405: "The requested resource wasn't found.",
    413: "Request entity too large.",
}


def token_from_header(value: str) -> str:
    """`Authorization: <token>` with an optional, case-insensitive `Bearer ` prefix."""
    value = value.strip()
    if value[:7].lower() == "bearer ":
        return value[7:].strip()
    return value


def normalized_headers() -> dict[str, str]:
    """Header names as rules see them: lowercase, `-` replaced by `_`."""
    return {name.lower().replace("-", "_"): value for name, value in request.headers.items()}


def load_request_context() -> None:
    app = core()
    try:
        app.refresh()
        token = token_from_header(request.headers.get("Authorization", ""))
        auth = record_from_token(app, token) if token else None
    except SQLAlchemyError:
        if request.path != "/api/health":  # the health check reports the outage itself
            raise
        auth = None
    g.baas_ctx = RequestContext(
        auth=auth,
        method=request.method,
        headers=normalized_headers(),
        query={key: request.args.get(key, "") for key in request.args},
    )


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/files/"):  # as PocketBase: stored files may be embedded (a PDF in a frame)
        response.headers.pop("X-Frame-Options", None)
    return response


def render_api_error(error: errors.ApiError):
    g.baas_error = error
    if error.cause is not None and error.status >= 500:
        log.error("request failed: %s", error.cause, exc_info=error.cause)
    return json_response(error.to_json(), error.status)


def render_http_exception(error: HTTPException):
    if not request.path.startswith("/api/"):
        return error
    status = error.code or 500
    message = _HTTP_MESSAGES.get(status, error.description or error.name)
    g.baas_error = errors.ApiError(status, message)
    return json_response({"status": 404 if status == 405 else status, "message": message, "data": {}}, 404 if status == 405 else status)


def render_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return render_http_exception(error)
    log.exception("unexpected error on %s %s", request.method, request.path)
    g.baas_error = errors.ApiError(500, f"{type(error).__name__}: {error}")  # for the request log only
    return json_response({"status": 500, "message": "Something went wrong while processing your request.", "data": {}}, 500)


def install(flask_app: Flask) -> None:
    flask_app.before_request(request_log.start)
    flask_app.before_request(load_request_context)
    flask_app.before_request(check_rate_limit)  # after the auth is known: audiences and superusers
    flask_app.after_request(add_security_headers)
    flask_app.after_request(request_log.record)
    flask_app.register_error_handler(errors.ApiError, render_api_error)
    flask_app.register_error_handler(HTTPException, render_http_exception)
    flask_app.register_error_handler(Exception, render_unexpected)
