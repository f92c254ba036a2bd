"""The only place that picks a storage backend: S3 when the `s3` settings enable it, else the local disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import Storage
from .local import LocalStorage
from .s3 import S3Storage


def storage_from_settings(s3_settings: dict[str, Any], local_root: Path) -> Storage:
    if s3_settings.get("enabled"):
        return S3Storage(s3_settings)
    return LocalStorage(local_root)
