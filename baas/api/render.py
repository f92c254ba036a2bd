"""Records to JSON for the caller of the current request, with `fields=` applied."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.context import RequestContext
from ..core.records.projection import Projection
from ..core.records.record import Record
from ..core.records.serialize import to_api
from ..hooks.events import RecordEnrichEvent

if TYPE_CHECKING:
    from ..core.app import App


def render_record(app: "App", record: Record, fields: str, viewer: RequestContext) -> dict[str, Any]:
    enrich(app, [record], viewer)
    data = to_api(record, viewer, can_manage=_can_manage(app, record, viewer))
    projection = Projection.parse(fields)
    return projection.apply(data) if projection else data


def render_records(app: "App", records: list[Record], fields: str, viewer: RequestContext) -> list[dict[str, Any]]:
    enrich(app, records, viewer)
    projection = Projection.parse(fields)
    managed = _managed(app, records, viewer)
    items = [to_api(record, viewer, can_manage=record.id in managed) for record in records]
    return projection.apply(items) if projection else items


def enrich(app: "App", records: list[Record], viewer: RequestContext) -> None:
    """Fire `baas_record_enrich` for each record and its expanded records, before they are rendered."""
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


def _managed(app: "App", records: list[Record], viewer: RequestContext) -> set[str]:
    """The listed auth records whose manageRule the viewer holds (one query, not one per record)."""
    candidates = [record for record in records if _needs_manage_check(record, viewer)]
    return app.records.manageable(candidates, viewer) if candidates else set()


def _needs_manage_check(record: Record, viewer: RequestContext) -> bool:
    return (
        record.collection.is_auth
        and not viewer.is_superuser
        and viewer.auth is not None
        and bool(record.collection.rule("manageRule"))
    )


def _can_manage(app: "App", record: Record, viewer: RequestContext) -> bool:
    """Only auth records viewed by another signed-in record need the manageRule check."""
    return _needs_manage_check(record, viewer) and app.records.can_manage(record, viewer)
