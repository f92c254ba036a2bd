"""`GET /api/collections/{c}/auth-methods`: which sign-in methods an auth collection offers."""

from __future__ import annotations

from flask import Blueprint

from ..core import oauth2
from .auth_common import auth_collection_or_404
from .util import json_response

bp = Blueprint("auth_methods", __name__)


@bp.get("/api/collections/<collection>/auth-methods")
def auth_methods(collection: str):
    found = auth_collection_or_404(collection)
    options = found.options
    password = options.get("passwordAuth", {})
    identity_fields = list(password.get("identityFields") or [])
    mfa, otp = options.get("mfa", {}), options.get("otp", {})
    oauth2_methods = oauth2.auth_methods(found)
    legacy = [{**provider, "logo": ""} for provider in oauth2_methods["providers"]]  # PocketBase blanks it there
    return json_response(
        {
            "password": {"identityFields": identity_fields, "enabled": bool(password.get("enabled"))},
            "oauth2": oauth2_methods,
            "mfa": {"enabled": bool(mfa.get("enabled")), "duration": mfa.get("duration", 0) if mfa.get("enabled") else 0},
            "otp": {"enabled": bool(otp.get("enabled")), "duration": otp.get("duration", 0) if otp.get("enabled") else 0},
            "authProviders": legacy,
            "usernamePassword": bool(password.get("enabled")) and "username" in identity_fields,
            "emailPassword": bool(password.get("enabled")) and "email" in identity_fields,
        }
    )
