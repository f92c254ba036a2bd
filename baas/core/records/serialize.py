"""A record as the API returns it, for one viewer.

`password` values and an auth collection's `tokenKey` are never output; other hidden fields only to
superusers; an auth record's `email` only when `emailVisibility` is on or the viewer is the record itself,
a superuser or a holder of the collection's manageRule (the caller decides that last one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .record import Record

if TYPE_CHECKING:
    from ..context import RequestContext


def is_never_output(record: Record, name: str, field_type: str) -> bool:
    return field_type == "password" or (record.collection.is_auth and name == "tokenKey")


def to_api(record: Record, ctx: "RequestContext", *, can_manage: bool = False) -> dict[str, Any]:
    collection = record.collection
    out: dict[str, Any] = {"collectionId": collection.id, "collectionName": collection.name}
    show_hidden = ctx.is_superuser
    for field in collection.fields:
        if is_never_output(record, field.name, field.type) or (field.hidden and not show_hidden):
            continue
        out[field.name] = field.to_api(record.data.get(field.name, field.zero()))
    if collection.is_auth and "email" in out and not show_hidden and not can_manage:
        is_self = ctx.auth is not None and ctx.auth.id == record.id and ctx.auth.collection.id == collection.id
        if not (record.data.get("emailVisibility") or is_self):
            del out["email"]
    out.update(record.extra)
    if record.expand or record.expanded:
        out["expand"] = {
            key: [to_api(item, ctx) for item in value] if isinstance(value, list) else to_api(value, ctx)
            for key, value in record.expand.items()
        }
    return out
