"""`POST /api/collections/{c}/auth-refresh`: a new token for the caller's own record."""

from __future__ import annotations

from flask import Blueprint, request

from .. import errors
from ..core.auth import auth_token
from ..core.tokens import peek
from .auth_common import auth_collection_or_404, auth_response
from .middleware import token_from_header
from .util import json_response, require_auth

bp = Blueprint("auth_refresh", __name__)


@bp.post("/api/collections/<collection>/auth-refresh")
def auth_refresh(collection: str):
    found = auth_collection_or_404(collection)
    context = require_auth()
    record = context.auth
    if record is None or record.collection.id != found.id:
        raise errors.forbidden(f"The request requires auth record from {record.collection.name if record else found.name} collection.")
    current = token_from_header(request.headers.get("Authorization", ""))
    token = auth_token(record) if peek(current).get("refreshable", True) else current
    return json_response(auth_response(record, token))
