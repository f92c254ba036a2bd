"""What every API request goes through, written against a plain werkzeug `Request` so that both front
doors share it: Flask's hooks (`middleware.py`) and the direct records endpoints (`direct.py`).

The caller's context (schema refresh + auth token), the client's IP, the response headers every API
answer carries, error answers, and the request log entry.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from .. import errors
from ..core.auth import record_from_token
from ..core.context import RequestContext
from ..core.logs import ERROR, INFO, WARN

if TYPE_CHECKING:
    from ..core.app import App

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
UNEXPECTED = {"status": 500, "message": "Something went wrong while processing your request.", "data": {}}


def token_from_header(value: str) -> str:
    """`Authorization: <token>` with an optional, case-insensitive `Bearer ` prefix."""
    value = value.strip()
    if value[:7].lower() == "bearer ":
        return value[7:].strip()
    return value


#: the WSGI keys of the two headers the environ holds without the `HTTP_` prefix
_UNPREFIXED_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")


def normalized_headers(request: Request) -> dict[str, str]:
    """Header names as rules see them: lowercase, `-` replaced by `_`. Read straight from the WSGI
    environ, where the names are already spelled so but upper case (werkzeug's header view re-spells each
    name Title-Case first); the headers it shows are the ones this gives."""
    headers = {}
    for key, value in request.environ.items():
        if key[:5] == "HTTP_":
            if key[5:] not in _UNPREFIXED_HEADERS:
                headers[key[5:].lower()] = value
        elif key in _UNPREFIXED_HEADERS and value:
            headers[key.lower()] = value
    return headers


def request_context(app: "App", request: Request) -> RequestContext:
    """Bring the per-process caches up to date, then read the caller's auth token."""
    app.refresh()
    headers = normalized_headers(request)
    token = token_from_header(headers.get("authorization", ""))
    return RequestContext(
        auth=record_from_token(app, token) if token else None,
        method=request.method,
        headers=headers,
        query=request.args.to_dict(),  # the first value of each parameter
    )


def client_ip(app: "App", request: Request) -> str:
    """The client's IP: from the first trusted proxy header present (`settings.trustedProxy`; its rightmost
    entry, or leftmost with `useLeftmostIP`), else the connection's address."""
    proxy = app.settings.get().get("trustedProxy") or {}
    for header in proxy.get("headers") or ():
        entries = [part.strip() for part in request.headers.get(str(header), "").split(",") if part.strip()]
        if entries:
            return entries[0] if proxy.get("useLeftmostIP") else entries[-1]
    return request.remote_addr or ""


def cors_headers(request: Request) -> list[tuple[str, str]]:
    """What flask-cors (origins `*`) adds to an API answer: the caller's Origin echoed, else `*`."""
    origin = request.environ.get("HTTP_ORIGIN")
    if origin:
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    return [("Access-Control-Allow-Origin", "*")]


def error_answer(request: Request, error: Exception) -> tuple[errors.ApiError, dict[str, Any]]:
    """An exception as the API answers it: the ApiError the request log records (its status is the
    answer's) and the JSON payload. Unexpected failures are logged here and answer a generic 500."""
    if isinstance(error, errors.ApiError):
        if error.cause is not None and error.status >= 500:
            log.error("request failed: %s", error.cause, exc_info=error.cause)
        return error, error.to_json()
    if isinstance(error, HTTPException):  # 404, 405 (a 404 for PocketBase), 413 ...
        status = error.code or 500
        api_error = errors.ApiError(404 if status == 405 else status, _HTTP_MESSAGES.get(status, error.description or error.name))
        return api_error, api_error.to_json()
    log.error("unexpected error on %s %s", request.method, request.path, exc_info=error)
    return errors.ApiError(500, f"{type(error).__name__}: {error}"), UNEXPECTED


def log_request(
    app: "App",
    request: Request,
    status: int,
    started: float,
    context: RequestContext | None,
    error: errors.ApiError | None,
) -> None:
    """Queue the request's log entry (method, URL, status, time, auth, IPs, error) for the logs store."""
    settings = app.settings.get()
    log_settings = settings["logs"]
    auth = context.auth if context is not None else None
    url = request.full_path.rstrip("?")
    data: dict[str, Any] = {
        "type": "request",
        "method": request.method,
        "url": url,
        "status": status,
        "execTime": round((time.perf_counter() - started) * 1000, 3),
        "auth": auth.collection.name if auth is not None else "",
        "referer": request.environ.get("HTTP_REFERER", ""),
        "userAgent": request.environ.get("HTTP_USER_AGENT", ""),
    }
    if log_settings.get("logIP", True):
        data["remoteIP"] = request.remote_addr or ""
        data["userIP"] = client_ip(app, request)
    if log_settings.get("logAuthId") and auth is not None:
        data["authId"] = auth.id
    if error is not None:
        data["error"] = error.message
        if error.data:
            data["details"] = error.to_json()["data"]
    level = ERROR if status >= 500 else WARN if status >= 400 else INFO
    app.logs.add(level, f"{request.method} {url}", data)
