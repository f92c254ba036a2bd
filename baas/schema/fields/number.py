"""`number`: a float64 like PocketBase's, with the number helpers geoPoint shares."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ...errors import FieldError
from .base import Field, SettingsContext, ValueContext, register

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine

    from ...db.dialect import Dialect

#: Go's JSON encoder switches to exponent notation from 1e21 on.
_EXPONENT_FROM = 1e21


def to_float(raw: Any) -> float:
    """PocketBase's number cast: numbers and booleans convert, numeric strings parse, anything else is 0.

    Strings follow Go's `ParseFloat`: no surrounding spaces, ASCII digits only; `"Inf"`/`"NaN"` do parse
    (and then fail validation as not-a-number).
    """
    if isinstance(raw, (bool, int, float)):
        try:
            return float(raw)
        except OverflowError:
            return math.inf if raw > 0 else -math.inf
    if isinstance(raw, str) and raw.isascii() and raw == raw.strip():
        try:
            return float(raw)
        except ValueError:
            return 0.0
    return 0.0


def json_number(value: float) -> int | float:
    """A float as Go's JSON encoder writes it: integral values without `.0` (`5.0` → `5`)."""
    value = float(value)
    if math.isfinite(value) and value.is_integer() and abs(value) < _EXPONENT_FROM:
        return int(Decimal(repr(value)))  # shortest digits, like Go: 1.2345678901234567e19 → 12345678901234567000
    return value


def number_text(value: float) -> str:
    """A float as Go's `%v` prints it in messages (`5`, `1.5`, `1e+21`)."""
    return str(json_number(value))


@register
class NumberField(Field):
    """A float; zero value `0`, which also counts as blank (`required` means non-zero, and a zero value skips
    the other checks).

    Input: numbers as-is, `true`/`false` → 1/0, numeric strings parsed (`"1e3"` → 1000), anything else → 0.
    Checks, in order: not `Inf`/`NaN`, `onlyInt`, `min`, `max` (each `null` = unbounded). Modifiers `name+` and
    `name-` add and subtract. The API shows integral values without a fraction.
    """

    type = "number"
    option_defaults = {"max": None, "min": None, "onlyInt": False}
    filter_kind = "number"
    widget = "number"
    modifiers = frozenset({"+", "-"})

    def column_ddl(self, dialect: "Dialect") -> str:
        return f"{dialect.number_ddl()} DEFAULT 0 NOT NULL"

    def column_type(self, dialect: "Dialect") -> "TypeEngine":
        return dialect.number_type()

    def to_db(self, value: Any, dialect: "Dialect") -> float:
        return to_float(value)

    def from_db(self, value: Any, dialect: "Dialect") -> float:
        return to_float(value)

    def zero(self) -> float:
        return 0.0

    def prepare(self, raw: Any) -> float:
        return to_float(raw)

    def apply_modifier(self, current: Any, modifier: str, raw: Any) -> float:
        if modifier == "+":
            return to_float(current) + to_float(raw)
        if modifier == "-":
            return to_float(current) - to_float(raw)
        return super().apply_modifier(current, modifier, raw)

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        value = to_float(value)
        if not math.isfinite(value):
            return FieldError("validation_not_a_number", "The submitted number is not properly formatted.")
        if value == 0:
            return FieldError("validation_required", "Cannot be blank.") if self.required else None
        if self.onlyInt and not value.is_integer():
            return FieldError("validation_only_int_constraint", "Decimal numbers are not allowed.")
        if self.min is not None and value < self.min:
            return _min_error(self.min)
        if self.max is not None and value > self.max:
            return FieldError(
                "validation_max_number_constraint",
                f"Must be less or equal than {number_text(self.max)}.",
                {"max": json_number(self.max)},
            )
        return None

    def validate_settings(self, ctx: SettingsContext) -> dict[str, FieldError]:
        errors: dict[str, FieldError] = {}
        for key in ("min", "max"):
            bound = self.options[key]
            if self.onlyInt and bound is not None and not float(bound).is_integer():
                errors[key] = FieldError("validation_only_int_constraint", "Decimal numbers are not allowed.")
        if "max" not in errors and self.min is not None and self.max is not None and self.max < self.min:
            errors["max"] = _min_error(self.min)
        return errors

    def to_api(self, value: Any) -> int | float:
        return json_number(to_float(value))

    def is_blank(self, value: Any) -> bool:
        return to_float(value) == 0

    def openapi_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer" if self.onlyInt else "number"}
        if self.min is not None:
            schema["minimum"] = self.min
        if self.max is not None:
            schema["maximum"] = self.max
        return schema


def _min_error(minimum: float) -> FieldError:
    return FieldError(
        "validation_min_number_constraint",
        f"Must be greater or equal than {number_text(minimum)}.",
        {"min": json_number(minimum)},
    )
