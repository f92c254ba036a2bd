"""Random identifiers in PocketBase's formats (record ids, token keys, file name suffixes)."""

from __future__ import annotations

import os
import string
import time
import zlib
from functools import lru_cache

from gevent import monkey

from . import pid

LOWER_ALNUM = string.ascii_lowercase + string.digits
ALNUM = string.ascii_letters + string.digits
RECORD_ID_LENGTH = 15
_BASE36 = string.digits + string.ascii_lowercase  # digit order, so that the text sorts as the number


class _RandomBytes:
    """Bytes of the OS's CSPRNG, read 4 KB at a time: ids are made on every write and log entry, and a
    `urandom` system call per id was a few percent of a request. Each byte is handed out once; a forked
    process reads its own (a parent's buffer would repeat in every child)."""

    READ_SIZE = 4096

    def __init__(self) -> None:
        # a plain OS lock even under gevent: nothing in `take` yields, and gevent's lock cost more than `take`
        self._lock = monkey.get_original("_thread", "allocate_lock")()
        self._buffer = b""
        self._position = 0
        self._pid = 0

    def take(self, count: int) -> bytes:
        with self._lock:
            if self._pid != pid.current() or self._position + count > len(self._buffer):
                self._buffer, self._position, self._pid = os.urandom(max(self.READ_SIZE, count)), 0, pid.current()
            start = self._position
            self._position += count
            return self._buffer[start:self._position]


_random_bytes = _RandomBytes()


def random_string(length: int, alphabet: str = LOWER_ALNUM) -> str:
    """Uniformly random characters of `alphabet`, from the OS's CSPRNG: byte `b` picks character
    `b % len(alphabet)`, and bytes at or above the largest multiple of the length are skipped (they would
    bias the modulo)."""
    translation = _ascii_translation(alphabet)
    if translation is None:  # characters beyond ASCII: one at a time
        size, usable = len(alphabet), 256 - 256 % len(alphabet)
        out: list[str] = []
        while len(out) < length:
            out.extend(alphabet[byte % size] for byte in _random_bytes.take(length * 2) if byte < usable)
        return "".join(out[:length])
    table, skipped = translation
    chosen = b""
    while len(chosen) < length:
        chosen += _random_bytes.take(length * 2).translate(table, skipped)
    return chosen[:length].decode("ascii")


@lru_cache(maxsize=64)
def _ascii_translation(alphabet: str) -> tuple[bytes, bytes] | None:
    """`bytes.translate` arguments doing `random_string`'s mapping in C (record ids are made on every create)."""
    if not alphabet or not alphabet.isascii() or len(alphabet) > 256:
        return None
    size = len(alphabet)
    usable = 256 - 256 % size
    table = bytes(ord(alphabet[byte % size]) for byte in range(256))
    return table, bytes(range(usable, 256))


def new_record_id() -> str:
    return random_string(RECORD_ID_LENGTH)


def new_sequential_id() -> str:
    """A record-id-shaped id that sorts by creation time: 8 base-36 digits of the millisecond clock, then
    7 random characters. For append-mostly tables (the request logs): random keys spread every batch of
    inserts over the whole primary-key index, which made writing logs several times slower."""
    millis = time.time_ns() // 1_000_000
    cached = _last_time_prefix
    if cached[0] != millis:
        cached = _remember_time_prefix(millis)
    return cached[1] + random_string(RECORD_ID_LENGTH - 8)


_last_time_prefix: tuple[int, str] = (-1, "")


def _remember_time_prefix(millis: int) -> tuple[int, str]:
    """The 8 base-36 digits of `millis`, kept for the next ids of the same millisecond."""
    global _last_time_prefix
    digits, rest = [], millis
    for _ in range(8):
        rest, digit = divmod(rest, 36)
        digits.append(_BASE36[digit])
    _last_time_prefix = (millis, "".join(reversed(digits)))
    return _last_time_prefix


def collection_id_for(collection_type: str, name: str) -> str:
    """PocketBase derives a new collection's id from its type and name: `pbc_<crc32(type+name)>`."""
    return f"pbc_{zlib.crc32((collection_type + name).encode())}"


def field_id_for(field_type: str, name: str) -> str:
    """A new field's id: `<type><crc32(name)>`, e.g. `text724990059`; kept across renames."""
    return f"{field_type}{zlib.crc32(name.encode())}"
