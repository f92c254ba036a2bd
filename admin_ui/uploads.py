"""Uploaded files as the records service takes them, once it stores files.

`FileField.validate` accepts upload objects exposing `name`, `size` and `content_type` (and optionally
`original_name`); storing them is the files service's job. Until the core has one (`App.files`), the
console shows file names and removals only, and says so beside the file input.
"""

from __future__ import annotations

import os

from werkzeug.datastructures import FileStorage

from baas.core.app import App


def uploads_enabled(app: App) -> bool:
    return getattr(app, "files", None) is not None


class ConsoleUpload:
    """A werkzeug `FileStorage` with the attributes the file field reads."""

    def __init__(self, storage: FileStorage):
        self.storage = storage
        self.original_name = os.path.basename(storage.filename or "")
        self.name = self.original_name
        self.content_type = storage.mimetype or "application/octet-stream"
        storage.stream.seek(0, os.SEEK_END)
        self.size = storage.stream.tell()
        storage.stream.seek(0)

    def read(self) -> bytes:
        self.storage.stream.seek(0)
        return self.storage.stream.read()

    @property
    def stream(self):
        self.storage.stream.seek(0)
        return self.storage.stream
