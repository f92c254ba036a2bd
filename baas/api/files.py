"""Files.

    POST /api/files/token                                   a short-lived file token for the caller
    GET  /api/files/<collection>/<recordId>/<filename>      the file (thumb=, download=1, token=)

Downloads stream from storage, answer Range requests (206, several ranges as multipart/byteranges) and
conditional ones (ETag / Last-Modified -> 304, If-Match / If-Unmodified-Since -> 412, If-Range), and carry
headers that keep an uploaded HTML or SVG file from running as a page of this site: a sandboxing CSP,
`nosniff`, and `Content-Disposition: attachment` for every type outside PocketBase's inline list.
Protected files need `?token=` and pass only when the token's owner passes the collection's viewRule.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from email.utils import format_datetime, parsedate_to_datetime
from typing import Iterator

from flask import Blueprint, Response, request
from sqlalchemy import select

from .. import errors
from ..core.context import RequestContext
from ..core.files import SNIFF_BYTES, detect_type, file_token, record_from_file_token
from ..core.thumbs import allowed, ensure_thumb
from ..storage.paths import file_key
from .util import core, json_response, require_auth

bp = Blueprint("files", __name__)

CACHE_CONTROL = "max-age=2592000, stale-while-revalidate=86400"
SANDBOX_CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
#: the types PocketBase serves inline; everything else (HTML, SVG, text, ...) is an attachment
INLINE_TYPES = frozenset({
    "image/png", "image/jpg", "image/jpeg", "image/gif", "image/webp", "image/x-icon", "image/bmp",
    "video/webm", "video/mp4", "video/3gpp", "video/quicktime", "video/x-ms-wmv",
    "audio/basic", "audio/aiff", "audio/mpeg", "audio/midi", "audio/mp3", "audio/wave",
    "audio/wav", "audio/x-wav", "audio/x-mpeg", "audio/x-m4a", "audio/aac",
    "application/pdf", "application/x-pdf",
})
#: as PocketBase, these extensions get a fixed Content-Type (content sniffing cannot tell them from text)
EXTENSION_TYPES = {".svg": "image/svg+xml", ".css": "text/css", ".js": "text/javascript", ".mjs": "text/javascript"}
#: types served with `; charset=utf-8`, as PocketBase's detector names them
CHARSET_TYPES = frozenset({"text/plain", "text/html", "text/xml"})
_TRUE = ("1", "t", "T", "TRUE", "true", "True")  # Go's strconv.ParseBool, as PocketBase reads `download`


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
        auth = record_from_file_token(app, request.args.get("token", "").strip())
        viewer = RequestContext(auth=auth, method="GET", context="protectedFile")
        if not app.records.can_view(record, viewer):
            raise errors.not_found()
    storage = app.files.storage
    owner = _file_owner(app, found, record, filename)
    if owner is None:
        raise errors.not_found()
    collection_id, owner_id = owner
    key = file_key(collection_id, owner_id, filename)
    info = storage.stat(key)
    if info is None:
        raise errors.not_found()
    content_type = _sniff(storage, key, info.size)
    served_name = filename
    thumb = request.args.get("thumb", "")
    if thumb and allowed(thumb, field.thumbs):
        thumb_key = ensure_thumb(storage, key, content_type, collection_id, owner_id, filename, thumb)
        if thumb_key is not None:
            thumb_info = storage.stat(thumb_key)
            if thumb_info is not None:
                key, info, served_name = thumb_key, thumb_info, f"{thumb}_{filename}"
                content_type = _sniff(storage, key, info.size)
    return _serve(storage, key, info, content_type, served_name, private=field.protected)


def _field_holding(record, filename: str):
    for field in record.collection.fields:
        if field.type == "file" and filename in field.items(record.get(field.name)):
            return field
    return None


def _file_owner(app, collection, record, filename: str) -> tuple[str, str] | None:
    """(collection id, record id) under which the file is stored: the record's own, or for a view record the
    record of a collection the view reads from whose file field holds the name (as PocketBase's
    FindRecordByViewFile; names carry a random suffix and clients cannot invent them, so one record holds it)."""
    if not collection.is_view:
        return collection.id, record.id
    for source in _view_sources(app, collection, set()):
        for candidate in source.fields:
            if candidate.type != "file":
                continue
            table = source.table(app.db.dialect)
            column = table.c[candidate.name]
            if candidate.is_multiple():
                elements = app.db.dialect.json_array_elements(column, "names")
                condition = select(elements.c.value).where(elements.c.value == filename).exists()
            else:
                condition = column == filename
            with app.db.read() as connection:
                found = connection.execute(select(table.c.id).where(condition).limit(1)).scalar()
            if found is not None:
                return source.id, str(found)
    return None


def _view_sources(app, view, seen: set[str]) -> list:
    """The non-view collections a view's query names, through views of views."""
    query = view.view_query.lower()
    sources = []
    for other in app.collections.all():
        if other.id in seen or other.id == view.id or not re.search(rf"(?<![\w$]){re.escape(other.name.lower())}(?![\w$])", query):
            continue
        seen.add(other.id)
        sources += _view_sources(app, other, seen) if other.is_view else [other]
    return sources


def _sniff(storage, key: str, size: int) -> str:
    """The type from the stored bytes, the same way an upload's type is found."""
    return detect_type(b"".join(storage.read(key, 0, SNIFF_BYTES - 1)) if size else b"")


def response_type(content_type: str, filename: str, size: int) -> str:
    """The Content-Type header: the detected type, PocketBase's per-extension exceptions, and a charset
    for text (not for an empty file, as PocketBase)."""
    dot = filename.rfind(".")
    fixed = EXTENSION_TYPES.get(filename[dot:].lower()) if dot >= 0 else None
    if fixed:
        return fixed
    if content_type in CHARSET_TYPES and size:
        return f"{content_type}; charset=utf-8"
    return content_type


def _serve(storage, key: str, info, content_type: str, filename: str, *, private: bool) -> Response:
    etag = '"' + hashlib.sha1(f"{key}:{info.size}:{info.modified.timestamp()}".encode()).hexdigest()[:20] + '"'
    disposition = "attachment" if _wants_download() or content_type not in INLINE_TYPES else "inline"
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(info.modified, usegmt=True),
        "Cache-Control": ("private, " if private else "") + CACHE_CONTROL,
        "Content-Security-Policy": SANDBOX_CSP,
        "X-Content-Type-Options": "nosniff",
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'{disposition}; filename="{filename}"',
    }
    if _precondition_failed(etag, info.modified):
        return Response(status=412, headers=headers)
    if _not_modified(etag, info.modified):
        return Response(status=304, headers=headers)
    served_type = response_type(content_type, filename, info.size)
    size = info.size
    wanted = request.headers.get("Range", "")
    if wanted and size and _range_applies(etag, info.modified):
        ranges = _parse_ranges(wanted, size)
        if ranges is None:
            headers["Content-Range"] = f"bytes */{size}"
            return Response("invalid range: failed to overlap\n", status=416, headers=headers, content_type="text/plain; charset=utf-8")
        if len(ranges) == 1:
            start, end = ranges[0]
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            return _stream(storage.read(key, start, end), 206, headers, served_type, end - start + 1)
        if sum(end - start + 1 for start, end in ranges) <= size:  # else serve it whole, as Go's ServeContent
            boundary = secrets.token_hex(30)
            parts = [(start, end, _part_head(boundary, served_type, start, end, size)) for start, end in ranges]
            tail = f"\r\n--{boundary}--\r\n".encode()
            length = sum(len(head) + end - start + 1 for start, end, head in parts) + len(tail)
            body = _multipart_body(storage, key, parts, tail)
            return _stream(body, 206, headers, f"multipart/byteranges; boundary={boundary}", length)
    body = storage.read(key) if size else iter(())
    return _stream(body, 200, headers, served_type, size)


def _stream(body: Iterator[bytes], status: int, headers: dict, content_type: str, length: int) -> Response:
    response = Response(body, status=status, headers=headers, content_type=content_type, direct_passthrough=True)
    response.content_length = length
    return response


def _part_head(boundary: str, content_type: str, start: int, end: int, size: int) -> bytes:
    return (f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Range: bytes {start}-{end}/{size}\r\n\r\n").encode()


def _multipart_body(storage, key: str, parts, tail: bytes) -> Iterator[bytes]:
    for start, end, head in parts:
        yield head
        yield from storage.read(key, start, end)
    yield tail


def _wants_download() -> bool:
    return request.args.get("download", "") in _TRUE


def _http_date(value: str):
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _etag_listed(header: str, etag: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def _precondition_failed(etag: str, modified) -> bool:
    if_match = request.headers.get("If-Match")
    if if_match:
        return not _etag_listed(if_match, etag)
    since = _http_date(request.headers.get("If-Unmodified-Since", ""))
    return since is not None and int(modified.timestamp()) > int(since.timestamp())


def _not_modified(etag: str, modified) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match:
        return _etag_listed(if_none_match, etag)
    since = _http_date(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(modified.timestamp()) <= int(since.timestamp())


def _range_applies(etag: str, modified) -> bool:
    """`If-Range`: the Range counts only while the client's copy (ETag or date) is still current."""
    if_range = request.headers.get("If-Range", "").strip()
    if not if_range:
        return True
    if if_range.startswith('"') or if_range.startswith("W/"):
        return if_range == etag
    since = _http_date(if_range)
    return since is not None and int(modified.timestamp()) == int(since.timestamp())


def _parse_ranges(header: str, size: int) -> list[tuple[int, int]] | None:
    """`bytes=a-b`, `bytes=a-`, `bytes=-n`, comma-separated, clipped to the file; ranges wholly past the end
    are dropped. None (a 416) for a malformed header or when nothing is left."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        return None
    ranges = []
    for item in spec.split(","):
        first, dash, last = item.strip().partition("-")
        first, last = first.strip(), last.strip()
        if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
            return None
        if first == "":
            if last == "":
                return None
            length = int(last)
            if length == 0:
                continue
            ranges.append((max(size - length, 0), size - 1))
            continue
        start = int(first)
        end = int(last) if last else size - 1
        if start > end:
            return None
        if start >= size:
            continue
        ranges.append((start, min(end, size - 1)))
    return ranges or None
