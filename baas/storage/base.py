"""The storage contract. Implementations stream: nothing here needs a whole file in memory."""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import BinaryIO, Iterator

CHUNK_SIZE = 256 * 1024


class StorageError(Exception):
    """The backend failed (unreachable S3, permission denied, ...)."""


@dataclass(frozen=True)
class FileInfo:
    size: int
    modified: datetime
    content_type: str = ""


class Storage(ABC):
    """Keys are relative `/`-separated paths such as `<collectionId>/<recordId>/<filename>`."""

    @abstractmethod
    def save(self, key: str, source: BinaryIO, content_type: str = "") -> None:
        """Store the rest of `source` (read in chunks) under `key`, replacing any file there."""

    @abstractmethod
    def stat(self, key: str) -> FileInfo | None:
        """Size and modification time, or None when there is no such file."""

    @abstractmethod
    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes `start..end` (inclusive; None = to the end) as chunks."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove one file; a missing file is not an error."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> None:
        """Remove every file whose key starts with `prefix` (e.g. all files of a record)."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under `prefix`."""

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def read_all(self, key: str) -> bytes:
        return b"".join(self.read(key))

    def check(self) -> None:
        """Raise StorageError unless the backend is reachable and writable (the settings' test button)."""
        probe = f".baas_storage_check_{secrets.token_hex(8)}"  # concurrent checks never share a probe
        self.save(probe, BytesIO(b"ok"), "text/plain")
        if self.read_all(probe) != b"ok":
            raise StorageError("the storage did not return what was written")
        self.delete(probe)
