"""`password`: a bcrypt hash, with the plain text kept only while a new password is being saved."""

from __future__ import annotations

from typing import Any

import bcrypt

from ...errors import FieldError
from .base import Field, SettingsContext, ValueContext, register
from .text import go_regex, go_regex_error, int_range_error, to_text

DEFAULT_COST = 10
MIN_COST, MAX_COST = 4, 31
#: bcrypt reads at most 72 bytes; PocketBase's default length cap stays below it
BCRYPT_MAX_BYTES = 72
DEFAULT_MAX_LENGTH = 71


class PasswordValue:
    """A password field's value: the plain text given on input and/or the stored bcrypt hash.

    The hash of a new plain password is computed on first access of `.hash` (bcrypt is deliberately slow, so
    a value that fails validation is never hashed). Stored hashes from PocketBase (`$2a$`) verify as well.
    """

    __slots__ = ("plain", "cost", "_hash")

    def __init__(self, plain: str = "", cost: int = 0):
        self.plain = plain
        self.cost = cost or DEFAULT_COST
        self._hash = ""

    @classmethod
    def from_hash(cls, hashed: str) -> "PasswordValue":
        value = cls()
        value._hash = hashed
        return value

    @property
    def hash(self) -> str:
        if not self._hash and self.plain:
            salt = bcrypt.gensalt(rounds=self.cost, prefix=b"2a")
            self._hash = bcrypt.hashpw(self.plain.encode()[:BCRYPT_MAX_BYTES], salt).decode()
        return self._hash

    def is_empty(self) -> bool:
        return not self.plain and not self._hash

    def matches(self, plain: str) -> bool:
        """Whether `plain` is this password (bcrypt's constant-time comparison)."""
        hashed = self.hash
        if not hashed:
            return False
        try:
            return bcrypt.checkpw(plain.encode()[:BCRYPT_MAX_BYTES], hashed.encode())
        except ValueError:  # not a bcrypt hash
            return False

    def __repr__(self) -> str:
        return f"<PasswordValue {'plain' if self.plain else 'hashed' if self._hash else 'empty'}>"


@register
class PasswordField(Field):
    """A password, never shown by the API; zero value an empty `PasswordValue` (stored as `""`).

    Input is cast like text and held as the plain text of a new `PasswordValue`; stored values load with
    `PasswordValue.from_hash`. Checks on a new plain text, in PocketBase's order and words: at most 72 UTF-8
    bytes (`validation_invalid_value`), required (a stored hash satisfies it), then `min` and `max` characters
    (0 = 71) without params, then `pattern`. Hashing uses `cost` (0 = 10). No modifiers.
    """

    type = "password"
    option_defaults = {"cost": 0, "max": 0, "min": 0, "pattern": ""}
    filter_kind = "text"
    widget = "password"

    def to_db(self, value: Any, dialect) -> str:
        return value.hash if isinstance(value, PasswordValue) else ""

    def from_db(self, value: Any, dialect) -> PasswordValue:
        return PasswordValue.from_hash(value if isinstance(value, str) else "")

    def zero(self) -> PasswordValue:
        return PasswordValue(cost=self.cost)

    def prepare(self, raw: Any) -> PasswordValue:
        return raw if isinstance(raw, PasswordValue) else PasswordValue(to_text(raw), self.cost)

    def is_blank(self, value: Any) -> bool:
        return not isinstance(value, PasswordValue) or value.is_empty()

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        plain = value.plain if isinstance(value, PasswordValue) else ""
        if len(plain.encode()) > BCRYPT_MAX_BYTES:
            return FieldError("validation_invalid_value", "Invalid value.")
        if self.is_blank(value):
            return FieldError("validation_required", "Cannot be blank.") if self.required else None
        if not plain:
            return None
        if len(plain) < self.min:
            return FieldError("validation_min_text_constraint", f"Must be at least {self.min} character(s).")
        max_length = self.max if self.max > 0 else DEFAULT_MAX_LENGTH
        if len(plain) > max_length:
            return FieldError("validation_max_text_constraint", f"Must be less than {max_length} character(s).")
        if self.pattern:
            compiled = go_regex(self.pattern)
            if compiled is None or not compiled.search(plain):
                return FieldError("validation_invalid_format", "Invalid value format.")
        return None

    def validate_settings(self, ctx: SettingsContext) -> dict[str, FieldError]:
        checks = {
            "min": int_range_error(self.min, 1, DEFAULT_MAX_LENGTH),
            "max": int_range_error(self.max, self.min, DEFAULT_MAX_LENGTH),
            "cost": int_range_error(self.cost, MIN_COST, MAX_COST),
            "pattern": go_regex_error(self.pattern) if self.pattern else None,
        }
        return {key: error for key, error in checks.items() if error}

    def to_api(self, value: Any) -> str:
        return ""

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "password", "writeOnly": True}
