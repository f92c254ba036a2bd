"""`json`: any JSON value, the only field type whose zero value is null."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import orjson

from ...errors import FieldError
from .base import Field, SettingsContext, ValueContext, register
from .text import int_range_error

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine

    from ...db.dialect import Dialect

DEFAULT_MAX_SIZE = 1024 * 1024
_JSON_STARTS = tuple('0123456789-"[{')
_EXACT_INT = 2**53


def _as_go_numbers(value: Any) -> Any:
    """Go decodes JSON numbers as float64: integers beyond 2^53 lose digits there instead of failing here."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _EXACT_INT:
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, list):
        return [_as_go_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_go_numbers(item) for key, item in value.items()}
    return value


def json_from_text(raw: str) -> Any:
    """A string as PocketBase reads it for a json field, so multipart forms can send JSON too:
    `"true"`/`"false"`/`"null"` and valid JSON starting with a digit, `-`, `"`, `[` or `{` are decoded;
    any other string (including `""` and JSON with leading spaces) stays a string."""
    if raw in ("true", "false", "null"):
        return json.loads(raw)
    if raw.startswith(_JSON_STARTS):
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return raw


@register
class JSONField(Field):
    """Any JSON value; zero value `null`.

    Input: non-string values are kept as they are; strings go through `json_from_text` (`"{\\"a\\":1}"` →
    `{"a": 1}`, `"5"` → `5`, `"{bad"` stays the string); integers beyond 2^53 become floats, as in Go.
    Checks: the compact JSON encoding must fit `maxSize` bytes (0 = 1 MB), then `required` rejects `null`,
    `""`, `[]` and `{}` (`0` and `false` are values). No modifiers.
    """

    type = "json"
    option_defaults = {"maxSize": 0}
    filter_kind = "json"
    widget = "json"

    def column_ddl(self, dialect: "Dialect") -> str:
        return f"{dialect.json_ddl()} DEFAULT NULL"

    def column_type(self, dialect: "Dialect") -> "TypeEngine":
        return dialect.json_type()

    def to_db(self, value: Any, dialect: "Dialect") -> Any:
        return dialect.dump_json(value)

    def from_db(self, value: Any, dialect: "Dialect") -> Any:
        return dialect.load_json(value)

    def zero(self) -> Any:
        return None

    def prepare(self, raw: Any) -> Any:
        return _as_go_numbers(json_from_text(raw) if isinstance(raw, str) else raw)

    def is_blank(self, value: Any) -> bool:
        return value is None or (isinstance(value, (str, list, dict)) and not value)

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        max_size = self.maxSize or DEFAULT_MAX_SIZE
        if len(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)) > max_size:
            return FieldError(
                "validation_json_size_limit",
                f"The maximum allowed JSON size is {max_size} bytes.",
                {"maxSize": max_size},
            )
        if self.required and self.is_blank(value):
            return FieldError("validation_required", "Cannot be blank.")
        return None

    def validate_settings(self, ctx: SettingsContext) -> dict[str, FieldError]:
        error = int_range_error(self.maxSize, 0)
        return {"maxSize": error} if error else {}

    def openapi_schema(self) -> dict[str, Any]:
        return {"nullable": True, "description": "any JSON value"}
