"""Uploaded files for the records service, built the way the REST API builds them.

`baas.core.files.Upload.from_stream` checks the client's file name, gives the file its stored name and
sniffs its type; the records service stores uploads in the same transaction as the record.
"""

from __future__ import annotations

from urllib.parse import quote

from werkzeug.datastructures import FileStorage

from baas.core.app import App
from baas.core.files import Upload, file_token

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".avif", ".bmp")


def uploads_enabled(app: App) -> bool:
    return getattr(app, "files", None) is not None


def make_upload(part: FileStorage) -> Upload:
    """Raises `baas.core.files.InvalidUpload` (a ValueError) for a file name the API would refuse."""
    return Upload.from_stream(part.filename or "", part.stream)


def file_url(collection, record, name: str, viewer) -> str:
    """The REST URL of a stored file; protected fields get a short-lived file token of the viewer."""
    url = f"/api/files/{quote(collection.id)}/{quote(record.id)}/{quote(name)}"
    field_protected = any(f.type == "file" and f.options.get("protected") for f in collection.fields)
    return f"{url}?token={file_token(viewer)}" if field_protected else url


def is_image(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS)
