"""Checks of the settings' external services (superusers only).

    POST /api/settings/test/email   {email, template, collection?}  -> 204 once the SMTP server accepted it
"""

from __future__ import annotations

from flask import Blueprint

from ..core import record_mails
from .util import core, json_body, no_content, require_superuser

bp = Blueprint("settings_test", __name__)


@bp.before_request
def superusers_only():
    require_superuser()


@bp.post("/api/settings/test/email")
def test_email():
    record_mails.send_test(core(), json_body())
    return no_content()
