"""One-time passwords.

    POST /api/collections/<c>/request-otp    {email}                  -> 200 {otpId} (for any email)
    POST /api/collections/<c>/auth-with-otp  {otpId, password, mfaId?} -> 200 auth answer | 401 {mfaId}
"""

from __future__ import annotations

from flask import Blueprint

from ..core import otp
from .auth_common import auth_collection_or_404, body, client_ip, mfa_id, render_auth
from .util import core, ctx, json_response

bp = Blueprint("auth_otp", __name__)


@bp.post("/api/collections/<collection>/request-otp")
def request_otp(collection: str):
    otp_id = otp.request_otp(core(), auth_collection_or_404(collection), body(), ctx(), ip=client_ip())
    return json_response({"otpId": otp_id})


@bp.post("/api/collections/<collection>/auth-with-otp")
def auth_with_otp(collection: str):
    found = auth_collection_or_404(collection)
    data = body()
    return render_auth(otp.auth_with_otp(core(), found, data, ctx(), ip=client_ip(), mfa_id=mfa_id(data)))
