"""Applying a request body to a record: field values, modifiers, and what a caller may not set.

Body keys name fields, optionally with a modifier: `name+` (append / increment), `+name` (prepend) and
`name-` (remove / decrement). Unknown keys are ignored, as are autodate fields (the server sets them),
hidden fields for non-superusers (silently dropped, like PocketBase). A different `id` on update reaches
validation, which refuses it (`validation_pk_change`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .record import Record

if TYPE_CHECKING:
    from ..context import RequestContext

AUTH_ONLY_KEYS = ("passwordConfirm", "oldPassword")


def split_key(key: str) -> tuple[str, str]:
    """`name+` -> (name, "+"), `+name` -> (name, "^"), `name-` -> (name, "-"), `name` -> (name, "")."""
    if key.endswith("+"):
        return key[:-1], "+"
    if key.startswith("+"):
        return key[1:], "^"
    if key.endswith("-"):
        return key[:-1], "-"
    return key, ""


def apply_body(record: Record, body: dict[str, Any], ctx: "RequestContext") -> dict[str, Any]:
    """Set the body's values on `record`; return the resolved values, which rules see as @request.body."""
    collection = record.collection
    resolved: dict[str, Any] = {}
    plain, modified = [], []
    for key, raw in body.items():
        name, modifier = split_key(key)
        if modifier and key not in AUTH_ONLY_KEYS:
            modified.append((name, modifier, raw))
        else:
            plain.append((name, modifier, raw))
    for name, modifier, raw in plain + modified:  # plain values first, then the modifiers apply on them
        field = collection.get_field(name)
        if field is None or field.type == "autodate":
            continue
        if field.hidden and field.type != "password" and not ctx.is_superuser:
            continue
        if modifier and not modifier_supported(field, modifier):
            continue
        if modifier:
            record.set(name, field.apply_modifier(record.get(name, field.zero()), modifier, raw))
        else:
            record.set(name, field.prepare(raw))
        resolved[name] = record.get(name)
    return resolved


def modifier_supported(field, modifier: str) -> bool:
    return modifier in field.modifiers
