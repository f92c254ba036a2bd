"""A record as the API returns it, for one viewer.

`password` values and an auth collection's `tokenKey` are never output; other hidden fields only to
superusers; an auth record's `email` only when `emailVisibility` is on or the viewer is the record itself,
a superuser or a holder of the collection's manageRule (the caller decides that last one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable
from weakref import WeakKeyDictionary

from ...schema.collection import Collection
from ...schema.fields import Field
from .record import Record

if TYPE_CHECKING:
    from ..context import RequestContext

#: per collection version: (name, to_api, zero) of the fields output to others, and to superusers
_OutputPlan = list[tuple[str, Callable[[Any], Any], Callable[[], Any]]]
_plans: WeakKeyDictionary[Collection, tuple[_OutputPlan, _OutputPlan]] = WeakKeyDictionary()


def is_never_output(collection: Collection, field: Field) -> bool:
    return field.type == "password" or (collection.is_auth and field.name == "tokenKey")


def _output_plan(collection: Collection, show_hidden: bool) -> _OutputPlan:
    """Which fields to output and how, worked out once per collection (a listing renders many records)."""
    plans = _plans.get(collection)
    if plans is None:
        shown = [field for field in collection.fields if not is_never_output(collection, field)]
        plans = tuple(
            [(field.name, field.to_api, field.zero) for field in shown if with_hidden or not field.hidden]
            for with_hidden in (False, True)
        )
        _plans[collection] = plans
    return plans[show_hidden]


def to_api(record: Record, ctx: "RequestContext", *, can_manage: bool = False) -> dict[str, Any]:
    collection = record.collection
    out: dict[str, Any] = {"collectionId": collection.id, "collectionName": collection.name}
    show_hidden = ctx.is_superuser
    data = record.data
    for name, output, zero in _output_plan(collection, show_hidden):
        out[name] = output(data[name] if name in data else zero())
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
