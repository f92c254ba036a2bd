"""What every console page shares, in one place (Django admin's `AdminSite`).

* `install(bp)` adds the protection of every view: the CSRF check on each unsafe request, the sign-in
  gate (every endpoint but those in `PUBLIC_ENDPOINTS` needs a superuser session), `no-store` caching and a
  strict Content-Security-Policy (scripts and styles from the console's own origin only).
* `each_context()` is the context processor: site title, the collections for the sidebar, the user.
* `render(template, collection=...)` resolves `admin_ui/collections/<name>/<template>` before
  `admin_ui/<template>`, so one collection's screens can be overridden without touching the others.
* `console_ctx()` is the `RequestContext` the services get: the signed-in superuser's own record.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from baas.core.app import App
from baas.core.context import RequestContext
from baas.errors import ApiError
from baas.schema.collection import Collection

log = logging.getLogger("baas.console")

#: endpoints reachable without a superuser session
PUBLIC_ENDPOINTS = frozenset({"admin_ui.login", "admin_ui.install", "admin_ui.static"})
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; "
    "form-action 'self'"
)

csrf = CSRFProtect()


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session for the console, with `Secure` set whenever the request came over https.

    `SESSION_COOKIE_SECURE` forces it everywhere; left off, the cookie still works on
    `http://127.0.0.1` during development and gets `Secure` as soon as the console is served over https.
    Requests outside the console never carry its cookie (its path is `/_/`), so they skip the session's
    signing work entirely: the JSON API is stateless and this runs on every API request.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def open_session(self, app: Flask, request_: Any):
        if not request_.path.startswith("/_/"):
            return self.null_session_class()
        return super().open_session(app, request_)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if session is None or self.is_null_session(session):
            return
        super().save_session(app, session, response)


def init_app(flask_app: Flask) -> None:
    flask_app.config.update(
        SESSION_COOKIE_NAME="baas_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/_/",  # the API never sees the console's cookie
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in the console's before_request only, never under /api/
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    flask_app.session_interface = ConsoleSessionInterface()
    csrf.init_app(flask_app)


def core() -> App:
    return current_app.extensions["baas"]


def console_ctx() -> RequestContext:
    """The caller as the services see it: the signed-in superuser's record, as `RequestContext(auth=...)`."""
    return RequestContext(
        auth=current_user.record,
        method=request.method,
        headers={name.lower().replace("-", "_"): value for name, value in request.headers.items()},
        query={},
    )


def render(template: str, *, collection: Collection | None = None, **context: Any) -> str:
    """Render the first of the per-collection and global versions of `template`."""
    names = [f"admin_ui/{template}"]
    if collection is not None:
        names.insert(0, f"admin_ui/collections/{collection.name}/{template}")
    return render_template(names, collection=collection, **context)


def sidebar_collections(app: App) -> dict[str, list[Collection]]:
    ordered = sorted(app.collections.all(), key=lambda c: c.name.lower())
    return {
        "user": [c for c in ordered if not c.system and not c.name.startswith("_")],
        "system": [c for c in ordered if c.system or c.name.startswith("_")],
    }


def each_context() -> dict[str, Any]:
    """Supplied to every console template (Django's `each_context`)."""
    if request.blueprint != "admin_ui":
        return {}
    app = core()
    meta = app.settings.get().get("meta", {})
    signed_in = current_user.is_authenticated
    return {
        "site_title": meta.get("appName") or "baas",
        "site_header": f"{meta.get('appName') or 'baas'} console",
        "signed_in": signed_in,
        "console_user": current_user.record if signed_in else None,
        "nav": sidebar_collections(app) if signed_in else {"user": [], "system": []},
    }


def _gate():
    """Before every console request: refresh caches, check CSRF, require a superuser session."""
    core().refresh()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    from .auth import session_expired

    if session_expired():
        return redirect(url_for("admin_ui.login", expired=1))
    if not current_user.is_authenticated:
        return redirect(url_for("admin_ui.login", next=request.full_path if request.method == "GET" else None))
    return None


def _headers(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def _csrf_failed(error: CSRFError):
    return render("error.html", status=400, title="Form expired", message=f"{error.description} Reload the page and try again."), 400


def _api_error(error: ApiError):
    return render("error.html", status=error.status, title="Request failed", message=error.message), error.status


def _http_error(error: HTTPException):
    status = error.code or 500
    return render("error.html", status=status, title=error.name, message=error.description), status


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("console error on %s %s", request.method, request.path)
    return render("error.html", status=500, title="Something went wrong", message="The error was logged."), 500


def install(bp: Blueprint) -> None:
    bp.before_request(_gate)
    bp.after_request(_headers)
    bp.context_processor(each_context)
    bp.register_error_handler(CSRFError, _csrf_failed)
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(Exception, _unexpected)
