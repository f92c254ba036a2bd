"""What the auth endpoints share: finding the auth collection and the `{token, record, meta}` answer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import request

from .. import errors
from ..core.records.record import Record
from ..schema.collection import Collection
from .render import render_record
from .util import core, ctx


def auth_collection_or_404(id_or_name: str) -> Collection:
    collection = core().collections.get(id_or_name)
    if collection is None or not collection.is_auth:
        raise errors.not_found("Missing or invalid auth collection context.")
    return collection


def auth_response(record: Record, token: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record as its owner sees it (email included); `expand`/`fields` from the query apply."""
    owner = replace(ctx(), auth=record)
    expand = request.args.get("expand", "")
    if expand:
        core().records.expand([record], expand, owner)
    out: dict[str, Any] = {"record": render_record(record, request.args.get("fields", ""), owner), "token": token}
    if meta is not None:
        out["meta"] = meta
    return out
