"""`file`: names of files stored for the record; new uploads arrive as objects and are validated here."""

from __future__ import annotations

import json
import re
from typing import Any

from ...errors import FieldError
from .base import SettingsContext, ValueContext, register
from .select import MultiValueField, required_error, to_unique_strings
from .text import int_range_error, stored_value, to_text

DEFAULT_MAX_SIZE = 5 * 1024 * 1024
_THUMB = re.compile(r"\d+x\d+[tbf]?")
_ZERO_THUMBS = ("0x0", "0x0t", "0x0b", "0x0f")
_UPLOAD_NAME = re.compile(r"[^./\\][^/\\]+")
_MAX_UPLOAD_NAME = 150
_MAX_REPORTED_NAME = 250


def _quoted(text: str) -> str:
    """A name quoted the way Go's `%q` does it in messages."""
    return json.dumps(text, ensure_ascii=False)


@register
class FileField(MultiValueField):
    """File name(s); single (`maxSelect` <= 1, zero `""`) or multiple (zero `[]`).

    Items are stored names (str) or, before saving, upload objects exposing `name`, `size` and `content_type`
    (and optionally `original_name`); a list may mix both. See `MultiValueField` for shapes and modifiers
    (`name-` removes by file name). Checks: required, then names that are neither stored already
    (`stored_value(ctx, name)`) nor uploads (`validation_invalid_file`: clients cannot invent names), at most
    `max(maxSelect, 1)` files, then per upload its name, size (`maxSize`, 0 = 5 MB) and `mimeTypes`.
    """

    type = "file"
    option_defaults = {"maxSelect": 0, "maxSize": 0, "mimeTypes": [], "protected": False, "thumbs": []}
    widget = "file"

    def items(self, value: Any) -> list[Any]:
        if _is_upload(value):
            candidates = [value]
        elif isinstance(value, (list, tuple)):
            candidates = [item if _is_upload(item) else to_text(item) for item in value]
        else:
            candidates = to_unique_strings(value)
        found: dict[str, Any] = {}
        for item in candidates:
            if item != "":
                found.setdefault(self.item_name(item), item)
        return list(found.values())

    def item_name(self, item: Any) -> str:
        return item if isinstance(item, str) else item.name

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        files = self.items(value)
        if not files:
            return required_error() if self.required else None
        stored = {self.item_name(item) for item in self.items(stored_value(ctx, self.name))}
        invented = [item[:_MAX_REPORTED_NAME] for item in files if isinstance(item, str) and item not in stored]
        if invented:
            return FieldError(
                "validation_invalid_file",
                f"Invalid new files: [{' '.join(invented)}].",
                {"invalidFiles": invented},
            )
        if len(files) > self.max_items():
            return FieldError(
                "validation_too_many_files",
                f"The maximum allowed files is {self.max_items()}.",
                {"maxSelect": self.max_items()},
            )
        for upload in files:
            if not isinstance(upload, str) and (error := self._upload_error(upload)):
                return error
        return None

    def _upload_error(self, upload: Any) -> FieldError | None:
        name = upload.name
        if not 1 <= len(name) <= _MAX_UPLOAD_NAME:
            return FieldError(
                "validation_length_out_of_range",
                f"The length must be between 1 and {_MAX_UPLOAD_NAME}.",
                {"min": 1, "max": _MAX_UPLOAD_NAME},
            )
        if not _UPLOAD_NAME.fullmatch(name):
            return FieldError("validation_match_invalid", "Must be in a valid format.")
        original = getattr(upload, "original_name", None) or name
        max_size = self.maxSize or DEFAULT_MAX_SIZE
        if upload.size > max_size:
            return FieldError(
                "validation_file_size_limit",
                f"Failed to upload {original} - the maximum allowed file size is {max_size} bytes.",
                {"file": original, "maxSize": max_size},
            )
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        if self.mimeTypes and content_type not in [mime.lower() for mime in self.mimeTypes]:
            return FieldError(
                "validation_invalid_mime_type",
                f"{_quoted(name)} mime type must be one of: {', '.join(self.mimeTypes)}.",
            )
        return None

    def validate_settings(self, ctx: SettingsContext) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        for key in ("maxSelect", "maxSize"):
            if error := int_range_error(self.options[key], 0):
                errors[key] = error
        thumbs = {str(index): error for index, thumb in enumerate(self.thumbs) if (error := _thumb_error(thumb))}
        if thumbs:
            errors["thumbs"] = thumbs
        return errors

    def item_schema(self) -> dict[str, Any]:
        return {"type": "string", "description": "file name"}


def _is_upload(item: Any) -> bool:
    return not isinstance(item, (str, list, tuple, dict)) and hasattr(item, "name") and hasattr(item, "size")


def _thumb_error(thumb: Any) -> FieldError | None:
    if thumb == "":
        return None
    if thumb in _ZERO_THUMBS:
        return FieldError("validation_not_in_invalid", "Must not be in list.")
    if not (isinstance(thumb, str) and _THUMB.fullmatch(thumb)):
        return FieldError("validation_match_invalid", "Must be in a valid format.")
    return None
