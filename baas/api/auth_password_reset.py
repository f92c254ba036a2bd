"""Password reset.

    POST /api/collections/<c>/request-password-reset   {email}                            -> 204 (always)
    POST /api/collections/<c>/confirm-password-reset   {token, password, passwordConfirm} -> 204
"""

from __future__ import annotations

from flask import Blueprint

from ..core import password_reset
from .auth_common import auth_collection_or_404, body, client_ip
from .util import core, ctx, no_content

bp = Blueprint("auth_password_reset", __name__)


@bp.post("/api/collections/<collection>/request-password-reset")
def request_password_reset(collection: str):
    password_reset.request_password_reset(core(), auth_collection_or_404(collection), body(), ctx(), ip=client_ip())
    return no_content()


@bp.post("/api/collections/<collection>/confirm-password-reset")
def confirm_password_reset(collection: str):
    password_reset.confirm_password_reset(core(), auth_collection_or_404(collection), body(), ctx(), ip=client_ip())
    return no_content()
