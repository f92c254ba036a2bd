"""Collection changes through the API with records in the table: after every change the records are read
back through the records API and compared with what was written (SQLite, or PostgreSQL with
BAAS_TEST_DATABASE_URL). The DDL itself is unit-tested in tests/schema/test_ddl.py.
"""

from __future__ import annotations

import io

import pytest

from api.helpers import OPEN_RULES, api, su, unique  # noqa: F401

USERS = "_pb_users_auth_"
#: one field of every type, with the options it needs
EVERY_TYPE = [
    {"name": "f_text", "type": "text"},
    {"name": "f_number", "type": "number"},
    {"name": "f_bool", "type": "bool"},
    {"name": "f_email", "type": "email"},
    {"name": "f_url", "type": "url"},
    {"name": "f_editor", "type": "editor"},
    {"name": "f_date", "type": "date"},
    {"name": "f_autodate", "type": "autodate", "onCreate": True},
    {"name": "f_select", "type": "select", "values": ["a", "b", "c"]},
    {"name": "f_file", "type": "file"},
    {"name": "f_relation", "type": "relation", "collectionId": USERS},
    {"name": "f_json", "type": "json"},
    {"name": "f_password", "type": "password"},
    {"name": "f_geo", "type": "geoPoint"},
]


@pytest.fixture(scope="module")
def user_ids(api):
    return [api.user(f"{unique('owner')}@example.com")["id"] for _ in range(2)]


def make(api, fields, **options):
    name = unique("ddl")
    return api.collection(name, fields, **{**OPEN_RULES, **options})


def patch(api, name, body, status=200):
    response = api.client.patch(f"/api/collections/{name}", json=body, headers=api.su)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def records(api, name) -> list[dict]:
    response = api.client.get(f"/api/collections/{name}/records", query_string={"perPage": 500, "sort": "id"}, headers=api.su)
    assert response.status_code == 200, response.get_json()
    return [{k: v for k, v in item.items() if k not in ("collectionId", "collectionName")} for item in response.get_json()["items"]]


def upload(api, name, record_id, field, *names):
    """Upload files to `field` (or `field+` to append) and return the field's new value."""
    files = [(io.BytesIO(b"hello"), file_name) for file_name in names]
    response = api.client.patch(f"/api/collections/{name}/records/{record_id}", data={field: files},
                                content_type="multipart/form-data", headers=api.su)
    assert response.status_code == 200, response.get_json()
    return response.get_json()[field.rstrip("+")]


def renamed(fields: list[dict], mapping: dict[str, str]) -> list[dict]:
    return [{**field, "name": mapping.get(field["name"], field["name"])} for field in fields]


def with_options(fields: list[dict], name: str, **options) -> list[dict]:
    return [{**field, **options} if field["name"] == name else field for field in fields]


@pytest.fixture
def every_type(api, user_ids):
    """A collection with one field of every type and two records with values in all of them."""
    collection = make(api, EVERY_TYPE)
    name = collection["name"]
    values = [
        {"f_text": "hello", "f_number": 3.5, "f_bool": True, "f_email": "a@example.com", "f_url": "https://example.com",
         "f_editor": "<p>hi</p>", "f_date": "2024-01-02 03:04:05.000Z", "f_select": "b", "f_relation": user_ids[0],
         "f_json": {"k": [1, 2]}, "f_password": "secret-pass", "f_geo": {"lon": 23.32, "lat": 42.69}},
        {"f_text": "second", "f_number": -7, "f_select": "c", "f_relation": user_ids[1], "f_json": [1, "x"]},
    ]
    first_id = api.record(name, values[0])["id"]
    api.record(name, values[1])
    upload(api, name, first_id, "f_file", "one.txt")
    return collection, records(api, name)


# ---- every field type, records present ------------------------------------------------------------------------


def test_every_field_type_is_stored_and_read_back(every_type):
    _collection, before = every_type
    first = next(item for item in before if item["f_text"] == "hello")
    assert {key: first[key] for key in ("f_number", "f_bool", "f_email", "f_url", "f_editor", "f_date", "f_select", "f_json", "f_geo")} == {
        "f_number": 3.5, "f_bool": True, "f_email": "a@example.com", "f_url": "https://example.com", "f_editor": "<p>hi</p>",
        "f_date": "2024-01-02 03:04:05.000Z", "f_select": "b", "f_json": {"k": [1, 2]}, "f_geo": {"lon": 23.32, "lat": 42.69}}
    assert first["f_file"].startswith("one_") and first["f_autodate"]


def test_renaming_every_field_keeps_every_value(api, every_type):
    collection, before = every_type
    mapping = {field["name"]: field["name"].replace("f_", "g_") for field in EVERY_TYPE}
    body = patch(api, collection["name"], {"fields": renamed(collection["fields"], mapping)})
    assert [f["id"] for f in body["fields"]] == [f["id"] for f in collection["fields"]]
    assert records(api, collection["name"]) == [{mapping.get(k, k): v for k, v in item.items()} for item in before]


def test_changing_every_option_keeps_every_value(api, every_type):
    collection, before = every_type
    options = {
        "f_text": {"max": 3, "min": 1, "pattern": "^x$", "required": True, "presentable": True, "help": "h", "hidden": False},
        "f_number": {"min": 100, "max": 200, "onlyInt": True},
        "f_bool": {"required": True},
        "f_email": {"onlyDomains": ["other.com"]},
        "f_url": {"exceptDomains": ["example.com"]},
        "f_editor": {"maxSize": 2, "convertURLs": True},
        "f_date": {"min": "2030-01-01 00:00:00.000Z"},
        "f_autodate": {"onUpdate": True},
        "f_select": {"values": ["a", "b", "c", "d"]},
        "f_file": {"maxSize": 1, "mimeTypes": ["image/png"], "thumbs": ["10x10"], "protected": True},
        "f_relation": {"minSelect": 0, "cascadeDelete": True},
        "f_json": {"maxSize": 2},
        "f_password": {"min": 20, "cost": 12},
        "f_geo": {"presentable": True},
    }
    fields = collection["fields"]
    for name, given in options.items():
        fields = with_options(fields, name, **given)
    body = patch(api, collection["name"], {"fields": fields})
    for field in body["fields"][1:]:
        assert {key: field[key] for key in options[field["name"]]} == options[field["name"]]
    assert records(api, collection["name"]) == before  # existing values are not re-validated, as in PocketBase


def test_adding_fields_of_every_type_gives_old_records_zero_values(api, user_ids):
    collection = make(api, [{"name": "title", "type": "text"}])
    name = collection["name"]
    api.record(name, {"title": "old"})
    added = [{**field, "name": field["name"] + "_new"} for field in EVERY_TYPE]
    patch(api, name, {"fields": collection["fields"] + added})
    (item,) = records(api, name)
    assert {key: value for key, value in item.items() if key.endswith("_new")} == {
        "f_text_new": "", "f_number_new": 0, "f_bool_new": False, "f_email_new": "", "f_url_new": "", "f_editor_new": "",
        "f_date_new": "", "f_autodate_new": "", "f_select_new": "", "f_file_new": "", "f_relation_new": "", "f_json_new": None,
        "f_geo_new": {"lon": 0, "lat": 0},
    }
    assert item["title"] == "old"


def test_deleting_fields_keeps_the_rest(api, every_type):
    collection, before = every_type
    dropped = {"f_number", "f_select", "f_json", "f_geo", "f_file"}
    patch(api, collection["name"], {"fields": [f for f in collection["fields"] if f["name"] not in dropped]})
    assert records(api, collection["name"]) == [{k: v for k, v in item.items() if k not in dropped} for item in before]


def test_renaming_the_collection_keeps_every_record(api, every_type):
    collection, before = every_type
    new_name = collection["name"] + "_renamed"
    patch(api, collection["name"], {"name": new_name})
    assert records(api, new_name) == before
    assert api.client.get(f"/api/collections/{collection['name']}/records", headers=api.su).status_code == 404


def test_everything_at_once(api, every_type):
    collection, before = every_type
    new_name = collection["name"] + "_all"
    fields = renamed([f for f in collection["fields"] if f["name"] != "f_bool"], {"f_text": "title"})
    fields = with_options(fields, "f_select", maxSelect=3) + [{"name": "extra", "type": "number"}]
    patch(api, collection["name"], {"name": new_name, "fields": fields, "listRule": "title != ''",
                                    "indexes": [f"CREATE INDEX idx_all_{new_name} ON {new_name} (title)"]})
    expected = []
    for item in before:
        item = {("title" if k == "f_text" else k): v for k, v in item.items() if k != "f_bool"}
        expected.append({**item, "f_select": [item["f_select"]], "extra": 0})
    assert records(api, new_name) == expected


def test_a_failing_change_with_records_changes_nothing(api, every_type):
    collection, before = every_type
    fields = renamed(collection["fields"], {"f_text": "title"}) + [{"name": "extra", "type": "bool"}]
    response = api.client.patch(f"/api/collections/{collection['name']}", headers=api.su, json={
        "name": collection["name"] + "_x", "fields": fields,
        "indexes": [f"CREATE UNIQUE INDEX idx_fail_{collection['name']} ON x (f_relation_nope)"]})
    assert response.status_code == 400
    assert records(api, collection["name"]) == before
    assert api.client.get(f"/api/collections/{collection['name']}", headers=api.su).get_json()["fields"] == collection["fields"]


def test_a_database_failure_mid_change_rolls_everything_back(api):
    collection = make(api, [{"name": "code", "type": "text"}])
    name = collection["name"]
    api.record(name, {"code": "same"})
    api.record(name, {"code": "same"})
    before = records(api, name)
    response = api.client.patch(f"/api/collections/{name}", headers=api.su, json={
        "name": name + "_x", "fields": renamed(collection["fields"], {"code": "renamed"}) + [{"name": "n", "type": "number"}],
        "indexes": [f"CREATE UNIQUE INDEX idx_dup_{name} ON x (renamed)"]})
    assert response.status_code == 400
    assert response.get_json()["message"].startswith("Failed to update collection.")
    assert records(api, name) == before
    assert api.core.collections.get(name).name == name


# ---- single <-> multiple with data -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["select", "relation"])
def test_single_to_multiple_and_back(api, user_ids, kind):
    options = {"values": ["a", "b"]} if kind == "select" else {"collectionId": USERS}
    value, other = ("a", "b") if kind == "select" else tuple(user_ids)
    collection = make(api, [{"name": "v", "type": kind, **options}])
    name = collection["name"]
    api.record(name, {"v": value})
    api.record(name, {})
    multi = patch(api, name, {"fields": with_options(collection["fields"], "v", maxSelect=2)})
    assert sorted(item["v"] for item in records(api, name)) == [[], [value]]
    record_id = next(item["id"] for item in records(api, name) if item["v"])
    api.client.patch(f"/api/collections/{name}/records/{record_id}", json={"v+": other}, headers=api.su)
    patch(api, name, {"fields": with_options(multi["fields"], "v", maxSelect=1)})
    assert sorted(item["v"] for item in records(api, name)) == ["", other]


def test_file_single_to_multiple_and_back(api):
    collection = make(api, [{"name": "docs", "type": "file"}])
    name = collection["name"]
    record_id = api.record(name, {})["id"]
    (stored,) = [upload(api, name, record_id, "docs", "a.txt")]
    multi = patch(api, name, {"fields": with_options(collection["fields"], "docs", maxSelect=5)})
    assert records(api, name)[0]["docs"] == [stored]
    more = upload(api, name, record_id, "docs+", "b.txt")
    assert more[0] == stored and len(more) == 2
    patch(api, name, {"fields": with_options(multi["fields"], "docs", maxSelect=1)})
    assert records(api, name)[0]["docs"] == more[-1]
    response = api.client.get(f"/api/files/{collection['id']}/{record_id}/{more[-1]}")
    assert (response.status_code, response.data) == (200, b"hello")


def test_multiple_values_survive_a_rename_of_the_field(api):
    collection = make(api, [{"name": "tags", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3}])
    name = collection["name"]
    api.record(name, {"tags": ["c", "a"]})
    patch(api, name, {"fields": renamed(collection["fields"], {"tags": "labels"})})
    assert records(api, name)[0]["labels"] == ["c", "a"]


# ---- records keep working after changes ---------------------------------------------------------------------------


def test_new_records_use_the_changed_definition(api):
    collection = make(api, [{"name": "title", "type": "text"}])
    name = collection["name"]
    patch(api, name, {"fields": renamed(collection["fields"], {"title": "heading"}) + [{"name": "n", "type": "number"}]})
    created = api.record(name, {"heading": "h", "n": 4, "title": "ignored"})
    assert (created["heading"], created["n"]) == ("h", 4) and "title" not in created


def test_filters_and_sorts_use_the_new_names(api):
    collection = make(api, [{"name": "title", "type": "text"}])
    name = collection["name"]
    for title in ("b", "a"):
        api.record(name, {"title": title})
    patch(api, name, {"fields": renamed(collection["fields"], {"title": "heading"})})
    response = api.client.get(f"/api/collections/{name}/records", query_string={"sort": "heading", "filter": "heading != ''"}, headers=api.su)
    assert [item["heading"] for item in response.get_json()["items"]] == ["a", "b"]


def test_a_unique_index_added_later_is_enforced(api):
    collection = make(api, [{"name": "code", "type": "text"}])
    name = collection["name"]
    api.record(name, {"code": "x"})
    patch(api, name, {"indexes": [f"CREATE UNIQUE INDEX idx_code_{name} ON {name} (code)"]})
    response = api.client.post(f"/api/collections/{name}/records", json={"code": "x"}, headers=api.su)
    assert response.status_code == 400
    assert response.get_json()["data"] == {"code": {"code": "validation_not_unique", "message": "Value must be unique."}}


def test_a_removed_index_is_no_longer_enforced(api):
    name = unique("ddl")
    collection = api.collection(name, [{"name": "code", "type": "text"}], indexes=[f"CREATE UNIQUE INDEX idx_rm_{name} ON {name} (code)"], **OPEN_RULES)
    api.record(name, {"code": "x"})
    patch(api, name, {"indexes": []})
    api.record(name, {"code": "x"})
    assert [item["code"] for item in records(api, name)] == ["x", "x"]
    assert collection["indexes"]


def test_deleting_a_field_used_by_an_index_needs_the_index_gone(api):
    name = unique("ddl")
    collection = api.collection(name, [{"name": "code", "type": "text"}, {"name": "keep", "type": "text"}],
                                indexes=[f"CREATE INDEX idx_del_{name} ON {name} (code)"], **OPEN_RULES)
    api.record(name, {"code": "c", "keep": "k"})
    fields = [f for f in collection["fields"] if f["name"] != "code"]
    patch(api, name, {"fields": fields}, status=400)
    patch(api, name, {"fields": fields, "indexes": []})
    assert [item["keep"] for item in records(api, name)] == ["k"]


def test_deleted_collection_with_records_can_be_created_again_empty(api):
    collection = make(api, [{"name": "title", "type": "text"}])
    name = collection["name"]
    api.record(name, {"title": "gone"})
    assert api.client.delete(f"/api/collections/{name}", headers=api.su).status_code == 204
    api.collection(name, [{"name": "title", "type": "text"}], **OPEN_RULES)
    assert records(api, name) == []


def test_cascade_delete_follows_a_later_option_change(api):
    parent = make(api, [{"name": "t", "type": "text"}])
    child = make(api, [{"name": "parent", "type": "relation", "collectionId": parent["id"]}])
    parent_id = api.record(parent["name"], {"t": "p"})["id"]
    api.record(child["name"], {"parent": parent_id})
    patch(api, child["name"], {"fields": with_options(child["fields"], "parent", cascadeDelete=True)})
    assert api.client.delete(f"/api/collections/{parent['name']}/records/{parent_id}", headers=api.su).status_code == 204
    assert records(api, child["name"]) == []
