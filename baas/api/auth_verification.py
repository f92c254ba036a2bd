"""Email verification.

    POST /api/collections/<c>/request-verification   {email}  -> 204 (always, account or not)
    POST /api/collections/<c>/confirm-verification   {token}  -> 204
"""

from __future__ import annotations

from flask import Blueprint

from ..core import verification
from .auth_common import auth_collection_or_404, body, client_ip
from .util import core, ctx, no_content

bp = Blueprint("auth_verification", __name__)


@bp.post("/api/collections/<collection>/request-verification")
def request_verification(collection: str):
    verification.request_verification(core(), auth_collection_or_404(collection), body(), ctx(), ip=client_ip())
    return no_content()


@bp.post("/api/collections/<collection>/confirm-verification")
def confirm_verification(collection: str):
    verification.confirm_verification(core(), auth_collection_or_404(collection), body(), ctx(), ip=client_ip())
    return no_content()
