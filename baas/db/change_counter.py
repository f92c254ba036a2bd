"""A count of the transactions that changed the schema or settings versions of a SQLite database, shared
by its processes through a memory-mapped file (`<database file>-changes`), so that a request can tell
"no definitions changed since I last looked" without a query.

Every request first checks whether the schema or the settings changed (`App.refresh`): one indexed read,
about a tenth of a read by id. Writers bump the count inside the writer lock, after their commit, when
their transaction wrote `_params` (write_groups.py watches it), so no bump is lost and none is seen
before its data. Writes that bypass `Database.transaction()` (a migration run by another command, a
restored backup) do not bump it; `App.refresh` still reads the versions at least once a second for them.
"""

from __future__ import annotations

import mmap
import os
import struct

_COUNT = struct.Struct("=Q")


class ChangeCounter:
    def __init__(self, database_path: str):
        self._path = f"{database_path}-changes"
        self._map: mmap.mmap | None = None

    def _mapped(self) -> mmap.mmap:
        if self._map is None:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < _COUNT.size:
                    os.ftruncate(fd, _COUNT.size)
                self._map = mmap.mmap(fd, _COUNT.size)  # shared: forked workers see the same page
            finally:
                os.close(fd)
        return self._map

    def value(self) -> int:
        return _COUNT.unpack_from(self._mapped())[0]

    def bump(self) -> None:
        """Count one more change; call while holding the writer lock."""
        mapped = self._mapped()
        _COUNT.pack_into(mapped, 0, (_COUNT.unpack_from(mapped)[0] + 1) & 0xFFFFFFFFFFFFFFFF)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
