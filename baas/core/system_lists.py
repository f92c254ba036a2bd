"""Listing system tables (collections now, logs later) with the same filter/sort language as records.

A system table is described as a pseudo-collection whose fields are its filterable columns, so the one
filter compiler serves it too; nothing else of the record machinery applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, func, select

from .. import errors
from ..db.tables import collections_table
from ..query.compiler import FilterError, compile_filter, compile_sort
from ..query.request import RequestData
from ..schema.collection import Collection
from ..schema.fields import field_from_json
from .records.listing import ListQuery, ListResult

if TYPE_CHECKING:
    from .app import App

COLLECTIONS_VIEW = Collection(
    id="_collections",
    name="_collections",
    fields=[
        field_from_json({"name": name, "type": kind})
        for name, kind in (
            ("id", "text"), ("name", "text"), ("type", "text"), ("system", "bool"), ("listRule", "text"),
            ("viewRule", "text"), ("createRule", "text"), ("updateRule", "text"), ("deleteRule", "text"),
            ("created", "text"), ("updated", "text"),
        )
    ],
)


def list_collections(app: "App", query: ListQuery) -> ListResult:
    app.refresh()
    table = collections_table
    try:
        where = compile_filter(query.filter, COLLECTIONS_VIEW, schema=lambda _: None, dialect=app.db.dialect,
                               request=RequestData.guest(), table=table) if query.filter.strip() else None
        order = compile_sort(query.sort, COLLECTIONS_VIEW, schema=lambda _: None, dialect=app.db.dialect,
                             request=RequestData.guest(), table=table) if query.sort.strip() else [table.c.created, table.c.name]
    except FilterError as error:
        raise errors.bad_request(cause=error) from error
    rows_query = select(table.c.id)
    count_query = select(func.count()).select_from(table)
    if where is not None:
        rows_query, count_query = rows_query.where(and_(where)), count_query.where(where)
    with app.db.read() as connection:
        ids = connection.execute(rows_query.order_by(*order).limit(query.per_page).offset(query.offset)).scalars().all()
        total = -1 if query.skip_total else int(connection.execute(count_query).scalar() or 0)
    items = [app.collections.get(collection_id) for collection_id in ids]
    return ListResult(page=query.page, per_page=query.per_page, total_items=total, items=[c for c in items if c])
