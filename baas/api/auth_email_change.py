"""Email change.

    POST /api/collections/<c>/request-email-change   {newEmail}         (auth of <c>) -> 204
    POST /api/collections/<c>/confirm-email-change   {token, password}                -> 204
"""

from __future__ import annotations

from flask import Blueprint

from ..core import email_change
from .auth_common import auth_collection_or_404, body, client_ip
from .util import core, ctx, no_content

bp = Blueprint("auth_email_change", __name__)


@bp.post("/api/collections/<collection>/request-email-change")
def request_email_change(collection: str):
    email_change.request_email_change(core(), auth_collection_or_404(collection), body(), ctx(), ip=client_ip())
    return no_content()


@bp.post("/api/collections/<collection>/confirm-email-change")
def confirm_email_change(collection: str):
    email_change.confirm_email_change(core(), auth_collection_or_404(collection), body(), ctx(), ip=client_ip())
    return no_content()
