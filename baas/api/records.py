"""Records CRUD: `/api/collections/{collection}/records[/{id}]`.

    GET    /api/collections/<c>/records          list (page, perPage, sort, filter, expand, fields, skipTotal)
    GET    /api/collections/<c>/records/<id>     view
    POST   /api/collections/<c>/records          create -> 200 with the record
    PATCH  /api/collections/<c>/records/<id>     update
    DELETE /api/collections/<c>/records/<id>     delete -> 204

The handlers take the App, the werkzeug request and the caller's context, and return `(status, payload)`:
the Flask routes below call them, and so does `direct.py`, which serves these endpoints without Flask's
request machinery (they are the API's busiest). Query parameters are read from `context.query` (their
first values, as `request.args.get` gives them): werkzeug's `args.get` raises and catches an HTTP
exception for every parameter absent, which was several percent of a read by id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from flask import Blueprint, request
from werkzeug.wrappers import Request

from .. import errors
from ..core.context import RequestContext
from ..core.records.listing import ListQuery
from ..core.records.record import Record
from ..schema.collection import Collection
from .body import record_body
from .ratelimit import rate_limit_actions
from .render import render_record, render_records
from .util import core, ctx, json_response, no_content

if TYPE_CHECKING:
    from ..core.app import App

bp = Blueprint("records", __name__)

Answer = tuple[int, Any]  # (status, JSON payload; None for 204)


def collection_or_404(app: "App", id_or_name: str, message: str = "Missing collection context.") -> Collection:
    collection = app.collections.get(id_or_name)
    if collection is None:
        raise errors.not_found(message)
    return collection


def handle_list(app: "App", request: Request, context: RequestContext, collection: str) -> Answer:
    found = collection_or_404(app, collection)
    query = ListQuery.from_args(context.query)
    result = app.records.list(found, context, query)
    return 200, result.to_json(render_records(app, result.items, query.fields, context))


def handle_view(app: "App", request: Request, context: RequestContext, collection: str, record_id: str) -> Answer:
    found = collection_or_404(app, collection)
    record = app.records.view(found, record_id, context, expand=context.query.get("expand", ""))
    return 200, render_record(app, record, context.query.get("fields", ""), context)


def handle_create(app: "App", request: Request, context: RequestContext, collection: str) -> Answer:
    found = collection_or_404(app, collection, "Missing or invalid collection context.")
    record = app.records.create(found, context, record_body(request, found))
    return 200, render_after_write(app, context, record)


def handle_update(app: "App", request: Request, context: RequestContext, collection: str, record_id: str) -> Answer:
    found = collection_or_404(app, collection, "Missing or invalid collection context.")
    record = app.records.update(found, record_id, context, record_body(request, found))
    return 200, render_after_write(app, context, record)


def handle_delete(app: "App", request: Request, context: RequestContext, collection: str, record_id: str) -> Answer:
    app.records.delete(collection_or_404(app, collection), record_id, context)
    return 204, None


def render_after_write(app: "App", context: RequestContext, record: Record) -> dict[str, Any]:
    """The written record as the caller may see it (expand/fields from the query apply)."""
    expand = context.query.get("expand", "")
    if expand:
        app.records.expand([record], expand, context)
    return render_record(app, record, context.query.get("fields", ""), context)


class Endpoint(NamedTuple):
    name: str  # the Flask view's name
    handler: Callable[..., Answer]
    action: str  # the rate limit action
    rule: str  # Flask's URL rule (rate limit buckets are per rule)


COLLECTION_RULE = "/api/collections/<collection>/records"
RECORD_RULE = "/api/collections/<collection>/records/<record_id>"
#: (method, whether the path names a record) -> endpoint
ENDPOINTS: dict[tuple[str, bool], Endpoint] = {
    ("GET", False): Endpoint("list_records", handle_list, "list", COLLECTION_RULE),
    ("GET", True): Endpoint("view_record", handle_view, "view", RECORD_RULE),
    ("POST", False): Endpoint("create_record", handle_create, "create", COLLECTION_RULE),
    ("PATCH", True): Endpoint("update_record", handle_update, "update", RECORD_RULE),
    ("DELETE", True): Endpoint("delete_record", handle_delete, "delete", RECORD_RULE),
}


def _flask_view(endpoint: Endpoint) -> Callable:
    @rate_limit_actions(endpoint.action)
    def view(**path: str):
        status, payload = endpoint.handler(core(), request, ctx(), **path)
        return no_content() if status == 204 else json_response(payload, status)

    view.__name__ = endpoint.name
    return view


for (_method, _), _endpoint in ENDPOINTS.items():
    bp.add_url_rule(_endpoint.rule, view_func=_flask_view(_endpoint), methods=[_method])
