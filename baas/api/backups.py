"""Backups (superusers; the download takes a superuser file token instead).

    GET    /api/backups                  [{key, size, modified}]
    POST   /api/backups                  {name?} -> 204
    POST   /api/backups/upload           multipart `file` -> 204
    GET    /api/backups/<key>?token=     the zip
    DELETE /api/backups/<key>            -> 204
    POST   /api/backups/<key>/restore    -> 204
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from .. import errors
from ..core.files import record_from_file_token
from ..core.superusers import SUPERUSERS
from .util import core, json_body, json_response, no_content, require_superuser

bp = Blueprint("backups", __name__)


@bp.get("/api/backups")
def list_backups():
    require_superuser()
    return json_response(core().backups.list())


@bp.post("/api/backups")
def create_backup():
    require_superuser()
    name = json_body().get("name") or ""
    core().backups.create(str(name))
    return no_content()


@bp.post("/api/backups/upload")
def upload_backup():
    require_superuser()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise errors.bad_request(
            "An error occurred while validating the submitted data.",
            {"file": errors.FieldError("validation_required", "Cannot be blank.")},
        )
    core().backups.upload(upload.filename, upload.stream)
    return no_content()


@bp.get("/api/backups/<key>")
def download_backup(key: str):
    holder = record_from_file_token(core(), request.args.get("token", ""))
    if holder is None or holder.collection.name != SUPERUSERS:
        raise errors.forbidden("Insufficient permissions to access the resource.")
    chunks, info = core().backups.read(key)
    response = Response(chunks, mimetype="application/zip", direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{key}"'
    response.content_length = info.size
    return response


@bp.delete("/api/backups/<key>")
def delete_backup(key: str):
    require_superuser()
    core().backups.delete(key)
    return no_content()


@bp.post("/api/backups/<key>/restore")
def restore_backup(key: str):
    require_superuser()
    core().backups.restore(key)
    return no_content()
