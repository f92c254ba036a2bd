"""Realtime: PocketBase's Server-Sent Events subscriptions (`pb.realtime`, `collection.subscribe()`).

    GET  /api/realtime   open the SSE stream; the first message is PB_CONNECT {"clientId": ...}
    POST /api/realtime   {clientId, subscriptions}: replace the client's topics and bind the caller's
                         auth to it (204); 404 unknown client, 400 other IP, 403 other auth

Everything else (the client registry, rules, cross-process delivery) is `baas.core.realtime`.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Response, request

from .. import errors
from ..core.realtime import MAX_CLIENT_ID_LENGTH, MAX_SUBSCRIPTIONS, MAX_TOPIC_LENGTH
from ..core.realtime.stream import stream
from ..errors import FieldError
from .pipeline import client_ip, token_from_header
from .util import core, ctx, no_content

bp = Blueprint("realtime", __name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@bp.get("/api/realtime")
def connect() -> Response:
    service = core().realtime
    event = service.connect(ctx(), client_ip(core(), request))
    body = stream(service, event, request.environ.get("gunicorn.socket"))
    response = Response(body, status=200, content_type="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.post("/api/realtime")
def set_subscriptions() -> Response:
    client_id, subscriptions = subscription_form()
    token = token_from_header(request.headers.get("Authorization", "")) if ctx().auth is not None else ""
    core().realtime.subscribe(client_id, subscriptions, ctx(), ip=client_ip(core(), request), token=token)
    return no_content()


def subscription_form() -> tuple[str, list[str]]:
    """`clientId` and `subscriptions` from a JSON or form body, validated with PocketBase's limits."""
    if request.mimetype in FORM_TYPES:
        data: Any = {"clientId": request.form.get("clientId", ""), "subscriptions": request.form.getlist("subscriptions")}
    else:
        raw = request.get_data(cache=True)
        try:
            data = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError as error:
            raise errors.bad_request(cause=error) from error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise errors.bad_request()
    client_id = data.get("clientId")
    subscriptions = data.get("subscriptions")
    if client_id is None:
        client_id = ""
    if subscriptions is None:
        subscriptions = []
    if not isinstance(client_id, str) or not isinstance(subscriptions, list) or not all(isinstance(s, str) for s in subscriptions):
        raise errors.bad_request()
    problems: dict[str, Any] = {}
    if not client_id:
        problems["clientId"] = FieldError("validation_required", "Cannot be blank.")
    elif len(client_id) > MAX_CLIENT_ID_LENGTH:
        problems["clientId"] = FieldError(
            "validation_length_out_of_range", f"The length must be between 1 and {MAX_CLIENT_ID_LENGTH}.",
            {"max": MAX_CLIENT_ID_LENGTH, "min": 1},
        )
    if len(subscriptions) > MAX_SUBSCRIPTIONS:
        problems["subscriptions"] = FieldError(
            "validation_length_too_long", f"The length must be no more than {MAX_SUBSCRIPTIONS}.", {"max": MAX_SUBSCRIPTIONS, "min": 0}
        )
    else:
        too_long = {
            str(index): FieldError(
                "validation_length_too_long", f"The length must be no more than {MAX_TOPIC_LENGTH}.", {"max": MAX_TOPIC_LENGTH, "min": 0}
            )
            for index, topic in enumerate(subscriptions)
            if len(topic) > MAX_TOPIC_LENGTH
        }
        if too_long:
            problems["subscriptions"] = too_long
    if problems:
        raise errors.bad_request(data=problems)
    return client_id, subscriptions
