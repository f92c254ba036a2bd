"""Uploaded files: intake, naming, type detection, and the storage that holds them.

An `Upload` is what a file field holds between the request and the save: the stored name (the client's
name made safe, plus PocketBase's random suffix), the client's name, the size, the type detected from the
content (never the client's header) and a seekable stream (werkzeug spools large parts to disk, so nothing
here reads a whole file into memory). The records service writes uploads to storage inside the save and
removes replaced files only after commit.
"""

from __future__ import annotations

import csv
import io
import mimetypes
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

import puremagic

from .. import errors
from ..errors import FieldError
from ..ids import random_string
from . import tokens
from .auth import find_record_by_token
from ..storage import Storage, StorageError, storage_from_settings
from ..storage.s3 import S3Storage

if TYPE_CHECKING:
    from .app import App

SNIFF_BYTES = 8192
MAX_BASE_NAME = 100
MAX_EXTENSION = 20
_EXTENSION_CHARS = re.compile(r"[^\w.*\-+=#]+", re.ASCII)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_WORD = re.compile(r"[^0-9A-Za-z]+")


class InvalidUpload(ValueError):
    """The client's file name is unusable (path separators, NUL, a `.`/`..` name)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.error = FieldError("validation_invalid_file_name", message)


@dataclass
class Upload:
    name: str
    original_name: str
    size: int
    content_type: str
    stream: BinaryIO

    @classmethod
    def from_stream(cls, original_name: str, stream: BinaryIO) -> "Upload":
        check_client_name(original_name)
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        head = stream.read(SNIFF_BYTES)
        stream.seek(0)
        content_type = detect_type(head)
        return cls(stored_name(original_name, content_type), original_name, size, content_type, stream)


def check_client_name(name: str) -> None:
    """Refuse names that are or hold a path: separators, NUL bytes, or a `.`/`..` name.

    A `..` inside a name (`notes..v2.txt`) is no path and is kept, as PocketBase keeps it; the stored name
    is rebuilt from letters and digits anyway (`stored_name`)."""
    if not name or "\x00" in name or "/" in name or "\\" in name or name.strip(".") == "":
        raise InvalidUpload("The file name must not be empty, a '.' or '..' name, or contain path separators or NUL bytes.")


#: PocketBase's (gabriel-vasile/mimetype) names where puremagic uses another alias
_TYPE_ALIASES = {
    "image/x-ms-bmp": "image/bmp",
    "application/x-gzip": "application/gzip",
    "application/xml": "text/xml",
    "image/jpg": "image/jpeg",
}
#: bytes that never occur in text (as mimetype's binary check)
_BINARY_BYTES = frozenset(range(0x00, 0x09)) | {0x0B} | frozenset(range(0x0E, 0x1B)) | frozenset(range(0x1C, 0x20))
_HTML_TAGS = (
    b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font", b"<table", b"<a",
    b"<style", b"<title", b"<b", b"<body", b"<br", b"<p",
)


def detect_type(head: bytes) -> str:
    """The MIME type from the first bytes (never the client's header): magic numbers first, then text
    (HTML, XML, CSV or plain) versus binary (`application/octet-stream`). An empty file is text/plain."""
    if head:
        try:
            found = puremagic.from_string(head, mime=True)
        except (puremagic.PureError, ValueError):
            found = ""
        if found:
            return _TYPE_ALIASES.get(found, found)
    return _text_type(head)


def _text_type(head: bytes) -> str:
    if any(byte in _BINARY_BYTES for byte in head):
        return "application/octet-stream"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # a multibyte character cut at the end of the sample is fine
            try:
                text = head.decode("latin-1")
            except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes everything
                return "application/octet-stream"
        else:
            text = head[: error.start].decode("utf-8")
    lowered = text.lstrip().lower().encode()
    if any(lowered.startswith(tag) and lowered[len(tag):len(tag) + 1] in (b" ", b">") for tag in _HTML_TAGS) \
            or lowered.startswith(b"<!--"):
        return "text/html"
    if lowered.startswith(b"<?xml"):
        return "text/xml"
    if _looks_like_csv(text):
        return "text/csv"
    return "text/plain"


def _looks_like_csv(text: str) -> bool:
    """At least two complete lines with the same number (> 1) of comma-separated fields."""
    lines = text.splitlines()
    if len(text) >= SNIFF_BYTES - 4 and lines:
        lines = lines[:-1]  # the sample may cut the last line
    lines = [line for line in lines if line.strip()]
    if len(lines) < 2:
        return False
    try:
        rows = list(csv.reader(lines))
    except csv.Error:
        return False
    widths = {len(row) for row in rows}
    return len(widths) == 1 and widths.pop() > 1


#: the extension given to a name that has none, by detected type (PocketBase takes it from the content)
_EXTENSIONS = {
    "text/plain": ".txt", "image/jpeg": ".jpg", "text/html": ".html", "text/xml": ".xml", "text/csv": ".csv",
    "image/svg+xml": ".svg", "application/octet-stream": "",
}


def extension_for(content_type: str) -> str:
    if content_type in _EXTENSIONS:
        return _EXTENSIONS[content_type]
    return mimetypes.guess_extension(content_type, strict=False) or ""


def stored_name(original: str, content_type: str = "application/octet-stream") -> str:
    """PocketBase's naming: snake_case base (padded with 10 random characters when under 3, cut at 100) +
    `_` + 10 random + the extension, kept as sent (double ones such as `.tar.gz` included, only
    `[\\w.*+=#-]` characters, at most 20), or one for `content_type` when the name has none."""
    extension = _extension(original)
    stem = original[: len(original) - len(extension)]
    extension = _EXTENSION_CHARS.sub("", extension)
    if extension in ("", "."):
        extension = extension_for(content_type)
    if len(extension) > MAX_EXTENSION:
        extension = "." + extension[-MAX_EXTENSION:]
    base = _NOT_WORD.sub("_", _CAMEL.sub("_", stem)).strip("_").lower()
    if len(base) < 3:
        base += random_string(10)
    base = base[:MAX_BASE_NAME]
    return f"{base}_{random_string(10)}{extension}"


def _extension(name: str) -> str:
    """The extension with its dot, double ones included: `a.tar.gz` -> `.tar.gz`, `a.b.c.txt` -> `.c.txt`."""
    last = name.rfind(".")
    if last < 0:
        return ""
    before = name.rfind(".", 0, last)
    return name[before:] if before >= 0 else name[last:]


class FilesService:
    """The storage for record files, rebuilt when the `s3` settings change."""

    def __init__(self, app: "App"):
        self.app = app
        self._lock = threading.Lock()
        self._storage: Storage | None = None
        self._storage_settings: dict | None = None

    @property
    def storage(self) -> Storage:
        settings = self.app.settings.get()["s3"]
        if self._storage is None or settings != self._storage_settings:
            with self._lock:
                self._storage = storage_from_settings(settings, self.app.config.storage_dir)
                self._storage_settings = dict(settings)
        return self._storage


def file_token(record) -> str:
    """A short-lived token (the collection's `fileToken` duration) for reading protected files."""
    return tokens.issue(record.collection, record.id, record.get("tokenKey", ""), tokens.FILE)


def record_from_file_token(app: "App", token: str):
    """The auth record a file token belongs to, or None for an invalid or expired one."""
    try:
        return find_record_by_token(app, token, tokens.FILE)
    except tokens.InvalidToken:
        return None


S3_TEST_FAILED = "Failed to test the S3 filesystem."


def test_s3(app: "App", filesystem: str = "storage") -> None:
    """Write, read back and remove a probe on the saved S3 settings of `filesystem` ("storage" for record
    files, "backups" for backups); a 400 with the raw error when S3 is off or does not answer."""
    settings = app.settings.get()
    s3 = settings["s3"] if filesystem == "storage" else settings["backups"]["s3"]
    if not s3.get("enabled"):
        raise errors.bad_request(f"{S3_TEST_FAILED} Raw error: \nS3 storage filesystem is not enabled.")
    try:
        S3Storage(s3).check()
    except StorageError as error:
        raise errors.bad_request(f"{S3_TEST_FAILED} Raw error: \n{str(error).rstrip('.')}.", cause=error) from error
