"""File storage behind one interface: the local filesystem (default) or S3-compatible object storage."""

from __future__ import annotations

from .base import FileInfo, Storage, StorageError
from .factory import storage_from_settings

__all__ = ["FileInfo", "Storage", "StorageError", "storage_from_settings"]
