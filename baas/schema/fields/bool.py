"""`bool`: true or false."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import FieldError
from .base import Field, ValueContext, register

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine

    from ...db.dialect import Dialect

#: Go's `strconv.ParseBool` spellings; any other string is false.
_TRUE_STRINGS = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def to_bool(raw: Any) -> bool:
    """PocketBase's bool cast: non-zero numbers and `"1"`, `"t"`, `"true"`, `"TRUE"`... are true, all else false."""
    if isinstance(raw, (bool, int, float)):
        return bool(raw)
    if isinstance(raw, str):
        return raw in _TRUE_STRINGS
    return False


@register
class BoolField(Field):
    """A boolean; zero value `false`. `required` means it must be true.

    Input: numbers are true when non-zero; strings are true only as Go spells truth (`"1"`, `"t"`, `"T"`,
    `"true"`, `"True"`, `"TRUE"`), so `"x"` or `"yes"` is false; lists, objects and null are false.
    No modifiers.
    """

    type = "bool"
    option_defaults: dict[str, Any] = {}
    filter_kind = "bool"
    widget = "bool"

    def column_ddl(self, dialect: "Dialect") -> str:
        return "BOOLEAN DEFAULT FALSE NOT NULL"

    def column_type(self, dialect: "Dialect") -> "TypeEngine":
        return dialect.bool_type()

    def to_db(self, value: Any, dialect: "Dialect") -> bool:
        return to_bool(value)

    def from_db(self, value: Any, dialect: "Dialect") -> bool:
        return to_bool(value) if not isinstance(value, str) else value.lower() in ("1", "t", "true")

    def zero(self) -> bool:
        return False

    def prepare(self, raw: Any) -> bool:
        return to_bool(raw)

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        if self.required and not value:
            return FieldError("validation_required", "Cannot be blank.")
        return None

    def to_api(self, value: Any) -> bool:
        return bool(value)

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}
