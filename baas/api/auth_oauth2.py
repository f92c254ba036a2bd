"""`POST /api/collections/{c}/auth-with-oauth2` `{provider, code, codeVerifier, redirectURL, createData?, mfaId?}`."""

from __future__ import annotations

from flask import Blueprint

from ..core import oauth2
from .auth_common import auth_collection_or_404, body, client_ip, mfa_id, render_auth
from .ratelimit import rate_limit_actions
from .util import core, ctx

bp = Blueprint("auth_oauth2", __name__)
bp.record_once(lambda state: oauth2.install(state.app.extensions["baas"]))


@bp.post("/api/collections/<collection>/auth-with-oauth2")
@rate_limit_actions("authWithOAuth2", "auth")
def auth_with_oauth2(collection: str):
    found = auth_collection_or_404(collection)
    data = body()
    return render_auth(oauth2.auth_with_oauth2(core(), found, data, ctx(), ip=client_ip(), mfa_id=mfa_id(data)))
