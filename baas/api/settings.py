"""Settings (superusers only).

    GET   /api/settings      the settings without secrets
    PATCH /api/settings      a partial change -> the new settings
"""

from __future__ import annotations

from flask import Blueprint

from .util import core, json_body, json_response, require_superuser

bp = Blueprint("settings", __name__)


@bp.before_request
def superusers_only():
    require_superuser()


@bp.get("/api/settings")
def get_settings():
    return json_response(core().settings.public())


@bp.patch("/api/settings")
def update_settings():
    return json_response(core().settings.update(json_body()))
