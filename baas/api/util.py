"""Small helpers every API module uses: the App, the caller's context, JSON in and out, access checks."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, current_app, g, request

from .. import errors
from ..core.app import App
from ..core.context import RequestContext


def core() -> App:
    return current_app.extensions["baas"]


def ctx() -> RequestContext:
    return g.baas_ctx


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, mimetype="application/json")


def no_content() -> Response:
    return Response(status=204)


def json_body() -> dict[str, Any]:
    """The JSON object body; anything else is a 400 in the error shape."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise errors.bad_request(cause=error) from error
    if not isinstance(data, dict):
        raise errors.bad_request()
    return data


def require_auth() -> RequestContext:
    context = ctx()
    if context.auth is None and not context.system_access:
        raise errors.unauthorized()
    return context


def require_superuser() -> RequestContext:
    context = require_auth()
    if not context.is_superuser:
        raise errors.forbidden()
    return context
