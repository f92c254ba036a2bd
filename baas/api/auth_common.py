"""What the auth endpoints share: the auth collection, the client's address, the request body and the
`{token, record, meta}` answer (or 401 `{"mfaId"}` when a second factor is needed)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
from flask import Response, request

from .. import errors
from ..core.auth_flows import LOADING_FAILED, AuthResult
from ..schema.collection import Collection
from . import pipeline
from .render import render_record
from .util import core, ctx, json_response

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def auth_collection_or_404(id_or_name: str) -> Collection:
    collection = core().collections.get(id_or_name)
    if collection is None or not collection.is_auth:
        raise errors.not_found("Missing or invalid auth collection context.")
    return collection


def client_ip() -> str:
    return pipeline.client_ip(core(), request)


def body() -> dict[str, Any]:
    """The JSON or form body of an auth action; anything unreadable is PocketBase's loading error."""
    if request.mimetype in FORM_TYPES:
        return {key: request.form.get(key) for key in request.form}
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise errors.bad_request(LOADING_FAILED, cause=error) from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise errors.bad_request(LOADING_FAILED)
    return data


def mfa_id(data: dict[str, Any]) -> str:
    """The MFA session the client continues: `?mfaId=` or the body's `mfaId`."""
    value = request.args.get("mfaId") or data.get("mfaId") or ""
    return value if isinstance(value, str) else ""


def render_auth(result: AuthResult) -> Response:
    """200 with the record as its owner sees it (email included; `expand`/`fields` apply), or 401 mfaId."""
    if result.mfa_id:
        return json_response({"mfaId": result.mfa_id}, 401)
    owner = replace(ctx(), auth=result.record)
    expand = request.args.get("expand", "")
    if expand:
        core().records.expand([result.record], expand, owner)
    out: dict[str, Any] = {"record": render_record(core(), result.record, request.args.get("fields", ""), owner), "token": result.token}
    if result.meta is not None:
        out["meta"] = result.meta
    return json_response(out)
