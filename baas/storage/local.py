"""Files on the local disk under `<data dir>/storage`, written atomically (temp file + rename)."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterator

from .base import CHUNK_SIZE, FileInfo, Storage, StorageError
from .paths import check_key, safe_path


class LocalStorage(Storage):
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def save(self, key: str, source: BinaryIO, content_type: str = "") -> None:
        path = safe_path(self.root, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK_SIZE)
            os.replace(temp, path)
        except OSError as error:
            Path(temp).unlink(missing_ok=True)
            raise StorageError(str(error)) from error

    def stat(self, key: str) -> FileInfo | None:
        try:
            info = safe_path(self.root, key).stat()
        except FileNotFoundError:
            return None
        return FileInfo(size=info.st_size, modified=datetime.fromtimestamp(info.st_mtime, timezone.utc))

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        path = safe_path(self.root, key)
        remaining = None if end is None else end - start + 1
        with open(path, "rb") as handle:
            handle.seek(start)
            while remaining is None or remaining > 0:
                chunk = handle.read(CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def delete(self, key: str) -> None:
        safe_path(self.root, key).unlink(missing_ok=True)
        self._prune(safe_path(self.root, key).parent)

    def delete_prefix(self, prefix: str) -> None:
        check_key(prefix.rstrip("/"))
        target = safe_path(self.root, prefix.rstrip("/"))
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            self._prune(target.parent)

    def list(self, prefix: str = "") -> Iterator[str]:
        base = safe_path(self.root, prefix.rstrip("/")) if prefix.strip("/") else self.root.resolve()
        if not base.exists():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith(".upload-"):
                yield path.relative_to(self.root.resolve()).as_posix()

    def _prune(self, directory: Path) -> None:
        """Remove empty folders left behind, up to the root."""
        root = self.root.resolve()
        while directory != root and root in directory.parents:
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent
