"""The collections API (superusers only).

    GET    /api/collections                        list (page, perPage, sort, filter, fields, skipTotal)
    POST   /api/collections                        create
    GET    /api/collections/<c>                    view
    PATCH  /api/collections/<c>                    update
    DELETE /api/collections/<c>                    delete -> 204
    DELETE /api/collections/<c>/truncate           delete every record -> 204
    PUT    /api/collections/import                 {collections, deleteMissing} -> 204
    GET    /api/collections/meta/scaffolds         the default definition per type
    GET    /api/collections/meta/oauth2-providers  the built-in OAuth2 providers [{name, displayName, logo}]
    POST   /api/collections/meta/dry-run-view      {query} -> {fields, sample}
"""

from __future__ import annotations

from flask import Blueprint, request

from .. import errors
from ..core import oauth2
from ..core.records.listing import ListQuery
from ..core.records.projection import Projection
from ..core.system_lists import list_collections
from .util import core, json_body, json_response, no_content, require_superuser

bp = Blueprint("collections", __name__)


@bp.before_request
def superusers_only():
    require_superuser()


@bp.get("/api/collections")
def list_all():
    query = ListQuery.from_args(request.args)
    result = list_collections(core(), query)
    items = [collection.to_json() for collection in result.items]
    projection = Projection.parse(query.fields)
    return json_response(result.to_json(projection.apply(items) if projection else items))


@bp.post("/api/collections")
def create():
    return projected(core().collections_service.create(json_body()).to_json())


@bp.get("/api/collections/<collection>")
def view(collection: str):
    return projected(core().collections_service.get(collection).to_json())


@bp.patch("/api/collections/<collection>")
def update(collection: str):
    return projected(core().collections_service.update(collection, json_body()).to_json())


@bp.delete("/api/collections/<collection>")
def delete(collection: str):
    core().collections_service.delete(collection)
    return no_content()


@bp.delete("/api/collections/<collection>/truncate")
def truncate(collection: str):
    core().collections_service.truncate(collection)
    return no_content()


@bp.put("/api/collections/import")
def import_collections():
    body = json_body()
    items, delete_missing = body.get("collections"), body.get("deleteMissing", False)
    if items is not None and not isinstance(items, list) or not isinstance(delete_missing, bool):
        raise errors.bad_request("An error occurred while loading the submitted data.")
    if not items:
        raise errors.bad_request(
            "An error occurred while validating the submitted data.",
            {"collections": errors.FieldError("validation_required", "Cannot be blank.")},
        )
    core().collections_service.import_collections(items, delete_missing)
    return no_content()


@bp.get("/api/collections/meta/scaffolds")
def scaffolds():
    return projected(core().collections_service.scaffolds())


@bp.get("/api/collections/meta/oauth2-providers")
def oauth2_providers():
    return json_response(oauth2.all_providers())


@bp.post("/api/collections/meta/dry-run-view")
def dry_run_view():
    query = json_body().get("query")
    if query is not None and not isinstance(query, str):
        raise errors.bad_request("An error occurred while loading the submitted data.")
    if not query or not query.strip():
        raise errors.bad_request(
            "An error occurred while validating the submitted data.",
            {"query": errors.FieldError("validation_required", "Cannot be blank.")},
        )
    return projected(core().collections_service.dry_run_view(query))


def projected(data):
    """`data` as JSON, narrowed by the `fields` query parameter as PocketBase does for every response."""
    projection = Projection.parse(request.args.get("fields", ""))
    return json_response(projection.apply(data) if projection else data)
