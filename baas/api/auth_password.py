"""`POST /api/collections/{c}/auth-with-password` `{identity, password, identityField?, mfaId?}`."""

from __future__ import annotations

from flask import Blueprint

from ..core import password_auth
from .auth_common import auth_collection_or_404, body, client_ip, mfa_id, render_auth
from .util import core, ctx

bp = Blueprint("auth_password", __name__)


@bp.post("/api/collections/<collection>/auth-with-password")
def auth_with_password(collection: str):
    found = auth_collection_or_404(collection)
    data = body()
    result = password_auth.auth_with_password(core(), found, data, ctx(), ip=client_ip(), mfa_id=mfa_id(data))
    return render_auth(result)
