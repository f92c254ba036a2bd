"""Checks of the settings' external services (superusers only).

    POST /api/settings/test/email   {email, template, collection?}  -> 204 once the SMTP server accepted it
    POST /api/settings/test/s3      {filesystem: "storage"|"backups"} -> 204 once a probe file was written,
                                    read back and removed; 400 `Failed to test the S3 filesystem. Raw error: ...`

The S3 check uses the saved settings (`s3` for record files, `backups.s3` for backups), as PocketBase does.
"""

from __future__ import annotations

import orjson
from flask import Blueprint, request

from .. import errors
from ..core import record_mails
from ..errors import FieldError
from ..core.files import S3_TEST_FAILED as S3_FAILED
from ..core.files import test_s3 as test_s3_storage
from .util import core, json_body, no_content, require_superuser

bp = Blueprint("settings_test", __name__)

S3_FILESYSTEMS = ("storage", "backups")


@bp.before_request
def superusers_only():
    require_superuser()


@bp.post("/api/settings/test/email")
def test_email():
    record_mails.send_test(core(), json_body())
    return no_content()


@bp.post("/api/settings/test/s3")
def test_s3():
    test_s3_storage(core(), _s3_filesystem())
    return no_content()


def _s3_filesystem() -> str:
    raw = request.get_data(cache=True)
    try:
        body = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as error:
        raise errors.bad_request("An error occurred while loading the submitted data.", cause=error) from error
    if not isinstance(body, dict) or not isinstance(body.get("filesystem", ""), str):
        raise errors.bad_request("An error occurred while loading the submitted data.")
    filesystem = body.get("filesystem", "")
    if not filesystem:
        raise errors.bad_request(S3_FAILED, {"filesystem": FieldError("validation_required", "Cannot be blank.")})
    if filesystem not in S3_FILESYSTEMS:
        raise errors.bad_request(S3_FAILED, {"filesystem": FieldError("validation_in_invalid", "Must be a valid value.")})
    return filesystem
