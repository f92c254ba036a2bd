"""`POST /api/collections/{c}/auth-with-password` `{identity, password, identityField?}`."""

from __future__ import annotations

from flask import Blueprint

from .. import errors
from ..core.auth import auth_token, password_sign_in
from ..errors import FieldError
from .auth_common import auth_collection_or_404, auth_response
from .util import core, json_body, json_response

bp = Blueprint("auth_password", __name__)

BLANK = FieldError("validation_required", "Cannot be blank.")


@bp.post("/api/collections/<collection>/auth-with-password")
def auth_with_password(collection: str):
    found = auth_collection_or_404(collection)
    body = json_body()
    identity, password = body.get("identity"), body.get("password")
    problems = {key: BLANK for key, value in (("identity", identity), ("password", password)) if not value}
    if problems:
        raise errors.bad_request("An error occurred while validating the submitted data.", problems)
    record = password_sign_in(core(), found, str(identity), str(password), str(body.get("identityField") or ""))
    return json_response(auth_response(record, auth_token(record)))
