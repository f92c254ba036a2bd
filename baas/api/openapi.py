"""OpenAPI documents of the records API (superusers only: they describe every collection's fields).

    GET /api/openapi.json                        every collection
    GET /api/collections/<c>/openapi.json        one collection
"""

from __future__ import annotations

from flask import Blueprint, request

from .. import errors
from ..core.openapi import build_document
from .util import core, json_response, require_superuser

bp = Blueprint("openapi", __name__)


@bp.get("/api/openapi.json")
def whole_api():
    require_superuser()
    return json_response(build_document(core().collections.all(), request.host_url.rstrip("/")))


@bp.get("/api/collections/<collection>/openapi.json")
def one_collection(collection: str):
    require_superuser()
    found = core().collections.get(collection)
    if found is None:
        raise errors.not_found("Missing collection context.")
    return json_response(build_document([found], request.host_url.rstrip("/")))
