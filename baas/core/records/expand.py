"""`expand=`: attach related records, one query per relation and level, never one per record.

Paths are comma separated and nest with dots (`author.team,comments_via_post`), at most six levels. Each
related collection's viewRule applies (with `@request.context = "expand"`); what the caller may not view
is silently left out. A single relation expands to an object, a multiple one or a back-relation to a list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ...schema.collection import Collection
from .record import Record
from .rules import LOCKED, rule_condition

if TYPE_CHECKING:
    from ..context import RequestContext
    from .service import RecordsService

MAX_EXPAND_DEPTH = 6


def parse_expand(text: str) -> dict[str, dict]:
    tree: dict[str, dict] = {}
    for path in text.split(","):
        parts = [part.strip() for part in path.strip().split(".") if part.strip()][:MAX_EXPAND_DEPTH]
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
    return tree


def expand_records(service: "RecordsService", records: list[Record], text: str, ctx: "RequestContext") -> None:
    _expand(service, records, parse_expand(text), ctx.with_context("expand"))


def _expand(service: "RecordsService", records: list[Record], tree: dict[str, dict], ctx: "RequestContext") -> None:
    if not records:
        return
    collection = records[0].collection
    for name, subtree in tree.items():
        if "_via_" in name:
            related = _expand_back_relation(service, collection, records, name, ctx)
        else:
            related = _expand_relation(service, collection, records, name, ctx)
        if related is None:  # not a relation of this collection: ignored, as PocketBase does
            continue
        for record in records:
            record.expanded = True
        if related:
            _expand(service, related, subtree, ctx)


def _viewable(service: "RecordsService", target: Collection, ids: list[str], ctx: "RequestContext") -> dict[str, Record]:
    condition = rule_condition(service.app, target, "viewRule", ctx)
    if condition is LOCKED or not ids:
        return {}
    return {record.id: record for record in service.repo.find_many(target, ids, condition)}


def _expand_relation(service, collection: Collection, records: list[Record], name: str, ctx) -> list[Record] | None:
    field = collection.get_field(name)
    if field is None or field.type != "relation":
        return None
    target = service.app.collections.get(field.collectionId)
    if target is None:
        return None
    ids = [item for record in records for item in _as_list(record.get(name))]
    found = _viewable(service, target, ids, ctx)
    for record in records:
        if field.is_multiple():
            items = [found[item] for item in _as_list(record.get(name)) if item in found]
            if items:
                record.expand[name] = items
        elif record.get(name) in found:
            record.expand[name] = found[record.get(name)]
    return list(found.values())


def _expand_back_relation(service, collection: Collection, records: list[Record], name: str, ctx) -> list[Record] | None:
    source_name, field_name = name.split("_via_", 1)
    source = service.app.collections.get(source_name)
    field = source.get_field(field_name) if source is not None else None
    if source is None or field is None or field.type != "relation" or field.collectionId != collection.id:
        return None
    condition = rule_condition(service.app, source, "viewRule", ctx)
    if condition is LOCKED:
        return []
    ids = [record.id for record in records]
    table = source.table(service.app.db.dialect)
    column = table.c[field.name]
    if field.is_multiple():
        elements = service.app.db.dialect.json_array_elements(column, "via")
        match = select(elements.c.value).where(elements.c.value.in_(ids)).exists()
    else:
        match = column.in_(ids)
    query = select(table).where(match)
    if condition is not None:
        query = query.where(condition)
    with service.app.db.read() as connection:
        related = [service.repo.from_row(source, row) for row in connection.execute(query).all()]
    by_target: dict[str, list[Record]] = {}
    for item in related:
        for target_id in _as_list(item.get(field.name)):
            by_target.setdefault(target_id, []).append(item)
    for record in records:
        if record.id in by_target:
            record.expand[name] = by_target[record.id]
    return related


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [item for item in value if item]
    return [value] if value else []
