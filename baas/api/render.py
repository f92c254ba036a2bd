"""Records to JSON for the caller of the current request, with `fields=` applied."""

from __future__ import annotations

from typing import Any

from ..core.context import RequestContext
from ..core.records.projection import Projection
from ..core.records.record import Record
from ..core.records.serialize import to_api
from ..hooks.events import RecordEnrichEvent
from .util import core, ctx


def render_record(record: Record, fields: str = "", viewer: RequestContext | None = None) -> dict[str, Any]:
    viewer = viewer or ctx()
    enrich([record], viewer)
    data = to_api(record, viewer, can_manage=_can_manage(record, viewer))
    projection = Projection.parse(fields)
    return projection.apply(data) if projection else data


def render_records(records: list[Record], fields: str = "") -> list[dict[str, Any]]:
    viewer = ctx()
    enrich(records, viewer)
    projection = Projection.parse(fields)
    managed = _managed(records, viewer)
    items = [to_api(record, viewer, can_manage=record.id in managed) for record in records]
    return projection.apply(items) if projection else items


def enrich(records: list[Record], viewer: RequestContext) -> None:
    """Fire `baas_record_enrich` for each record and its expanded records, before they are rendered."""
    app = core()
    hook = app.hooks.hook.baas_record_enrich
    if not hook.get_hookimpls():  # the common case: no plugin enriches, skip the walk
        return
    seen: set[int] = set()
    pending = list(records)
    while pending:
        record = pending.pop()
        if id(record) in seen:
            continue
        seen.add(id(record))
        hook(event=RecordEnrichEvent(app, record, viewer))
        for value in record.expand.values():
            pending.extend(value if isinstance(value, list) else [value])


def _managed(records: list[Record], viewer: RequestContext) -> set[str]:
    """The listed auth records whose manageRule the viewer holds (one query, not one per record)."""
    candidates = [record for record in records if _needs_manage_check(record, viewer)]
    return core().records.manageable(candidates, viewer) if candidates else set()


def _needs_manage_check(record: Record, viewer: RequestContext) -> bool:
    return (
        record.collection.is_auth
        and not viewer.is_superuser
        and viewer.auth is not None
        and bool(record.collection.rule("manageRule"))
    )


def _can_manage(record: Record, viewer: RequestContext) -> bool:
    """Only auth records viewed by another signed-in record need the manageRule check."""
    return _needs_manage_check(record, viewer) and core().records.can_manage(record, viewer)
