"""The OpenAPI document describes every collection's records API and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

from openapi_spec_validator import validate


def test_the_whole_document_is_valid_and_lists_every_collection(client, su_headers):
    client.post("/api/collections", headers=su_headers, json={
        "name": "posts", "listRule": "", "fields": [
            {"name": "title", "type": "text", "required": True, "help": "The headline"},
            {"name": "views", "type": "number", "onlyInt": True, "min": 0},
            {"name": "tags", "type": "select", "values": ["a", "b"], "maxSelect": 2},
            {"name": "secret", "type": "text", "hidden": True},
            {"name": "created", "type": "autodate", "onCreate": True},
        ]})
    client.post("/api/collections", headers=su_headers, json={
        "name": "post_stats", "type": "view", "viewQuery": "SELECT id, views FROM posts"})
    document = client.get("/api/openapi.json", headers=su_headers).get_json()
    validate(document)
    paths = document["paths"]
    assert set(paths["/api/collections/posts/records"]) == {"get", "post"}
    assert set(paths["/api/collections/posts/records/{id}"]) >= {"get", "patch", "delete"}
    assert set(paths["/api/collections/post_stats/records"]) == {"get"}  # views are read-only
    assert "/api/collections/_otps/records" not in paths
    schemas = document["components"]["schemas"]
    record = schemas["PostsRecord"]["properties"]
    assert record["views"]["type"] == "integer" and record["title"]["description"] == "The headline"
    assert "secret" not in record  # hidden fields are not output to API users
    assert schemas["PostsRecordCreate"]["required"] == ["title"]
    assert "created" not in schemas["PostsRecordCreate"]["properties"]


def test_auth_collections_document_password_inputs(client, su_headers):
    document = client.get("/api/collections/users/openapi.json", headers=su_headers).get_json()
    validate(document)
    schemas = document["components"]["schemas"]
    assert "password" not in schemas["UsersRecord"]["properties"]
    assert {"password", "passwordConfirm", "email"} <= set(schemas["UsersRecordCreate"]["properties"])
    assert "oldPassword" in schemas["UsersRecordUpdate"]["properties"]


def test_only_superusers_get_the_document(client):
    assert client.get("/api/openapi.json").status_code == 401
    assert client.get("/api/collections/nope/openapi.json").status_code == 401
