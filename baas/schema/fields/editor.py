"""`editor`: rich text (HTML) stored as a string."""

from __future__ import annotations

from typing import Any

from ...errors import FieldError
from .base import Field, SettingsContext, ValueContext, register
from .text import int_range_error, to_text

DEFAULT_MAX_SIZE = 5 * 1024 * 1024


@register
class EditorField(Field):
    """HTML text; zero value `""`. The HTML is stored as given (sanitising is the reader's job).

    Input is cast like text (`5` → `"5"`). Checks: required, then the UTF-8 size against `maxSize` bytes
    (0 = 5 MB). `convertURLs` only tells the console's editor how to write links. No modifiers.
    """

    type = "editor"
    option_defaults = {"convertURLs": False, "maxSize": 0}
    filter_kind = "text"
    widget = "editor"

    def from_db(self, value: Any, dialect) -> str:
        return to_text(value)

    def prepare(self, raw: Any) -> str:
        return to_text(raw)

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        if value == "":
            return FieldError("validation_required", "Cannot be blank.") if self.required else None
        max_size = self.maxSize or DEFAULT_MAX_SIZE
        if len(value.encode()) > max_size:
            return FieldError(
                "validation_content_size_limit",
                f"The maximum allowed content size is {max_size} bytes.",
                {"maxSize": max_size},
            )
        return None

    def validate_settings(self, ctx: SettingsContext) -> dict[str, FieldError]:
        error = int_range_error(self.maxSize, 0)
        return {"maxSize": error} if error else {}

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "html"}
