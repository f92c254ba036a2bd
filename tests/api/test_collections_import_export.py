"""Schema as data: `PUT /api/collections/import` as PocketBase 0.40.6 answers it, and the export service
(`CollectionsService.export`, behind `baas collections export`), ending with export -> import onto an empty
server reproducing the same schema."""

from __future__ import annotations

import copy
import zlib

import pytest

from api.helpers import OPEN_RULES, api, assert_error, field_error, su, unique  # noqa: F401

REQUIRED = field_error("validation_required", "Cannot be blank.")


def crc(text: str) -> int:
    return zlib.crc32(text.encode())


def do_import(api, collections, delete_missing=None, status=204, client=None, headers=None):
    body = {"collections": collections}
    if delete_missing is not None:
        body["deleteMissing"] = delete_missing
    response = (client or api.client).put("/api/collections/import", json=body, headers=headers or api.su)
    assert response.status_code == status, response.get_json()
    return response.get_json() if status != 204 else None


def get(api, name, client=None, headers=None):
    response = (client or api.client).get(f"/api/collections/{name}", headers=headers or api.su)
    return response.get_json() if response.status_code == 200 else None


def brief(collection) -> list[tuple[str, str, str]]:
    return [(f["name"], f["type"], f["id"]) for f in collection["fields"]]


def normalized(definitions: list[dict]) -> list[dict]:
    """Definitions without what differs between two servers by design (timestamps, random clone ids)."""
    out = []
    for item in copy.deepcopy(definitions):
        item.pop("created")
        item.pop("updated")
        for field in item["fields"]:
            if field["id"].startswith("_clone_"):
                field["id"] = "_clone_"
        out.append(item)
    return sorted(out, key=lambda item: item["id"])


# ---- export ------------------------------------------------------------------------------------------------


def test_export_lists_every_collection_as_the_api_shows_it(api):
    exported = api.core.collections_service.export()
    listed = api.client.get("/api/collections", query_string={"perPage": 1000}, headers=api.su).get_json()["items"]
    assert sorted(exported, key=lambda c: c["id"]) == sorted(listed, key=lambda c: c["id"])
    assert {"_superusers", "users", "_mfas", "_otps", "_externalAuths", "_authOrigins"} <= {c["name"] for c in exported}


def test_export_holds_no_secrets(api):
    api.collection(unique("members"), [], type="auth", oauth2={"providers": [{"name": "google", "clientId": "id", "clientSecret": "shh"}]})
    text = str(api.core.collections_service.export())
    assert "secret" not in text.lower() and "shh" not in text


# ---- import ------------------------------------------------------------------------------------------------


def test_import_creates_collections_that_reference_each_other_in_any_order(api):
    a, b = unique("imp_a"), unique("imp_b")
    do_import(api, [
        {"id": f"id_{b}", "name": b, "fields": [{"name": "a", "type": "relation", "collectionId": f"id_{a}", "maxSelect": 1}]},
        {"id": f"id_{a}", "name": a, "fields": [{"name": "t", "type": "text"}, {"name": "b", "type": "relation", "collectionId": f"id_{b}"}],
         "listRule": "t != ''"},
    ])
    assert brief(get(api, a)) == [("id", "text", "text3208210256"), ("t", "text", "text2238339752"), ("b", "relation", f"relation{crc('b')}")]
    assert get(api, a)["listRule"] == "t != ''"
    assert get(api, b)["fields"][1]["collectionId"] == f"id_{a}"


def test_import_keeps_given_collection_and_field_ids(api):
    name = unique("imp_ids")
    do_import(api, [{"id": f"c_{name}", "name": name, "fields": [{"id": "myfield", "name": "t", "type": "text"}]}])
    assert (get(api, name)["id"], get(api, name)["fields"][1]["id"]) == (f"c_{name}", "myfield")


def test_import_derives_pocketbase_ids_when_none_are_given(api):
    name = unique("imp_view")
    do_import(api, [{"name": name, "type": "view", "viewQuery": "SELECT id, name FROM users"}])
    assert get(api, name)["id"] == f"pbc_{crc('view' + name)}"


def test_import_views_after_the_collections_they_read(api):
    source, inner, outer = unique("imp_src"), unique("imp_inner"), unique("imp_outer")
    do_import(api, [
        {"name": outer, "type": "view", "viewQuery": f"SELECT id, t FROM {inner}", "listRule": ""},
        {"name": inner, "type": "view", "viewQuery": f"SELECT id, t FROM {source}"},
        {"name": source, "fields": [{"name": "t", "type": "text"}], "createRule": ""},
    ])
    api.record(source, {"t": "through"})
    response = api.client.get(f"/api/collections/{outer}/records")
    assert [item["t"] for item in response.get_json()["items"]] == ["through"]


def test_import_by_name_keeps_fields_it_does_not_mention(api):
    name = unique("imp_keep")
    api.collection(name, [{"name": "t", "type": "text"}], listRule="t != ''")
    do_import(api, [{"name": name, "fields": [{"name": "t2", "type": "text"}]}])
    body = get(api, name)
    # the item's fields, then the others (PocketBase puts a missing id field there too; baas keeps it first)
    assert [f["name"] for f in body["fields"]] == ["id", "t2", "t"]
    assert body["listRule"] == "t != ''"


def test_import_keeps_the_system_fields_of_an_existing_collection_in_place(api):
    name = unique("imp_auth")
    created = api.collection(name, [{"name": "nick", "type": "text"}], type="auth")
    do_import(api, [{"name": name, "fields": [{"name": "bio", "type": "text"}]}])
    body = get(api, name)
    assert [f["name"] for f in body["fields"]] == ["id", "bio", "nick", "password", "tokenKey", "email", "emailVisibility", "verified"]
    assert [f["id"] for f in body["fields"] if f["name"] != "bio"] == [f["id"] for f in created["fields"]]


def test_import_of_a_system_collection_without_its_system_fields_keeps_them(api):
    do_import(api, [{"name": "_mfas", "fields": []}])
    assert [f["name"] for f in get(api, "_mfas")["fields"]] == ["id", "collectionRef", "recordRef", "method", "created", "updated"]


def test_import_by_id_renames(api):
    name = unique("imp_ren")
    created = api.collection(name, [{"name": "t", "type": "text"}])
    do_import(api, [{"id": created["id"], "name": name + "_new"}])
    assert get(api, created["id"])["name"] == name + "_new"


def test_import_updates_keep_the_records(api):
    name = unique("imp_rec")
    created = api.collection(name, [{"name": "t", "type": "text"}], **OPEN_RULES)
    api.record(name, {"t": "kept"})
    fields = [{**f, "name": "title"} if f["name"] == "t" else f for f in created["fields"]] + [{"name": "n", "type": "number"}]
    do_import(api, [{**created, "fields": fields}])
    (item,) = api.client.get(f"/api/collections/{name}/records", headers=api.su).get_json()["items"]
    assert (item["title"], item["n"]) == ("kept", 0)


def test_delete_missing_replaces_fields_and_drops_other_collections_but_not_system_ones(api, app_factory):
    flask_app = app_factory()
    client = flask_app.test_client()
    from baas.core import superusers

    superusers.upsert(flask_app.extensions["baas"], "root@example.com", "Passw0rd!23")
    token = client.post("/api/collections/_superusers/auth-with-password",
                        json={"identity": "root@example.com", "password": "Passw0rd!23"}).get_json()["token"]
    headers = {"Authorization": token}
    client.post("/api/collections", json={"name": "doomed", "fields": []}, headers=headers)
    client.post("/api/collections", json={"name": "kept", "fields": [{"name": "a", "type": "text"}, {"name": "b", "type": "text"}]}, headers=headers)
    do_import(api, [{"name": "kept", "fields": [{"name": "a", "type": "text"}]}], delete_missing=True, client=client, headers=headers)
    names = {c["name"] for c in client.get("/api/collections", query_string={"perPage": 100}, headers=headers).get_json()["items"]}
    assert names == {"kept", "_superusers", "_mfas", "_otps", "_externalAuths", "_authOrigins"}
    assert [f["name"] for f in get(api, "kept", client=client, headers=headers)["fields"]] == ["id", "a"]


def test_import_is_all_or_nothing(api):
    good, bad = unique("imp_good"), unique("imp_bad")
    data = do_import(api, [{"name": good, "fields": []}, {"name": bad, "listRule": "nope = 1"}], status=400)
    assert data["message"] == "Failed to import collections."
    assert get(api, good) is None and get(api, bad) is None


def test_import_validation_error_as_pocketbase(api):
    name = unique("imp_err")
    data = do_import(api, [{"name": name, "listRule": "nope = 1"}], status=400)

    assert data["data"] == {"collections": field_error("validation_collections_import_failure", (
        f'Data validations failed for collection "{name}" (pbc_{crc("base" + name)}):\n'
        '{\n  "listRule": "Invalid rule. Raw error: invalid left operand \\"nope\\" - unknown field \\"nope\\"."\n}.'))}


def test_import_format_error_as_pocketbase(api):
    data = do_import(api, [{"name": unique("imp_fmt"), "fields": [{"name": "x", "type": "nope"}]}], status=400)
    assert data["data"]["collections"] == field_error(
        "validation_collections_import_failure",
        "Failed to import the collections configuration. Raw error:\nFailed to load the submitted data due to invalid formatting.")


@pytest.mark.parametrize("body", [{}, {"collections": []}, {"collections": None}])
def test_import_needs_collections(api, body):
    response = api.client.put("/api/collections/import", json=body, headers=api.su)
    assert_error(response, 400, "An error occurred while validating the submitted data.", {"collections": REQUIRED})


@pytest.mark.parametrize("body", [{"collections": "x"}, {"collections": {}}, {"collections": [{"name": "a"}], "deleteMissing": "yes"}])
def test_import_of_badly_shaped_data(api, body):
    assert_error(api.client.put("/api/collections/import", json=body, headers=api.su), 400,
                 "An error occurred while loading the submitted data.")


def test_import_twice_changes_nothing(api):
    name = unique("imp_twice")
    items = [{"name": name, "fields": [{"name": "t", "type": "text"}], "indexes": [f"CREATE INDEX idx_{name} ON {name} (t)"]},
             {"name": name + "_v", "type": "view", "viewQuery": f"SELECT id, t FROM {name}"}]
    do_import(api, copy.deepcopy(items))
    first = [get(api, name), get(api, name + "_v")]
    do_import(api, copy.deepcopy(items))
    assert [get(api, name), get(api, name + "_v")] == first


def test_reimporting_an_export_changes_nothing(api):
    before = api.core.collections_service.export()
    do_import(api, copy.deepcopy(before))
    assert api.core.collections_service.export() == before


# ---- export -> import on an empty server ---------------------------------------------------------------------


def test_export_then_import_onto_an_empty_server_reproduces_the_schema(api, app_factory):
    posts = unique("posts")
    api.collection(posts, [
        {"name": "title", "type": "text", "required": True, "max": 100},
        {"name": "n", "type": "number", "onlyInt": True},
        {"name": "ok", "type": "bool"},
        {"name": "mail", "type": "email", "onlyDomains": ["example.com"]},
        {"name": "site", "type": "url"},
        {"name": "body", "type": "editor"},
        {"name": "when", "type": "date"},
        {"name": "created", "type": "autodate", "onCreate": True},
        {"name": "tags", "type": "select", "values": ["a", "b"], "maxSelect": 2},
        {"name": "docs", "type": "file", "maxSelect": 3, "mimeTypes": ["text/plain"]},
        {"name": "author", "type": "relation", "collectionId": "_pb_users_auth_", "cascadeDelete": True},
        {"name": "meta", "type": "json"},
        {"name": "secret", "type": "password"},
        {"name": "loc", "type": "geoPoint"},
    ], indexes=[f"CREATE UNIQUE INDEX idx_title_{posts} ON {posts} (title) WHERE title != ''"], listRule="ok = true", viewRule="")
    api.collection(unique("members"), [{"name": "nick", "type": "text"}], type="auth", authToken={"duration": 3600}, manageRule="")
    api.collection(unique("summary"), [], type="view", viewQuery=f"SELECT id, title, author FROM {posts}", listRule="")
    exported = api.core.collections_service.export()

    target = app_factory()
    target.extensions["baas"].collections_service.import_collections(copy.deepcopy(exported))
    assert normalized(target.extensions["baas"].collections_service.export()) == normalized(exported)


def test_import_writes_what_it_exports_through_the_service_and_api_alike(api, app_factory):
    """The service (the CLI's path) and the API agree: an export imported through the API is the same schema."""
    name = unique("same")
    api.collection(name, [{"name": "t", "type": "text"}])
    exported = api.core.collections_service.export()
    target = app_factory()
    target.extensions["baas"].collections_service.import_collections(copy.deepcopy(exported))
    again = target.extensions["baas"].collections_service.export()
    target.extensions["baas"].collections_service.import_collections(copy.deepcopy(again))
    assert target.extensions["baas"].collections_service.export() == again
