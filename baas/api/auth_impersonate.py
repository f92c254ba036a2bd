"""`POST /api/collections/{c}/impersonate/{id}` `{duration?}` (superusers): a non-refreshable token."""

from __future__ import annotations

from flask import Blueprint

from ..core import impersonate
from .auth_common import auth_collection_or_404, body, client_ip, render_auth
from .util import core, ctx, require_superuser

bp = Blueprint("auth_impersonate", __name__)


@bp.post("/api/collections/<collection>/impersonate/<record_id>")
def impersonate_record(collection: str, record_id: str):
    require_superuser()
    found = auth_collection_or_404(collection)
    return render_auth(impersonate.impersonate(core(), found, record_id, body(), ctx(), ip=client_ip()))
