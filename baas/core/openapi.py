"""An OpenAPI 3.1 document of the records API, built from the collection definitions.

Each collection contributes its CRUD paths and three schemas: the record as the API returns it, the body
of a create and the body of an update. Field schemas come from each field type's `openapi_schema()`;
hidden and password values are left out of the output, autodate fields out of the input.
"""

from __future__ import annotations

from typing import Any, Iterable

from importlib.metadata import version

from apispec import APISpec

from ..schema.collection import Collection

LIST_PARAMETERS = [
    ("page", "integer", "1-based page number (default 1)."),
    ("perPage", "integer", "Records per page (default 30, at most 1000)."),
    ("sort", "string", "Comma-separated fields, `-` for descending; `@random`, relation paths."),
    ("filter", "string", "A filter expression, e.g. `views > 10 && author.name ~ 'ann'`."),
    ("expand", "string", "Relations to expand, nested with dots, at most 6 levels."),
    ("fields", "string", "Output keys to keep; `*`, `expand.rel.field`, `body:excerpt(200,true)`."),
    ("skipTotal", "boolean", "Skip the count: totalItems and totalPages are -1."),
]
RECORD_PARAMETERS = LIST_PARAMETERS[4:6]
ERROR_SCHEMA = {
    "type": "object",
    "required": ["status", "message", "data"],
    "properties": {
        "status": {"type": "integer"},
        "message": {"type": "string"},
        "data": {"type": "object", "description": "per-field errors: {field: {code, message}}"},
    },
}


def build_document(collections: Iterable[Collection], server_url: str = "") -> dict[str, Any]:
    spec = APISpec(
        title="baas records API",
        version=version("baas"),
        openapi_version="3.1.0",
        info={"description": "Generated from the collection definitions; compatible with PocketBase 0.40."},
        servers=[{"url": server_url}] if server_url else [],
    )
    spec.components.security_scheme("authToken", {"type": "apiKey", "in": "header", "name": "Authorization"})
    spec.components.schema("Error", ERROR_SCHEMA)
    for collection in sorted(collections, key=lambda c: c.name):
        if collection.name.startswith("_") and collection.name != "_superusers":
            continue
        _add_collection(spec, collection)
    return spec.to_dict()


def _add_collection(spec: APISpec, collection: Collection) -> None:
    name = _schema_name(collection.name)
    spec.components.schema(name, record_schema(collection))
    base = f"/api/collections/{collection.name}/records"
    tag = collection.name
    errors = {code: _error_response(text) for code, text in (("400", "Invalid input"), ("403", "Only superusers"))}
    listing = {
        "tags": [tag], "summary": f"List {collection.name} records", "security": [{}, {"authToken": []}],
        "parameters": [_query(*parameter) for parameter in LIST_PARAMETERS],
        "responses": {"200": _json({"type": "object", "properties": {
            "page": {"type": "integer"}, "perPage": {"type": "integer"}, "totalItems": {"type": "integer"},
            "totalPages": {"type": "integer"}, "items": {"type": "array", "items": _ref(name)}}}), **errors},
    }
    view = {
        "tags": [tag], "summary": f"View one {collection.name} record", "security": [{}, {"authToken": []}],
        "parameters": [_query(*parameter) for parameter in RECORD_PARAMETERS],
        "responses": {"200": _json(_ref(name)), "404": _error_response("Not found or not allowed"), **errors},
    }
    operations: dict[str, Any] = {"get": listing}
    item_operations: dict[str, Any] = {"get": view}
    if not collection.is_view:
        spec.components.schema(f"{name}Create", input_schema(collection, create=True))
        spec.components.schema(f"{name}Update", input_schema(collection, create=False))
        operations["post"] = {
            "tags": [tag], "summary": f"Create a {collection.name} record", "security": [{}, {"authToken": []}],
            "requestBody": {"required": True, "content": _bodies(f"{name}Create")},
            "responses": {"200": _json(_ref(name)), **errors},
        }
        item_operations["patch"] = {
            "tags": [tag], "summary": f"Update a {collection.name} record", "security": [{}, {"authToken": []}],
            "requestBody": {"required": True, "content": _bodies(f"{name}Update")},
            "responses": {"200": _json(_ref(name)), "404": _error_response("Not found or not allowed"), **errors},
        }
        item_operations["delete"] = {
            "tags": [tag], "summary": f"Delete a {collection.name} record", "security": [{}, {"authToken": []}],
            "responses": {"204": {"description": "Deleted"}, "404": _error_response("Not found or not allowed"), **errors},
        }
    spec.path(path=base, operations=operations)
    spec.path(path=base + "/{id}", operations=item_operations,
              parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}])


def record_schema(collection: Collection) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "collectionId": {"type": "string", "const": collection.id},
        "collectionName": {"type": "string", "const": collection.name},
    }
    for field in collection.fields:
        if field.hidden or field.type == "password" or (collection.is_auth and field.name == "tokenKey"):
            continue
        properties[field.name] = _described(field)
    properties["expand"] = {"type": "object", "description": "expanded relations, when requested"}
    return {"type": "object", "properties": properties, "required": ["id", "collectionId", "collectionName"]}


def input_schema(collection: Collection, *, create: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in collection.fields:
        if field.type == "autodate" or (collection.is_auth and field.name == "tokenKey"):
            continue
        if field.name == "id" and not create:
            continue
        properties[field.name] = _described(field)
        if create and field.required and field.name != "id" and not getattr(field, "autogeneratePattern", ""):
            required.append(field.name)
    if collection.is_auth:
        properties["passwordConfirm"] = {"type": "string"}
        if create:
            required.append("passwordConfirm")
        else:
            properties["oldPassword"] = {"type": "string", "description": "required to change one's own password"}
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _described(field) -> dict[str, Any]:
    schema = dict(field.openapi_schema())
    if field.help:
        schema.setdefault("description", field.help)
    return schema


def _schema_name(collection_name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in collection_name.split("_") if part) + "Record"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def _bodies(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(name)}, "multipart/form-data": {"schema": _ref(name)}}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _query(name: str, kind: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}, "description": description}
