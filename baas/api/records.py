"""Records CRUD: `/api/collections/{collection}/records[/{id}]`.

    GET    /api/collections/<c>/records          list (page, perPage, sort, filter, expand, fields, skipTotal)
    GET    /api/collections/<c>/records/<id>     view
    POST   /api/collections/<c>/records          create -> 200 with the record
    PATCH  /api/collections/<c>/records/<id>     update
    DELETE /api/collections/<c>/records/<id>     delete -> 204
"""

from __future__ import annotations

from flask import Blueprint, request

from .. import errors
from ..core.records.listing import ListQuery
from ..schema.collection import Collection
from .body import record_body
from .render import render_record, render_records
from .util import core, ctx, json_response, no_content

bp = Blueprint("records", __name__)


def collection_or_404(id_or_name: str, message: str = "Missing collection context.") -> Collection:
    collection = core().collections.get(id_or_name)
    if collection is None:
        raise errors.not_found(message)
    return collection


@bp.get("/api/collections/<collection>/records")
def list_records(collection: str):
    found = collection_or_404(collection)
    query = ListQuery.from_args(request.args)
    result = core().records.list(found, ctx(), query)
    return json_response(result.to_json(render_records(result.items, query.fields)))


@bp.get("/api/collections/<collection>/records/<record_id>")
def view_record(collection: str, record_id: str):
    found = collection_or_404(collection)
    record = core().records.view(found, record_id, ctx(), expand=request.args.get("expand", ""))
    return json_response(render_record(record, request.args.get("fields", "")))


@bp.post("/api/collections/<collection>/records")
def create_record(collection: str):
    found = collection_or_404(collection, "Missing or invalid collection context.")
    record = core().records.create(found, ctx(), record_body(found))
    return json_response(render_after_write(record))


@bp.patch("/api/collections/<collection>/records/<record_id>")
def update_record(collection: str, record_id: str):
    found = collection_or_404(collection, "Missing or invalid collection context.")
    record = core().records.update(found, record_id, ctx(), record_body(found))
    return json_response(render_after_write(record))


@bp.delete("/api/collections/<collection>/records/<record_id>")
def delete_record(collection: str, record_id: str):
    core().records.delete(collection_or_404(collection), record_id, ctx())
    return no_content()


def render_after_write(record):
    """The written record as the caller may see it (expand/fields from the query apply)."""
    expand = request.args.get("expand", "")
    if expand:
        core().records.expand([record], expand, ctx())
    return render_record(record, request.args.get("fields", ""))
