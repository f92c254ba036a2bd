"""`POST /api/collections/{c}/auth-refresh`: a new token for the caller's own record."""

from __future__ import annotations

from flask import Blueprint, request

from ..core import refresh
from .auth_common import auth_collection_or_404, client_ip, render_auth
from .pipeline import token_from_header
from .util import core, ctx

bp = Blueprint("auth_refresh", __name__)


@bp.post("/api/collections/<collection>/auth-refresh")
def auth_refresh(collection: str):
    found = auth_collection_or_404(collection)
    token = token_from_header(request.headers.get("Authorization", ""))
    return render_auth(refresh.auth_refresh(core(), found, ctx(), token, ip=client_ip()))
