"""Storage keys and the one function that maps a key to a local path.

A key is `/`-separated, relative, and made of safe segments; `safe_path` refuses NUL bytes, backslashes,
absolute or drive paths, empty, `.` and `..` segments, and anything that would resolve outside the root.
"""

from __future__ import annotations

import re
from pathlib import Path

_DRIVE = re.compile(r"^[A-Za-z]:")


class UnsafeKey(ValueError):
    pass


def check_key(key: str) -> str:
    if not key or "\x00" in key or "\\" in key:
        raise UnsafeKey("the key is empty or holds a NUL byte or a backslash")
    if key.startswith("/") or _DRIVE.match(key):
        raise UnsafeKey("the key must be relative")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise UnsafeKey("the key has an empty, '.' or '..' segment")
    return key


def safe_path(root: Path, key: str) -> Path:
    """The path of `key` under `root`, guaranteed to stay inside it."""
    check_key(key)
    base = root.resolve()
    path = (base / key).resolve()
    if base != path and base not in path.parents:
        raise UnsafeKey("the key resolves outside the storage root")
    return path


def record_prefix(collection_id: str, record_id: str) -> str:
    return f"{collection_id}/{record_id}/"


def file_key(collection_id: str, record_id: str, filename: str) -> str:
    return check_key(f"{collection_id}/{record_id}/{filename}")


def thumb_key(collection_id: str, record_id: str, filename: str, size: str) -> str:
    """Thumbs live beside the file, as PocketBase stores them: `thumbs_<name>/<size>_<name>`."""
    return check_key(f"{collection_id}/{record_id}/thumbs_{filename}/{size}_{filename}")
