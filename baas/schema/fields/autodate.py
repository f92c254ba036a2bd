"""`autodate`: a datetime the server stamps on create and/or update (`created`, `updated`)."""

from __future__ import annotations

from typing import Any

from ... import dates
from ...errors import FieldError
from .base import Field, SettingsContext, register
from .date import normalize_date


@register
class AutodateField(Field):
    """A server-set datetime string (`YYYY-MM-DD HH:MM:SS.sssZ`); zero value `""`.

    `autofill` sets the current time on create when `onCreate` and on update when `onUpdate` (a field with only
    `onUpdate` stays `""` on create). PocketBase ignores request-body values for it, so callers must not
    apply API input to it; `prepare` only normalises a datetime for trusted writers (imports, migrations).
    It has neither `required` nor `help`, and at least one of `onCreate`/`onUpdate` must be set. No modifiers.
    """

    type = "autodate"
    option_defaults = {"onCreate": False, "onUpdate": False}
    has_required = False
    filter_kind = "text"
    widget = "autodate"

    def from_db(self, value: Any, dialect) -> str:
        return value if isinstance(value, str) else normalize_date(value)

    def prepare(self, raw: Any) -> str:
        return normalize_date(raw)

    def autofill(self, value: Any, is_new: bool, now: str = "") -> Any:
        if (is_new and self.onCreate) or (not is_new and self.onUpdate):
            return now or dates.now_text()
        return value

    def validate_settings(self, ctx: SettingsContext) -> dict[str, FieldError]:
        if self.onCreate or self.onUpdate:
            return {}
        error = FieldError("validation_required", "Either onCreate or onUpdate must be enabled.")
        return {"onCreate": error, "onUpdate": error}

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "readOnly": True, "example": "2022-01-01 10:00:00.123Z"}
