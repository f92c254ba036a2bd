"""Files.

    POST /api/files/token                                   a short-lived file token for the caller
    GET  /api/files/<collection>/<recordId>/<filename>      the file (thumb=, download=1, token=)

Downloads stream from storage, answer Range requests (206) and conditional ones (ETag / Last-Modified ->
304), and carry headers that keep an uploaded HTML or SVG file from running as a page of this site.
Protected files need `?token=` and pass only when the token's owner passes the collection's viewRule.
"""

from __future__ import annotations

import hashlib
from email.utils import format_datetime, parsedate_to_datetime

from flask import Blueprint, Response, request

from .. import errors
from ..core.context import RequestContext
from ..core.files import detect_type, file_token, record_from_file_token
from ..core.thumbs import allowed, ensure_thumb
from ..storage.paths import file_key
from .util import core, json_response, require_auth

bp = Blueprint("files", __name__)

CACHE_CONTROL = "max-age=2592000, stale-while-revalidate=86400"
SANDBOX_CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox"


@bp.post("/api/files/token")
def token():
    context = require_auth()
    if context.auth is None:
        raise errors.unauthorized()
    return json_response({"token": file_token(context.auth)})


@bp.get("/api/files/<collection>/<record_id>/<filename>")
def download(collection: str, record_id: str, filename: str):
    app = core()
    found = app.collections.get(collection)
    record = app.records_repo.find(found, record_id) if found is not None else None
    field = _field_holding(record, filename) if record is not None else None
    if field is None:
        raise errors.not_found()
    if field.protected:
        auth = record_from_file_token(app, request.args.get("token", ""))
        viewer = RequestContext(auth=auth, method="GET", context="protectedFile")
        if not app.records.can_view(record, viewer):
            raise errors.not_found()
    storage = app.files.storage
    key = file_key(found.id, record.id, filename)
    info = storage.stat(key)
    if info is None:
        raise errors.not_found()
    content_type = detect_type(b"".join(storage.read(key, 0, 511)))
    thumb = request.args.get("thumb", "")
    if thumb and allowed(thumb, field.thumbs):
        thumb_key = ensure_thumb(storage, key, content_type, found.id, record.id, filename, thumb)
        if thumb_key is not None:
            key, info = thumb_key, storage.stat(thumb_key)
            content_type = detect_type(b"".join(storage.read(key, 0, 511)))
    return _serve(storage, key, info, content_type, filename, private=field.protected)


def _field_holding(record, filename: str):
    for field in record.collection.fields:
        if field.type == "file" and filename in field.items(record.get(field.name)):
            return field
    return None


def _serve(storage, key: str, info, content_type: str, filename: str, *, private: bool) -> Response:
    etag = '"' + hashlib.sha1(f"{key}:{info.size}:{info.modified.timestamp()}".encode()).hexdigest()[:20] + '"'
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(info.modified, usegmt=True),
        "Cache-Control": ("private, " if private else "") + CACHE_CONTROL,
        "Content-Security-Policy": SANDBOX_CSP,
        "X-Content-Type-Options": "nosniff",
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'{"attachment" if _wants_download() else "inline"}; filename="{filename}"',
    }
    if _not_modified(etag, info.modified):
        return Response(status=304, headers=headers)
    start, end = 0, info.size - 1
    status = 200
    wanted = request.headers.get("Range", "")
    if wanted and info.size:
        parsed = _parse_range(wanted, info.size)
        if parsed is None:
            return Response(status=416, headers={**headers, "Content-Range": f"bytes */{info.size}"})
        start, end = parsed
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    body = storage.read(key, start, end) if info.size else iter(())
    response = Response(body, status=status, headers=headers, mimetype=content_type, direct_passthrough=True)
    response.content_length = (end - start + 1) if info.size else 0
    return response


def _wants_download() -> bool:
    value = request.args.get("download", "")
    return value not in ("", "0", "false")


def _not_modified(etag: str, modified) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
    if_modified_since = request.headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            return int(modified.timestamp()) <= int(parsedate_to_datetime(if_modified_since).timestamp())
        except (TypeError, ValueError):
            return False
    return False


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One `bytes=a-b`, `bytes=a-` or `bytes=-n` range within the file, else None (a 416)."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if first == "":
            length = int(last)
            if length <= 0:
                return None
            return max(size - length, 0), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start > end or start >= size:
        return None
    return start, min(end, size - 1)
