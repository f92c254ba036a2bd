"""`date`: a datetime kept as PocketBase's UTC text `YYYY-MM-DD HH:MM:SS.sssZ`.

`normalize_date` is shared with `autodate`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from ... import dates
from ...errors import FieldError
from .base import Field, ValueContext, register

# The shapes PocketBase parses: a date, or date and time (`T` or space, optional fraction) with an optional
# zone: `Z`, `+02:00`, `+0200`, or Go's own `+0000 UTC`. Anything else (`2020-06-01 00:00`, unix numbers)
# is not a date and becomes blank.
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:(Z)|\s?([+-])(\d{2}):?(\d{2})(?: [A-Z]{3,5})?)?)?"
)


def parse_date(value: str) -> datetime | None:
    match = _DATETIME.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, _, sign, zone_h, zone_m = match.groups()
    zone = timezone.utc
    if sign:
        offset = timedelta(hours=int(zone_h), minutes=int(zone_m))
        zone = timezone(offset if sign == "+" else -offset)
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=zone,
        ).astimezone(timezone.utc)
    except ValueError:
        return None


def normalize_date(raw: Any) -> str:
    """Any input as `YYYY-MM-DD HH:MM:SS.sssZ`, or `""` when it is not a datetime (numbers included)."""
    if isinstance(raw, datetime):
        return dates.format_datetime(raw)
    parsed = parse_date(raw) if isinstance(raw, str) else None
    return dates.format_datetime(parsed) if parsed else ""


def _fraction(moment: datetime) -> str:
    digits = f"{moment.microsecond:06d}".rstrip("0")
    return f".{digits}" if digits else ""


def _bound_error(code: str, phrase: str, bound: datetime) -> FieldError:
    """PocketBase words date bounds the way Go prints a time (`2020-01-01 00:00:00 +0000 UTC`)."""
    printed = f"{bound:%Y-%m-%d %H:%M:%S}{_fraction(bound)} +0000 UTC"
    threshold = f"{bound:%Y-%m-%dT%H:%M:%S}{_fraction(bound)}Z"
    return FieldError(code, f"Must be {phrase} {printed}.", {"threshold": threshold})


@register
class DateField(Field):
    """A datetime string; zero value `""`.

    Input strings in the accepted shapes are normalised to UTC `YYYY-MM-DD HH:MM:SS.sssZ` (milliseconds,
    truncated); anything else — other shapes, numbers, lists — becomes `""`, so only `required` can reject it.
    The `min`/`max` options are normalised the same way when the definition is loaded (unparseable → `""`),
    then checked inclusively. No modifiers.
    """

    type = "date"
    option_defaults = {"max": "", "min": ""}
    filter_kind = "text"
    widget = "date"

    def __init__(self, name: str, **kwargs: Any):
        super().__init__(name, **kwargs)
        for key in ("min", "max"):
            self.options[key] = normalize_date(self.options[key])

    def from_db(self, value: Any, dialect) -> str:
        return value if isinstance(value, str) else normalize_date(value)

    def prepare(self, raw: Any) -> str:
        return normalize_date(raw)

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        moment = parse_date(value) if isinstance(value, str) and value else None
        if moment is None:
            return FieldError("validation_required", "Cannot be blank.") if self.required else None
        low = parse_date(self.min) if self.min else None
        if low and moment < low:
            return _bound_error("validation_min_greater_equal_than_required", "no less than", low)
        high = parse_date(self.max) if self.max else None
        if high and moment > high:
            return _bound_error("validation_max_less_equal_than_required", "no greater than", high)
        return None

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "example": "2022-01-01 10:00:00.123Z"}
