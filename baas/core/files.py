"""Uploaded files: intake, naming, type detection, and the storage that holds them.

An `Upload` is what a file field holds between the request and the save: the stored name (the client's
name made safe, plus PocketBase's random suffix), the client's name, the size, the type detected from the
content (never the client's header) and a seekable stream (werkzeug spools large parts to disk, so nothing
here reads a whole file into memory). The records service writes uploads to storage inside the save and
removes replaced files only after commit.
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

import puremagic

from ..errors import FieldError
from ..ids import random_string
from . import tokens
from ..storage import Storage, storage_from_settings

if TYPE_CHECKING:
    from .app import App

SNIFF_BYTES = 8192
MAX_BASE_NAME = 100
_EXTENSION_CHARS = re.compile(r"[^\w.*\-+=#]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_WORD = re.compile(r"[^0-9A-Za-z]+")


class InvalidUpload(ValueError):
    """The client's file name is unusable (path separators, NUL, `..`)."""

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
        return cls(stored_name(original_name), original_name, size, detect_type(head), stream)


def check_client_name(name: str) -> None:
    if not name or "\x00" in name or "/" in name or "\\" in name or ".." in name:
        raise InvalidUpload("The file name must not be empty or contain path separators, NUL bytes or '..'.")


def detect_type(head: bytes) -> str:
    """The MIME type from the first bytes; text that is valid UTF-8 is text/plain, the rest octet-stream."""
    if head:
        try:
            return puremagic.from_string(head, mime=True) or _fallback(head)
        except (puremagic.PureError, ValueError):
            pass
    return _fallback(head)


def _fallback(head: bytes) -> str:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # a multibyte character cut at the end of the sample is fine
            return "application/octet-stream"
    return "text/plain"


def stored_name(original: str) -> str:
    """PocketBase's naming: snake_case base (padded when under 3 chars, cut at 100) + `_` + 10 random + ext."""
    stem, dot, extension = original.rpartition(".")
    if not dot or not stem:
        stem, extension = original, ""
    extension = _EXTENSION_CHARS.sub("", extension)
    base = _NOT_WORD.sub("_", _CAMEL.sub("_", stem)).strip("_").lower()
    if len(base) < 3:
        base += random_string(10)
    base = base[:MAX_BASE_NAME]
    return f"{base}_{random_string(10)}" + (f".{extension.lower()}" if extension else "")


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
        claims = tokens.peek(token)
    except tokens.InvalidToken:
        return None
    collection = app.collections.get(str(claims.get("collectionId", "")))
    if collection is None or not collection.is_auth or claims.get("type") != tokens.FILE:
        return None
    record = app.records_repo.find(collection, str(claims.get("id", "")))
    if record is None:
        return None
    try:
        tokens.verify(token, collection, record.get("tokenKey", ""), tokens.FILE)
    except tokens.InvalidToken:
        return None
    return record
