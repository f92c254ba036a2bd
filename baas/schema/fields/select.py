"""`select`: one or several of a fixed list of strings, and the single/multiple machinery it shares with
`relation` and `file` (`MultiValueField`, `to_unique_strings`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...errors import FieldError
from .base import Field, SettingsContext, ValueContext, register
from .text import int_range_error, to_text

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine

    from ...db.dialect import Dialect


def _strings_from_text(raw: str) -> list[str]:
    """A string is one item, unless it holds a JSON array of strings (how multipart forms send lists)."""
    if "[" not in raw:
        return [raw]
    try:
        parsed = json.loads(raw)
    except ValueError:
        return [raw]
    if parsed is None:
        return []
    if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed):
        return parsed
    return [raw]


def to_unique_strings(raw: Any) -> list[str]:
    """PocketBase's list cast: a string or scalar is one item, a list's items are cast to text, objects and
    null give nothing; empty strings and repeats are dropped, first occurrence kept."""
    if isinstance(raw, str):
        values = _strings_from_text(raw)
    elif isinstance(raw, (list, tuple)):
        values = [to_text(item) for item in raw]
    elif raw is None or isinstance(raw, dict):
        values = []
    else:
        values = [to_text(raw)]
    return list(dict.fromkeys(value for value in values if value))


def required_error() -> FieldError:
    return FieldError("validation_required", "Cannot be blank.")


def too_many_error(max_select: int) -> FieldError:
    return FieldError("validation_too_many_values", f"Select no more than {max_select}.", {"maxSelect": max_select})


class MultiValueField(Field):
    """Shared behaviour of select, relation and file (not registered itself).

    With `maxSelect` <= 1 the value is one string (`""` when empty); above 1 it is a list (`[]` when empty),
    stored as a JSON array. Input is cast with `to_unique_strings`; a single field given several items keeps
    the last. Modifiers: `name+` appends, `+name` prepends, `name-` removes (one item or a list). On a single
    field `name+` therefore replaces the value, `+name` only fills an empty one and `name-` clears it when equal.
    """

    modifiers = frozenset({"+", "^", "-"})
    filter_kind = "text"

    def is_multiple(self) -> bool:
        return self.maxSelect > 1

    def max_items(self) -> int:
        return max(self.maxSelect, 1)

    def items(self, value: Any) -> list[Any]:
        """The value as a de-duplicated list, whatever its shape."""
        return to_unique_strings(value)

    def item_name(self, item: Any) -> str:
        return item

    def shape(self, items: list[Any]) -> Any:
        if self.is_multiple():
            return items
        return items[-1] if items else ""

    def zero(self) -> Any:
        return [] if self.is_multiple() else ""

    def prepare(self, raw: Any) -> Any:
        return self.shape(self.items(raw))

    def apply_modifier(self, current: Any, modifier: str, raw: Any) -> Any:
        stored, given = self.items(current), self.items(raw)
        if modifier == "+":
            return self.prepare(stored + given)
        if modifier == "^":
            return self.prepare(given + stored)
        if modifier == "-":
            removed = {self.item_name(item) for item in given}
            return self.prepare([item for item in stored if self.item_name(item) not in removed])
        return super().apply_modifier(current, modifier, raw)

    def is_blank(self, value: Any) -> bool:
        return not self.items(value)

    # ---- storage ------------------------------------------------------------------------------
    def column_ddl(self, dialect: "Dialect") -> str:
        return f"{dialect.json_ddl()} DEFAULT '[]' NOT NULL" if self.is_multiple() else "TEXT DEFAULT '' NOT NULL"

    def column_type(self, dialect: "Dialect") -> "TypeEngine":
        return dialect.json_type() if self.is_multiple() else dialect.text_type()

    def to_db(self, value: Any, dialect: "Dialect") -> Any:
        names = [self.item_name(item) for item in self.items(value)]
        if self.is_multiple():
            return dialect.dump_json(names)
        return names[-1] if names else ""

    def from_db(self, value: Any, dialect: "Dialect") -> Any:
        """Lenient on shape: after a single <-> multiple change the column may still hold the other one
        (a JSON array text is read as a list, like any input)."""
        return self.prepare(value)

    def to_api(self, value: Any) -> Any:
        return self.shape([self.item_name(item) for item in self.items(value)])

    def item_schema(self) -> dict[str, Any]:
        return {"type": "string"}

    def openapi_schema(self) -> dict[str, Any]:
        if not self.is_multiple():
            return self.item_schema()
        return {"type": "array", "items": self.item_schema(), "maxItems": self.maxSelect}


@register
class SelectField(MultiValueField):
    """A choice among `values`; single (`maxSelect` <= 1, zero `""`) or multiple (zero `[]`).

    See `MultiValueField` for input casting and modifiers. Checks: required (non-empty), at most
    `max(maxSelect, 1)` items, then each item must be one of `values` (case-sensitive). Settings need a
    non-empty `values` and `0 <= maxSelect <= len(values)`.
    """

    type = "select"
    option_defaults = {"maxSelect": 0, "values": []}
    widget = "select"

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        items = self.items(value)
        if not items:
            return required_error() if self.required else None
        if len(items) > self.max_items():
            return too_many_error(self.max_items())
        for item in items:
            if item not in self.values:
                return FieldError("validation_invalid_value", f"Invalid value {item}.", {"value": item})
        return None

    def validate_settings(self, ctx: SettingsContext) -> dict[str, FieldError]:
        errors: dict[str, FieldError] = {}
        if not self.values:
            errors["values"] = required_error()
        if error := int_range_error(self.maxSelect, 0, len(self.values) or 1):
            errors["maxSelect"] = error
        return errors

    def item_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.values)}
