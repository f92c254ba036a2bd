"""A count shared by the processes of one machine through a memory-mapped file: reading it is a memory
read, no query and no system call, so it can be asked on every request.

Two uses:

* `<database file>-changes` (database.py) counts the transactions that changed the schema or settings
  versions of a SQLite database. Every request first checks whether the schema or the settings changed
  (`App.refresh`): an indexed read, about a tenth of a read by id, saved whenever the count is the one
  last seen. Writers bump it inside the writer lock, after their commit, when their transaction wrote
  `_params` (write_groups.py watches it), so no bump is lost and none is seen before its data. Writes that
  bypass `Database.transaction()` (a migration run by another command, a restored backup) do not bump it;
  `App.refresh` still reads the versions at least once a second for them.
* `<data dir>/run/members` (realtime's Unix-socket broker) counts the sockets that came or went, so a
  publisher lists the run directory again only after one did.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct

_COUNT = struct.Struct("=Q")


class ChangeCounter:
    def __init__(self, path: str):
        self._path = path
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
        """Count one more change. Bumps of several processes take turns on an flock of the file (an
        increment lost to a race could bring the count back to a value a reader saw before), taken on a
        descriptor of its own: an flock belongs to the open file, which forked processes would share."""
        mapped = self._mapped()
        fd = os.open(self._path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            _COUNT.pack_into(mapped, 0, (_COUNT.unpack_from(mapped)[0] + 1) & 0xFFFFFFFFFFFFFFFF)
        finally:
            os.close(fd)  # and with it the flock

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
