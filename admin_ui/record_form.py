"""The record form generated from a collection's schema: one widget per field, read back into a body.

Each field posts under `r-<name>` (geoPoint as `r-<name>-lon` / `r-<name>-lat`; a file field's kept names
as `r-<name>-keep`, its removals as `r-<name>-remove`, new files as `r-<name>-upload`). `parse()` builds the
body the records service gets — the same keys the REST API takes, so validation, rules and hooks apply
unchanged — plus the input errors it found itself (e.g. JSON that does not parse).

`widget_value(field, value)` is the reverse: a stored value as its widget shows it.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from werkzeug.datastructures import FileStorage, MultiDict

from baas.schema.collection import Collection
from baas.schema.fields import Field

#: fields the server sets or that the form never edits directly
READ_ONLY_TYPES = frozenset({"autodate"})
AUTH_SKIPPED = frozenset({"tokenKey"})


def editable_fields(collection: Collection) -> list[Field]:
    return [f for f in collection.fields if f.type not in READ_ONLY_TYPES and not (collection.is_auth and f.name in AUTH_SKIPPED)]


# ---- stored value -> widget ------------------------------------------------------------------------
def widget_value(field: Field, value: Any) -> Any:
    kind = field.type
    if kind == "password":
        return ""
    if kind == "date":
        return date_input(value)
    if kind == "json":
        return "" if value is None else json.dumps(value, indent=2, ensure_ascii=False)
    if kind in ("select", "relation", "file"):
        return field.items(value) if hasattr(field, "items") else value
    if kind == "number":
        shown = field.to_api(value)
        return "" if shown is None else shown
    if kind == "geoPoint":
        return value if isinstance(value, dict) else {"lon": 0, "lat": 0}
    return value


def date_input(value: Any) -> str:
    """`2024-05-01 10:20:30.000Z` -> `2024-05-01T10:20:30` for `<input type="datetime-local">` (UTC)."""
    if not isinstance(value, str) or len(value) < 16:
        return ""
    return value[:19].replace(" ", "T")


def date_value(raw: str) -> str:
    """A datetime-local input (UTC) -> the API's date text; empty stays empty."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    text = raw.replace("T", " ")
    if len(text) == 16:
        text += ":00"
    return text + ("" if text.endswith("Z") else "Z")


# ---- posted form -> body ---------------------------------------------------------------------------
def parse(
    collection: Collection,
    form: MultiDict,
    files: MultiDict,
    *,
    is_new: bool,
    uploads_enabled: bool,
    upload_factory=None,
) -> tuple[dict[str, Any], dict[str, str]]:
    body: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field in editable_fields(collection):
        key = f"r-{field.name}"
        kind = field.type
        if field.name == "id":
            value = (form.get(key) or "").strip()
            if is_new and value:
                body["id"] = value
            continue
        if kind == "password":
            value = form.get(key) or ""
            if value:
                body[field.name] = value
                if collection.is_auth and field.name == "password":
                    body["passwordConfirm"] = form.get("passwordConfirm") or ""
            continue
        if kind == "bool":
            body[field.name] = form.get(key) in ("on", "true", "1")
        elif kind == "date":
            body[field.name] = date_value(form.get(key, ""))
        elif kind == "json":
            text = (form.get(key) or "").strip()
            if text == "":
                body[field.name] = None
            else:
                try:
                    body[field.name] = json.loads(text)
                except ValueError as error:
                    problems[field.name] = f"Invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
        elif kind == "geoPoint":
            body[field.name] = {"lon": _float(form.get(key + "-lon")), "lat": _float(form.get(key + "-lat"))}
            if body[field.name]["lon"] is None or body[field.name]["lat"] is None:
                problems[field.name] = "Longitude and latitude must be numbers."
        elif kind in ("select", "relation"):
            values = [value for value in form.getlist(key) if value]
            body[field.name] = values if field.is_multiple() else (values[-1] if values else "")
        elif kind == "file":
            error = _file_body(field, form, files, body, key, uploads_enabled, upload_factory)
            if error:
                problems[field.name] = error
        else:
            body[field.name] = form.get(key, "")
    return body, problems


def _file_body(field: Field, form: MultiDict, files: MultiDict, body: dict[str, Any], key: str, uploads_enabled: bool, upload_factory) -> str:
    """Removals as `name-` (PocketBase's modifier), new files appended as `name+`; an error message or ""."""
    removed = [name for name in form.getlist(key + "-remove") if name]
    if removed:
        body[f"{field.name}-"] = removed
    new = [item for item in files.getlist(key + "-upload") if isinstance(item, FileStorage) and item.filename]
    if new and uploads_enabled and upload_factory is not None:
        try:
            body[f"{field.name}+"] = [upload_factory(item) for item in new]
        except ValueError as error:  # the file name is refused, as the REST API would refuse it
            return str(error)
    return ""


def _float(raw: str | None) -> float | None:
    try:
        return float((raw or "0").strip() or "0")
    except ValueError:
        return None


def display_value(field: Field, value: Any) -> str:
    """A short text for a table cell (templates escape it)."""
    if value is None:
        return ""
    if field.type == "bool":
        return "yes" if value else "no"
    if field.type == "password":
        return "••••••"
    if field.type in ("date", "autodate") and isinstance(value, str):
        return value[:19]  # to the second; the form shows the full value
    if isinstance(value, (dict, list)):
        if field.type in ("select", "relation", "file"):
            return ", ".join(str(item) for item in value)
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def form_values(collection: Collection, form: Mapping[str, Any]) -> dict[str, Any]:
    """Posted values back in widget shape, to re-show a form that failed to save (passwords excluded)."""
    shown: dict[str, Any] = {}
    for field in editable_fields(collection):
        key = f"r-{field.name}"
        if field.type in ("select", "relation"):
            shown[field.name] = [v for v in form.getlist(key) if v]
        elif field.type == "file":
            shown[field.name] = [v for v in form.getlist(key + "-keep") if v]
        elif field.type == "bool":
            shown[field.name] = form.get(key) in ("on", "true", "1")
        elif field.type == "geoPoint":
            shown[field.name] = {"lon": form.get(key + "-lon", ""), "lat": form.get(key + "-lat", "")}
        elif field.type == "password":
            shown[field.name] = ""
        else:
            shown[field.name] = form.get(key, "")
    return shown
