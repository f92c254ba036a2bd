"""Records to JSON for the caller of the current request, with `fields=` applied."""

from __future__ import annotations

from typing import Any

from ..core.context import RequestContext
from ..core.records.projection import Projection
from ..core.records.record import Record
from ..core.records.serialize import to_api
from .util import core, ctx


def render_record(record: Record, fields: str = "", viewer: RequestContext | None = None) -> dict[str, Any]:
    viewer = viewer or ctx()
    data = to_api(record, viewer, can_manage=_can_manage(record, viewer))
    projection = Projection.parse(fields)
    return projection.apply(data) if projection else data


def render_records(records: list[Record], fields: str = "") -> list[dict[str, Any]]:
    viewer = ctx()
    projection = Projection.parse(fields)
    items = [to_api(record, viewer, can_manage=_can_manage(record, viewer)) for record in records]
    return projection.apply(items) if projection else items


def _can_manage(record: Record, viewer: RequestContext) -> bool:
    """Only auth records viewed by another signed-in record need the manageRule check."""
    if not record.collection.is_auth or viewer.is_superuser or viewer.auth is None:
        return False
    if record.collection.options.get("manageRule") is None:
        return False
    return core().records.can_manage(record, viewer)
