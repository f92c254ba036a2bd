"""Everything a plugin author needs, in one import: `from baas.plugin_api import hookimpl, bad_request, ...`.

    hookimpl                   mark a hook implementation (`@hookimpl`, `@hookimpl(wrapper=True)`, tryfirst/trylast)
    ApiError, FieldError       the error type (PocketBase's {"status", "message", "data"}) and a field's error
    bad_request, unauthorized, forbidden, not_found, too_many_requests     ApiError factories (400 401 403 404 429)
    require_auth()             in a route: the caller's RequestContext, or a 401 for guests
    require_superuser()        in a route: the caller's RequestContext, or 401 / 403
    current_auth()             in a route: the signed-in record (a superuser or any auth record) or None
    ctx()                      in a route: the caller's RequestContext (pass it to services)
    json_body()                in a route: the JSON object body (a 400 for anything else)
    json_response(data, status=200), no_content()
    get_app()                  in a route: the App (services, config, cron, hooks); hooks get it as `event.app`
    App, RequestContext, Record, Collection                     the types hooks and services use
    events                     the event payload classes (`events.RecordEvent`, ...)
    spawn(fn, *args)           run `fn` in the background (a greenlet under gevent, else a daemon thread)
    ensure_collection(app, definition)   a collection the plugin needs, created at bootstrap when missing
    record_json(record, ctx=None)        a record as the API shows it to `ctx` (default: a superuser)

Custom routes are Flask blueprints registered in `baas_serve(app, flask_app)`; the error handler and the
auth middleware of the API apply to them. See docs/plugins.md for a worked example and docs/hooks.md for
every hook.
"""

from __future__ import annotations

import copy
from typing import Any

from .api.util import core as get_app
from .api.util import ctx, json_body, json_response, no_content, require_auth, require_superuser
from .core.app import App
from .core.context import RequestContext
from .core.cron import spawn
from .core.records.record import Record
from .core.records.serialize import to_api
from .errors import ApiError, FieldError, bad_request, forbidden, not_found, too_many_requests, unauthorized
from .hooks import events, hookimpl
from .hooks.loader import PluginLoadError
from .schema.collection import Collection

__all__ = [
    "ApiError",
    "App",
    "Collection",
    "FieldError",
    "PluginLoadError",
    "Record",
    "RequestContext",
    "bad_request",
    "ctx",
    "current_auth",
    "ensure_collection",
    "events",
    "forbidden",
    "get_app",
    "hookimpl",
    "json_body",
    "json_response",
    "no_content",
    "not_found",
    "require_auth",
    "record_json",
    "require_superuser",
    "spawn",
    "too_many_requests",
    "unauthorized",
]


def current_auth() -> Record | None:
    """The record the current request is signed in as (a `_superusers` record or any auth record)."""
    return ctx().auth


def record_json(record: Record, viewer: RequestContext | None = None) -> dict[str, Any]:
    """`record` as the API shows it to `viewer` (default: a superuser, who sees hidden fields; passwords and
    tokenKey are never shown), without `fields=` or `expand`."""
    return to_api(record, viewer or RequestContext.system())


def ensure_collection(app: App, definition: dict[str, Any]) -> Collection:
    """The collection named `definition["name"]`, created from `definition` (the collections API's JSON)
    when it does not exist. Meant for `baas_bootstrap`: several workers and nodes bootstrap at once, and
    losing the creation race to another process is not an error. An existing collection is returned as it
    is, even if its fields differ from `definition`."""
    app.refresh()
    existing = app.collections.get(definition["name"])
    if existing is not None:
        return existing
    try:
        return app.collections_service.create(copy.deepcopy(definition))
    except ApiError:
        app.refresh()
        existing = app.collections.get(definition["name"])
        if existing is None:
            raise
        return existing
