"""Random identifiers in PocketBase's formats (record ids, token keys, file name suffixes)."""

from __future__ import annotations

import secrets
import string
import zlib

LOWER_ALNUM = string.ascii_lowercase + string.digits
ALNUM = string.ascii_letters + string.digits
RECORD_ID_LENGTH = 15


def random_string(length: int, alphabet: str = LOWER_ALNUM) -> str:
    """Uniformly random characters of `alphabet` from one read of the OS's CSPRNG (ids are made on every
    write and log entry, so one `urandom` call instead of one per character matters)."""
    size = len(alphabet)
    usable = 256 - 256 % size  # bytes at or above this would bias the modulo: skip them
    out: list[str] = []
    while len(out) < length:
        out.extend(alphabet[byte % size] for byte in secrets.token_bytes(length * 2) if byte < usable)
    return "".join(out[:length])


def new_record_id() -> str:
    return random_string(RECORD_ID_LENGTH)


def collection_id_for(collection_type: str, name: str) -> str:
    """PocketBase derives a new collection's id from its type and name: `pbc_<crc32(type+name)>`."""
    return f"pbc_{zlib.crc32((collection_type + name).encode())}"


def field_id_for(field_type: str, name: str) -> str:
    """A new field's id: `<type><crc32(name)>`, e.g. `text724990059`; kept across renames."""
    return f"{field_type}{zlib.crc32(name.encode())}"
