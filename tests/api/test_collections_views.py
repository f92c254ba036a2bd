"""View collections: one read-only SELECT, fields inferred from the query text as PocketBase 0.40.6 does
(captures 08, 08b, 09), read-only records, relation targets and expand, the dry-run endpoint."""

from __future__ import annotations

import re
import zlib

import pytest

from api.helpers import OPEN_RULES, api, assert_error, field_error, su, unique  # noqa: F401
from baas.schema.views import suggest_fields

CLONE = re.compile(r"^_clone_[A-Za-z0-9]{4}$")
VIEW_ID = {
    "autogeneratePattern": "", "help": "", "hidden": False, "id": "text3208210256", "max": 0, "min": 0, "name": "id",
    "pattern": "^[a-z0-9]+$", "presentable": False, "primaryKey": True, "required": True, "system": True, "type": "text",
}
REQUIRED = field_error("validation_required", "Cannot be blank.")
OPEN_VIEW = {"listRule": "", "viewRule": ""}


@pytest.fixture(scope="module")
def posts(api):
    """A base collection with two records that the views below read."""
    name = unique("posts")
    collection = api.collection(name, [
        {"name": "title", "type": "text", "max": 50},
        {"name": "n", "type": "number"},
        {"name": "tags", "type": "select", "values": ["a", "b"], "maxSelect": 2},
        {"name": "author", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
    ], **OPEN_RULES)
    author = api.user(f"{unique('author')}@example.com", name="Ann")
    api.record(name, {"title": "first", "n": 1, "tags": ["a"], "author": author["id"]})
    api.record(name, {"title": "second", "n": 2, "tags": ["a", "b"], "author": author["id"]})
    return collection | {"author_id": author["id"]}


def view(api, query, **options):
    return api.collection(unique("v"), [], type="view", viewQuery=query, **{**OPEN_VIEW, **options})


def create_error(api, query, **options) -> dict:
    response = api.client.post("/api/collections", json={"name": unique("v"), "type": "view", "viewQuery": query, **options}, headers=api.su)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["message"] == "Failed to create collection."
    return response.get_json()["data"]


def items(api, name, **query) -> list[dict]:
    response = api.client.get(f"/api/collections/{name}/records", query_string={"perPage": 100, **query}, headers=api.su)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def brief(fields) -> list[tuple]:
    return [(f["name"], f["type"]) for f in fields]


# ---- fields inferred from the query -------------------------------------------------------------------------


def test_view_of_users_as_pocketbase(api):
    body = view(api, "SELECT id, name, created FROM users")
    assert body["type"] == "view" and body["viewQuery"] == "SELECT id, name, created FROM users"
    assert body["fields"][0] == VIEW_ID
    name, created = body["fields"][1:]
    assert CLONE.match(name["id"]) and CLONE.match(created["id"])
    assert {**name, "id": ""} == {"autogeneratePattern": "", "help": "", "hidden": False, "id": "", "max": 255, "min": 0,
                                  "name": "name", "pattern": "", "presentable": False, "primaryKey": False,
                                  "required": False, "system": False, "type": "text"}
    assert {**created, "id": ""} == {"hidden": False, "id": "", "name": "created", "onCreate": True, "onUpdate": False,
                                     "presentable": False, "system": False, "type": "autodate"}
    assert (body["indexes"], body["createRule"], body["updateRule"], body["deleteRule"]) == ([], None, None, None)


def test_expressions_become_json_or_numbers(api):
    body = view(api, "SELECT id, name, created, email, avatar, (1+1) AS calc, COUNT(id) AS cnt FROM users GROUP BY id")
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["calc"] == {"help": "", "hidden": False, "id": "json1546728111", "maxSize": 1, "name": "calc",
                              "presentable": False, "required": False, "system": False, "type": "json"}
    assert fields["cnt"] == {"help": "", "hidden": False, "id": "number432430951", "max": None, "min": None, "name": "cnt",
                             "onlyInt": True, "presentable": False, "required": False, "system": False, "type": "number"}
    assert (fields["email"]["type"], fields["email"]["system"], fields["email"]["required"]) == ("email", True, True)
    assert (fields["avatar"]["type"], fields["avatar"]["maxSelect"]) == ("file", 1)


def test_aliases_and_table_aliases_clone_the_source_field(api, posts):
    body = view(api, f"SELECT p.id, p.title AS heading, p.tags labels, p.n FROM {posts['name']} AS p")
    fields = {f["name"]: f for f in body["fields"]}
    assert brief(body["fields"]) == [("id", "text"), ("heading", "text"), ("labels", "select"), ("n", "number")]
    assert fields["heading"]["max"] == 50
    assert (fields["labels"]["values"], fields["labels"]["maxSelect"]) == (["a", "b"], 2)


def test_another_collections_id_becomes_a_relation(api, posts):
    body = view(api, f"SELECT p.id, p.id AS post, u.id AS writer FROM {posts['name']} p JOIN users u ON u.id = p.author")
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["post"] == {"cascadeDelete": False, "collectionId": posts["id"], "help": "", "hidden": False,
                              "id": f"relation{zlib.crc32(b'post')}", "maxSelect": 1, "minSelect": 0,
                              "name": "post", "presentable": False, "required": False, "system": False, "type": "relation"}
    assert (fields["writer"]["type"], fields["writer"]["collectionId"]) == ("relation", "_pb_users_auth_")


@pytest.mark.parametrize(
    ("expression", "kind", "only_int"),
    [("count(*)", "number", True), ("CAST(n AS INTEGER)", "number", True), ("cast(n as real)", "number", False),
     ("CAST(n AS TEXT)", "text", None), ("CAST(1 AS BOOLEAN)", "bool", None), ("sum(n)", "json", None),
     ("max(title)", "json", None), ("lower(title)", "json", None), ("'lit'", "json", None)],
)
def test_expression_types(api, posts, expression, kind, only_int):
    body = view(api, f"SELECT (ROW_NUMBER() OVER()) AS id, {expression} AS x FROM {posts['name']}")
    field = body["fields"][1]
    assert (field["name"], field["type"], field.get("onlyInt")) == ("x", kind, only_int)


@pytest.mark.parametrize(
    ("expression", "kind", "only_int"),
    [("total(n)", "number", False), ("n::int", "number", True), ("n::numeric", "number", False), ("count (*)", None, None)],
)
def test_expression_types_are_read_from_the_text(api, posts, expression, kind, only_int):
    """SQLite's total() and PostgreSQL's `::` casts are recognised whichever database runs (no query is run here);
    no suggestion means the default json field."""
    field = suggest_fields(f"SELECT id, {expression} AS x FROM {posts['name']}", []).get("x")
    assert (field and field.type, field and field.options.get("onlyInt")) == (kind, only_int)


def test_wildcards_are_refused(api, posts):
    message = "Invalid query - wildcard columns (*) are not supported - manually type the collection field names you want the view query to have."
    for query in (f"SELECT * FROM {posts['name']}", f"SELECT p.* FROM {posts['name']} p"):
        assert create_error(api, query) == {"viewQuery": field_error("validation_invalid_view_query", message), "fields": REQUIRED}


def test_updating_the_query_reinfers_the_fields_keeping_ids(api, posts):
    body = view(api, f"SELECT id, title FROM {posts['name']}")
    response = api.client.patch(f"/api/collections/{body['name']}", json={"viewQuery": f"SELECT id, title, n FROM {posts['name']}"}, headers=api.su)
    updated = response.get_json()
    assert brief(updated["fields"]) == [("id", "text"), ("title", "text"), ("n", "number")]
    assert updated["fields"][1]["id"] == body["fields"][1]["id"]


def test_sent_fields_are_ignored(api, posts):
    body = view(api, f"SELECT id, title FROM {posts['name']}")
    response = api.client.patch(f"/api/collections/{body['name']}", json={"fields": [{"name": "x", "type": "bool"}], "listRule": "title != ''"},
                                headers=api.su)
    assert brief(response.get_json()["fields"]) == [("id", "text"), ("title", "text")]


# ---- records of a view ---------------------------------------------------------------------------------------


def test_records_of_a_view(api, posts):
    body = view(api, f"SELECT id, title, n, tags FROM {posts['name']}")
    found = items(api, body["name"], sort="n")
    assert [(item["title"], item["n"], item["tags"]) for item in found] == [("first", 1, ["a"]), ("second", 2, ["a", "b"])]
    assert all(item["collectionName"] == body["name"] and item["collectionId"] == body["id"] for item in found)


def test_view_records_filter_sort_and_get_one(api, posts):
    body = view(api, f"SELECT id, title, n FROM {posts['name']}")
    found = items(api, body["name"], filter="n > 1", sort="-title")
    assert [item["title"] for item in found] == ["second"]
    response = api.client.get(f"/api/collections/{body['name']}/records/{found[0]['id']}", headers=api.su)
    assert response.get_json()["title"] == "second"


def test_row_number_ids(api, posts):
    body = view(api, f"SELECT (ROW_NUMBER() OVER (ORDER BY n)) AS id, title FROM {posts['name']}")
    assert [(item["id"], item["title"]) for item in items(api, body["name"], sort="title")] == [("1", "first"), ("2", "second")]


def test_view_rules_apply(api, posts):
    body = view(api, f"SELECT id, title FROM {posts['name']}", listRule="title = 'first'", viewRule=None)
    response = api.client.get(f"/api/collections/{body['name']}/records")
    assert [item["title"] for item in response.get_json()["items"]] == ["first"]
    assert_error(api.client.get(f"/api/collections/{body['name']}/records/x"), 403, "Only superusers can perform this action.")


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_views_are_read_only(api, posts, method):
    body = view(api, f"SELECT id, title FROM {posts['name']}")
    record_id = items(api, body["name"])[0]["id"]
    path = f"/api/collections/{body['name']}/records" + ("" if method == "POST" else f"/{record_id}")
    assert_error(api.client.open(path, method=method, json={"title": "x"}, headers=api.su), 400, "Unsupported collection type.")


@pytest.mark.parametrize("rule", ["createRule", "updateRule", "deleteRule"])
def test_write_rules_must_be_null(api, posts, rule):
    assert create_error(api, f"SELECT id FROM {posts['name']}", **{rule: ""}) == {rule: field_error("validation_nil", "Must be blank.")}


def test_a_view_follows_changes_of_its_source_records(api):
    source = api.collection(unique("src"), [{"name": "t", "type": "text"}], **OPEN_RULES)
    body = view(api, f"SELECT id, t FROM {source['name']}")
    created = api.record(source["name"], {"t": "live"})
    assert [item["t"] for item in items(api, body["name"])] == ["live"]
    api.client.delete(f"/api/collections/{source['name']}/records/{created['id']}", headers=api.su)
    assert items(api, body["name"]) == []


# ---- relations and expand ---------------------------------------------------------------------------------


def test_expand_a_relation_of_a_view(api, posts):
    body = view(api, f"SELECT id, title, author FROM {posts['name']}")
    found = items(api, body["name"], expand="author", sort="title")
    assert [item["expand"]["author"]["name"] for item in found] == ["Ann", "Ann"]


def test_a_view_can_point_at_another_view(api, posts):
    inner = view(api, f"SELECT id, title FROM {posts['name']}")
    outer = view(api, f"SELECT v.id, v.id AS ref, v.title FROM {inner['name']} v")
    ref = outer["fields"][1]
    assert (ref["type"], ref["collectionId"]) == ("relation", inner["id"])
    found = items(api, outer["name"], expand="ref", sort="title")
    assert [item["expand"]["ref"]["title"] for item in found] == ["first", "second"]


def test_only_views_may_point_at_views(api, posts):
    target = view(api, f"SELECT id, title FROM {posts['name']}")
    response = api.client.post("/api/collections", json={"name": unique("base"), "fields": [
        {"name": "r", "type": "relation", "collectionId": target["id"]}]}, headers=api.su)
    assert response.get_json()["data"] == {"fields": {"1": {"collectionId": field_error(
        "validation_relation_field_non_view_base_collection", "Only view collections are allowed to have relations to other views.")}}}


def test_back_relation_expand_from_a_view_target(api, posts):
    body = view(api, f"SELECT p.id, u.id AS writer FROM {posts['name']} p JOIN users u ON u.id = p.author")
    found = items(api, body["name"], expand="writer")
    assert {item["expand"]["writer"]["id"] for item in found} == {posts["author_id"]}


def test_a_view_of_a_view_survives_a_change_of_the_inner_view(api, posts):
    inner = view(api, f"SELECT id, title FROM {posts['name']}")
    outer = view(api, f"SELECT id, title FROM {inner['name']}")
    response = api.client.patch(f"/api/collections/{inner['name']}", json={"viewQuery": f"SELECT id, title, n FROM {posts['name']}"}, headers=api.su)
    assert response.status_code == 200
    assert sorted(item["title"] for item in items(api, outer["name"])) == ["first", "second"]


def test_toggling_a_source_field_keeps_the_view(api):
    source = api.collection(unique("src"), [{"name": "tag", "type": "select", "values": ["a", "b"]}], **OPEN_RULES)
    api.record(source["name"], {"tag": "a"})
    body = view(api, f"SELECT id, tag FROM {source['name']}")
    fields = [{**f, "maxSelect": 2} if f["name"] == "tag" else f for f in source["fields"]]
    assert api.client.patch(f"/api/collections/{source['name']}", json={"fields": fields}, headers=api.su).status_code == 200
    assert [item["tag"] for item in items(api, body["name"])] == ["a"]


def test_renaming_the_source_collection_keeps_the_view(api):
    source = api.collection(unique("src"), [{"name": "t", "type": "text"}], **OPEN_RULES)
    api.record(source["name"], {"t": "x"})
    body = view(api, f"SELECT id, t FROM {source['name']}")
    api.client.patch(f"/api/collections/{source['name']}", json={"name": source["name"] + "_r"}, headers=api.su)
    assert [item["t"] for item in items(api, body["name"])] == ["x"]


def test_a_view_follows_a_renamed_source_field(api):
    source = api.collection(unique("src"), [{"name": "title", "type": "text"}], **OPEN_RULES)
    api.record(source["name"], {"title": "kept"})
    body = view(api, f"SELECT id, title FROM {source['name']}")
    fields = [{**f, "name": "heading"} if f["name"] == "title" else f for f in source["fields"]]
    assert api.client.patch(f"/api/collections/{source['name']}", json={"fields": fields}, headers=api.su).status_code == 200
    after = api.client.get(f"/api/collections/{body['name']}", headers=api.su).get_json()
    assert "heading" in after["viewQuery"] and f"{source['name']}" in after["viewQuery"]
    # SQLite renames the view's column with the source column; PostgreSQL keeps the view's column name
    column = "heading" if api.core.db.dialect.name == "sqlite" else "title"
    assert [f["name"] for f in after["fields"]] == ["id", column]
    assert [item[column] for item in items(api, body["name"])] == ["kept"]


def test_a_view_follows_a_renamed_source_collection(api):
    source = api.collection(unique("src"), [{"name": "t", "type": "text"}], **OPEN_RULES)
    body = view(api, f"SELECT id, t FROM {source['name']}")
    api.client.patch(f"/api/collections/{source['name']}", json={"name": source["name"] + "_moved"}, headers=api.su)
    after = api.client.get(f"/api/collections/{body['name']}", headers=api.su).get_json()
    assert source["name"] + "_moved" in after["viewQuery"]
    # the stored query is valid again: saving the view re-runs it
    assert api.client.patch(f"/api/collections/{body['name']}", json={"listRule": ""}, headers=api.su).status_code == 200


def test_deleting_a_source_field_read_by_a_view_is_refused(api):
    source = api.collection(unique("src"), [{"name": "t", "type": "text"}, {"name": "u", "type": "text"}], **OPEN_RULES)
    body = view(api, f"SELECT id, t FROM {source['name']}")
    response = api.client.patch(f"/api/collections/{source['name']}", json={"fields": [f for f in source["fields"] if f["name"] != "t"]},
                                headers=api.su)
    assert response.status_code == 400
    assert response.get_json()["message"].startswith("Failed to update collection.")
    assert items(api, body["name"]) == []


def test_a_view_can_be_deleted_and_then_its_source(api):
    source = api.collection(unique("src"), [{"name": "t", "type": "text"}], **OPEN_RULES)
    body = view(api, f"SELECT id, t FROM {source['name']}")
    assert api.client.delete(f"/api/collections/{body['name']}", headers=api.su).status_code == 204
    assert api.client.delete(f"/api/collections/{source['name']}", headers=api.su).status_code == 204


# ---- bad queries --------------------------------------------------------------------------------------------


def test_bad_column_as_pocketbase(api):
    data = create_error(api, "SELECT nope FROM users")
    assert data["fields"] == REQUIRED
    assert data["viewQuery"]["code"] == "validation_invalid_view_query"
    assert data["viewQuery"]["message"].startswith("Invalid query - ")
    if api.core.db.dialect.name == "sqlite":
        assert data["viewQuery"]["message"] == "Invalid query - SQL logic error: no such column: nope (1)."


def test_missing_id_column_as_pocketbase(api):
    assert create_error(api, "SELECT name FROM users") == {
        "fields": field_error("validation_missing_primary_key", 'Missing or invalid "id" PK field.'),
        "viewQuery": field_error("validation_invalid_view_query", "Invalid query - missing required id column (you can use "
                                 "`(ROW_NUMBER() OVER()) as id` if you don't have one)."),
    }


def test_empty_query(api):
    assert create_error(api, "") == {"fields": REQUIRED, "viewQuery": REQUIRED}


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM users",
        "INSERT INTO users (id) VALUES ('x')",
        "UPDATE users SET name = 'x'",
        "DROP TABLE users",
        "SELECT id FROM users; DELETE FROM users",
        "SELECT id FROM users; SELECT id FROM users",
        "PRAGMA table_info(users)",
        "WITH gone AS (DELETE FROM users RETURNING id) SELECT id FROM gone",
    ],
)
def test_anything_but_one_select_is_refused_and_changes_nothing(api, query):
    before = items(api, "users")
    data = create_error(api, query)
    assert data["viewQuery"]["code"] == "validation_invalid_view_query"
    assert items(api, "users") == before


def test_semicolons_inside_strings_are_fine(api):
    body = view(api, "SELECT id, 'a;b' AS s FROM users")
    assert brief(body["fields"]) == [("id", "text"), ("s", "json")]


def test_duplicated_column_names_are_refused(api):
    data = create_error(api, "SELECT id, name, name FROM users")
    # PostgreSQL reports the duplicate; SQLite renames it `name:1`, which is no valid field name
    assert data.get("viewQuery", {}).get("code") == "validation_invalid_view_query" or data["fields"]["2"]["name"]["code"] == "validation_match_invalid"


# ---- dry run ------------------------------------------------------------------------------------------------


def dry_run(api, body):
    return api.client.post("/api/collections/meta/dry-run-view", json=body, headers=api.su)


def test_dry_run_answers_fields_and_sample_records(api, posts):
    response = dry_run(api, {"query": f"SELECT id, title, n, tags FROM {posts['name']} ORDER BY n"})
    assert response.status_code == 200
    body = response.get_json()
    assert brief(body["fields"]) == [("id", "text"), ("title", "text"), ("n", "number"), ("tags", "select")]
    assert [(item["title"], item["n"], item["tags"]) for item in body["sample"]] == [("first", 1, ["a"]), ("second", 2, ["a", "b"])]
    assert set(body["sample"][0]) == {"collectionId", "collectionName", "id", "title", "n", "tags"}


def test_dry_run_serializes_values_as_records(api):
    api.user(f"{unique('verified')}@example.com")
    body = dry_run(api, {"query": "SELECT id, verified, (1+1) AS calc FROM users LIMIT 1"}).get_json()
    assert body["sample"][0]["verified"] is False and body["sample"][0]["calc"] == 2


def test_dry_run_creates_nothing(api):
    before = api.client.get("/api/collections", query_string={"perPage": 500}, headers=api.su).get_json()["totalItems"]
    dry_run(api, {"query": "SELECT id FROM users"})
    assert api.client.get("/api/collections", query_string={"perPage": 500}, headers=api.su).get_json()["totalItems"] == before


def test_dry_run_errors_as_pocketbase(api):
    assert_error(dry_run(api, {"query": "SELECT name FROM users"}), 400, "Invalid view query. Raw error: \nmissing required id column "
                 "(you can use `(ROW_NUMBER() OVER()) as id` if you don't have one).")
    assert_error(dry_run(api, {}), 400, "An error occurred while validating the submitted data.", {"query": REQUIRED})
    assert_error(dry_run(api, {"query": 5}), 400, "An error occurred while loading the submitted data.")


def test_dry_run_of_a_write_changes_nothing(api):
    before = items(api, "users")
    response = dry_run(api, {"query": "WITH gone AS (DELETE FROM users RETURNING id) SELECT id FROM gone"})
    assert response.status_code == 400
    assert items(api, "users") == before
