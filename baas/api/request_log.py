"""One log entry per API request (method, URL, status, time, auth, IPs, error), queued for the logs store."""

from __future__ import annotations

import time

from flask import Response, g, request

from ..core.logs import ERROR, INFO, WARN
from .util import core


def client_ip(trusted_headers: list[str], leftmost: bool) -> str:
    """The client's IP: from the first configured proxy header that is present, else the socket peer."""
    for header in trusted_headers:
        value = request.headers.get(header, "")
        if value:
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if parts:
                return parts[0] if leftmost else parts[-1]
    return request.remote_addr or ""


def start() -> None:
    g.baas_started = time.perf_counter()


def record(response: Response) -> Response:
    if not request.path.startswith("/api/") or "baas_started" not in g:
        return response
    app = core()
    settings = app.settings.get()
    log_settings, proxy = settings["logs"], settings["trustedProxy"]
    context = g.get("baas_ctx")
    auth = context.auth if context is not None else None
    status = response.status_code
    data = {
        "type": "request",
        "method": request.method,
        "url": request.full_path.rstrip("?"),
        "status": status,
        "execTime": round((time.perf_counter() - g.baas_started) * 1000, 3),
        "auth": auth.collection.name if auth is not None else "",
        "referer": request.referrer or "",
        "userAgent": request.user_agent.string,
    }
    if log_settings.get("logIP", True):
        data["remoteIP"] = request.remote_addr or ""
        data["userIP"] = client_ip(proxy.get("headers") or [], bool(proxy.get("useLeftmostIP")))
    if log_settings.get("logAuthId") and auth is not None:
        data["authId"] = auth.id
    error = g.get("baas_error")
    if error is not None:
        data["error"] = error.message
        if error.data:
            data["details"] = error.to_json()["data"]
    level = ERROR if status >= 500 else WARN if status >= 400 else INFO
    app.logs.add(level, f"{request.method} {data['url']}", data)
    return response
