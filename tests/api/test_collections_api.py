"""The collections API (`/api/collections...`), compared with PocketBase 0.40.6 (reference 1.4 and 2,
captures 02, 03, 06, 09, 10, 19): access, listing, the JSON of every field type, validation errors, system
collections. Changes to tables with records in them are in test_collections_ddl.py, views in
test_collections_views.py, import/export in test_collections_import_export.py.
"""

from __future__ import annotations

import io
import re
import zlib

import pytest

from baas.storage.paths import file_key

from api.helpers import GENERIC_400, NOT_FOUND, api, assert_error, field_error, su, unique  # noqa: F401

CREATE_FAILED = "Failed to create collection."
UPDATE_FAILED = "Failed to update collection."
DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$")
SYSTEM_NAMES = ["_superusers", "users", "_externalAuths", "_mfas", "_otps", "_authOrigins"]
COLLECTION_KEYS = ["id", "listRule", "viewRule", "createRule", "updateRule", "deleteRule", "name", "type", "fields",
                   "indexes", "created", "updated", "system"]
AUTH_KEYS = COLLECTION_KEYS + [
    "authRule", "manageRule", "authAlert", "oauth2", "passwordAuth", "mfa", "otp", "authToken", "passwordResetToken",
    "emailChangeToken", "verificationToken", "fileToken", "verificationTemplate", "resetPasswordTemplate",
    "confirmEmailChangeTemplate",
]
REQUIRED = field_error("validation_required", "Cannot be blank.")
COMMON = {"hidden": False, "presentable": False, "system": False}
#: PocketBase 0.40.6's JSON of a field sent as {"name", "type"} only (capture 06; SUMMARY.md)
DEFAULTS = {
    "text": {"autogeneratePattern": "", "max": 0, "min": 0, "pattern": "", "primaryKey": False},
    "number": {"max": None, "min": None, "onlyInt": False},
    "bool": {},
    "email": {"exceptDomains": [], "onlyDomains": []},
    "url": {"exceptDomains": [], "onlyDomains": []},
    "editor": {"convertURLs": False, "maxSize": 0},
    "date": {"max": "", "min": ""},
    "autodate": {"onCreate": True, "onUpdate": False},
    "select": {"maxSelect": 0, "values": ["a", "b", "c"]},
    "file": {"maxSelect": 0, "maxSize": 0, "mimeTypes": [], "protected": False, "thumbs": []},
    "relation": {"cascadeDelete": False, "collectionId": "_pb_users_auth_", "maxSelect": 0, "minSelect": 0},
    "json": {"maxSize": 0},
    "password": {"cost": 0, "max": 0, "min": 0, "pattern": ""},
    "geoPoint": {},
}
#: the least each type needs besides name and type
NEEDS = {"autodate": {"onCreate": True}, "select": {"values": ["a", "b", "c"]}, "relation": {"collectionId": "_pb_users_auth_"}}
ID_FIELD = {
    "autogeneratePattern": "[a-z0-9]{15}", "help": "", "hidden": False, "id": "text3208210256", "max": 15, "min": 15,
    "name": "id", "pattern": "^[a-z0-9]+$", "presentable": False, "primaryKey": True, "required": True, "system": True,
    "type": "text",
}


def crc(text: str) -> int:
    return zlib.crc32(text.encode())


def post(api, body):
    return api.client.post("/api/collections", json=body, headers=api.su)


def patch(api, name, body):
    return api.client.patch(f"/api/collections/{name}", json=body, headers=api.su)


def get(api, name):
    return api.client.get(f"/api/collections/{name}", headers=api.su)


def fields_of(api, name) -> list[dict]:
    return get(api, name).get_json()["fields"]


def create_error(api, body) -> dict:
    response = post(api, body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["message"] == CREATE_FAILED
    return response.get_json()["data"]


def update_error(api, name, body) -> dict:
    response = patch(api, name, body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["message"] == UPDATE_FAILED
    return response.get_json()["data"]


# ---- access --------------------------------------------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/api/collections"),
    ("POST", "/api/collections"),
    ("GET", "/api/collections/users"),
    ("PATCH", "/api/collections/users"),
    ("DELETE", "/api/collections/users"),
    ("DELETE", "/api/collections/users/truncate"),
    ("PUT", "/api/collections/import"),
    ("GET", "/api/collections/meta/scaffolds"),
    ("POST", "/api/collections/meta/dry-run-view"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_guests_get_401(api, method, path):
    assert_error(api.client.open(path, method=method, json={}), 401, "The request requires valid record authorization token.")


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_regular_users_get_403(api, method, path):
    email = f"{unique('member')}@example.com"
    api.user(email)
    response = api.client.open(path, method=method, json={}, headers=api.login(email))
    assert_error(response, 403, "The authorized record is not allowed to perform this action.")


def test_a_garbage_token_is_401(api):
    assert_error(api.client.get("/api/collections", headers={"Authorization": "nope"}), 401,
                 "The request requires valid record authorization token.")


# ---- list ------------------------------------------------------------------------------------------------------


def test_list_shape_and_the_system_collections(api):
    body = api.client.get("/api/collections", query_string={"filter": "system = true", "perPage": 100}, headers=api.su).get_json()
    assert list(body) == ["items", "page", "perPage", "totalItems", "totalPages"]
    assert sorted(item["name"] for item in body["items"]) == sorted(SYSTEM_NAMES[:1] + SYSTEM_NAMES[2:])
    assert (body["page"], body["perPage"], body["totalItems"], body["totalPages"]) == (1, 100, 5, 1)


def test_list_items_have_pocketbase_keys_in_order(api):
    body = api.client.get("/api/collections", query_string={"perPage": 200}, headers=api.su).get_json()
    by_name = {item["name"]: item for item in body["items"]}
    assert list(by_name["_mfas"]) == COLLECTION_KEYS
    assert list(by_name["_superusers"]) == AUTH_KEYS


def test_list_never_shows_token_secrets(api):
    body = api.client.get("/api/collections", query_string={"perPage": 200}, headers=api.su).get_json()
    superusers = next(item for item in body["items"] if item["name"] == "_superusers")
    assert superusers["authToken"] == {"duration": 86400}
    assert "secret" not in str(body)


def test_list_pages_and_skip_total(api):
    body = api.client.get("/api/collections", query_string={"perPage": 2, "page": 2, "sort": "name", "skipTotal": 1},
                          headers=api.su).get_json()
    names = [item["name"] for item in api.client.get("/api/collections", query_string={"perPage": 200, "sort": "name"},
                                                     headers=api.su).get_json()["items"]]
    assert [item["name"] for item in body["items"]] == names[2:4]
    assert (body["page"], body["perPage"], body["totalItems"], body["totalPages"]) == (2, 2, -1, -1)


def test_list_filter_sort_and_fields(api):
    body = api.client.get(
        "/api/collections",
        query_string={"filter": "type = 'auth' && system = true", "sort": "-name", "fields": "id,name"},
        headers=api.su,
    ).get_json()
    assert body["items"] == [{"id": "pbc_3142635823", "name": "_superusers"}]


def test_list_filter_by_name_and_created(api):
    name = unique("listed")
    api.collection(name, [])
    body = api.client.get("/api/collections", query_string={"filter": f"name = '{name}' && created != ''"},
                          headers=api.su).get_json()
    assert [item["name"] for item in body["items"]] == [name]


@pytest.mark.parametrize("query", [{"filter": "nope = 1"}, {"filter": "name ="}, {"sort": "nope"}, {"perPage": "abc"}])
def test_list_bad_query_is_400(api, query):
    assert_error(api.client.get("/api/collections", query_string=query, headers=api.su), 400, GENERIC_400)


# ---- view --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["_pb_users_auth_", "users", "USERS"])
def test_view_by_id_or_name(api, key):
    body = get(api, key).get_json()
    assert (body["id"], body["name"], body["type"], body["system"]) == ("_pb_users_auth_", "users", "auth", False)


def test_view_unknown_is_404(api):
    assert_error(get(api, "nope"), 404, NOT_FOUND)


def test_default_users_collection(api):
    body = get(api, "users").get_json()
    assert [(f["name"], f["type"]) for f in body["fields"]] == [
        ("id", "text"), ("password", "password"), ("tokenKey", "text"), ("email", "email"), ("emailVisibility", "bool"),
        ("verified", "bool"), ("name", "text"), ("avatar", "file"), ("created", "autodate"), ("updated", "autodate"),
    ]
    assert {rule: body[rule] for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule", "authRule", "manageRule")} == {
        "listRule": "id = @request.auth.id", "viewRule": "id = @request.auth.id", "createRule": "",
        "updateRule": "id = @request.auth.id", "deleteRule": "id = @request.auth.id", "authRule": "", "manageRule": None,
    }


# ---- scaffolds -----------------------------------------------------------------------------------------------------


def test_scaffolds(api):
    body = api.client.get("/api/collections/meta/scaffolds", headers=api.su).get_json()
    assert list(body) == ["base", "auth", "view"]
    assert list(body["base"]) == COLLECTION_KEYS
    assert list(body["auth"]) == AUTH_KEYS
    assert list(body["view"]) == COLLECTION_KEYS + ["viewQuery"]
    assert {key: body["base"][key] for key in ("id", "name", "created", "updated", "system", "indexes")} == {
        "id": "", "name": "", "created": "", "updated": "", "system": False, "indexes": []}
    assert body["base"]["fields"] == [ID_FIELD]
    assert [f["name"] for f in body["auth"]["fields"]] == ["id", "password", "tokenKey", "email", "emailVisibility", "verified"]
    assert (body["view"]["fields"], body["view"]["viewQuery"]) == ([], "")


def test_auth_scaffold_indexes_have_a_random_suffix_and_no_table(api):
    indexes = api.client.get("/api/collections/meta/scaffolds", headers=api.su).get_json()["auth"]["indexes"]
    suffix = re.match(r"CREATE UNIQUE INDEX `idx_tokenKey_(\w{10})` ON `` \(`tokenKey`\)$", indexes[0]).group(1)
    assert indexes[1] == f"CREATE UNIQUE INDEX `idx_email_{suffix}` ON `` (`email`) WHERE `email` != ''"


def test_a_scaffold_can_be_posted_back(api):
    scaffold = api.client.get("/api/collections/meta/scaffolds", headers=api.su).get_json()["auth"]
    name = unique("from_scaffold")
    response = post(api, {**scaffold, "name": name})
    assert response.status_code == 200, response.get_json()
    assert all(f"ON `{name}`" in sql for sql in response.get_json()["indexes"])


# ---- create ------------------------------------------------------------------------------------------------------


def test_create_base_collection(api):
    name = unique("base")
    response = post(api, {"name": name, "fields": [{"name": "title", "type": "text"}]})
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == COLLECTION_KEYS
    assert body["id"] == f"pbc_{crc('base' + name)}"
    assert {key: body[key] for key in ("name", "type", "system", "indexes", "listRule", "deleteRule")} == {
        "name": name, "type": "base", "system": False, "indexes": [], "listRule": None, "deleteRule": None}
    assert DATETIME.match(body["created"]) and body["created"] == body["updated"]
    assert [f["name"] for f in body["fields"]] == ["id", "title"]
    assert body["fields"][0] == ID_FIELD


def test_create_adds_no_created_or_updated_fields(api):
    assert [f["name"] for f in api.collection(unique("bare"), [])["fields"]] == ["id"]


@pytest.mark.parametrize("kind", list(DEFAULTS))
def test_every_field_type_gets_pocketbase_defaults(api, kind):
    name = f"f_{kind}"
    body = api.collection(unique("types"), [{"name": name, "type": kind, **NEEDS.get(kind, {})}])
    expected = {"id": f"{kind}{crc(name)}", "name": name, "type": kind, **COMMON, **DEFAULTS[kind]}
    if kind != "autodate":
        expected.update(required=False, help="")
    assert body["fields"][1] == expected
    assert list(body["fields"][1]) == sorted(expected)


def test_field_keys_come_out_alphabetically_sorted(api):
    body = api.collection(unique("sorted"), [{"name": "n", "type": "number"}])
    assert list(body["fields"][1]) == ["help", "hidden", "id", "max", "min", "name", "onlyInt", "presentable", "required", "system", "type"]


def test_create_keeps_every_option_given(api):
    options = {
        "text": {"min": 2, "max": 9, "pattern": "^[a-z]+$", "autogeneratePattern": "[a-z]{5}", "required": True, "hidden": True, "presentable": True, "help": "hi"},
        "number": {"min": -1.5, "max": 10, "onlyInt": False},
        "email": {"onlyDomains": ["example.com"]},
        "url": {"exceptDomains": ["bad.com"]},
        "editor": {"maxSize": 100, "convertURLs": True},
        "date": {"min": "2020-01-01 00:00:00.000Z", "max": "2030-01-01 00:00:00.000Z"},
        "autodate": {"onCreate": True, "onUpdate": True},
        "select": {"values": ["x", "y"], "maxSelect": 2},
        "file": {"maxSelect": 3, "maxSize": 1000, "mimeTypes": ["image/png"], "thumbs": ["100x100"], "protected": True},
        "relation": {"collectionId": "_pb_users_auth_", "maxSelect": 5, "minSelect": 1, "cascadeDelete": True},
        "json": {"maxSize": 50},
        "password": {"min": 10, "max": 50, "pattern": "\\d", "cost": 11},
    }
    body = api.collection(unique("options"), [{"name": f"f_{kind}", "type": kind, **given} for kind, given in options.items()])
    for (kind, given), field in zip(options.items(), body["fields"][1:]):
        assert {key: field[key] for key in given} == given, kind


def test_field_ids_are_type_plus_crc32_of_the_name(api):
    body = api.collection(unique("ids"), [{"name": "title", "type": "text"}, {"name": "count", "type": "number"}])
    assert [f["id"] for f in body["fields"]] == ["text3208210256", "text724990059", f"number{crc('count')}"]


def test_a_given_field_id_is_kept(api):
    body = api.collection(unique("given"), [{"id": "myfield", "name": "title", "type": "text"}])
    assert body["fields"][1]["id"] == "myfield"


def test_a_given_collection_id_is_kept(api):
    name = unique("custom_id")
    assert api.collection(name, [], id=f"id_{name}")["id"] == f"id_{name}"


def test_create_auth_collection(api):
    name = unique("members")
    body = api.collection(name, [], type="auth")
    assert list(body) == AUTH_KEYS
    assert body["id"] == f"pbc_{crc('auth' + name)}"
    assert [(f["name"], f["type"], f["system"]) for f in body["fields"]] == [
        ("id", "text", True), ("password", "password", True), ("tokenKey", "text", True), ("email", "email", True),
        ("emailVisibility", "bool", True), ("verified", "bool", True)]
    assert body["indexes"] == [
        f"CREATE UNIQUE INDEX `idx_tokenKey_{body['id']}` ON `{name}` (`tokenKey`)",
        f"CREATE UNIQUE INDEX `idx_email_{body['id']}` ON `{name}` (`email`) WHERE `email` != ''",
    ]
    assert (body["authRule"], body["manageRule"]) == ("", None)
    assert body["passwordAuth"] == {"enabled": True, "identityFields": ["email"]}
    assert body["mfa"] == {"enabled": False, "duration": 600, "rule": ""}
    assert (body["otp"]["duration"], body["otp"]["length"], body["otp"]["enabled"]) == (180, 8, False)
    assert [body[key] for key in ("authToken", "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken")] == [
        {"duration": 432000}, {"duration": 1800}, {"duration": 1800}, {"duration": 86400}, {"duration": 180}]
    assert body["oauth2"] == {"providers": [], "mappedFields": {"id": "", "name": "", "username": "", "avatarURL": ""}, "enabled": False}
    assert body["authAlert"]["enabled"] is True


def test_auth_options_can_be_set_on_create(api):
    body = api.collection(unique("members"), [{"name": "username", "type": "text"}], type="auth",
                          indexes=["CREATE UNIQUE INDEX idx_un_%s ON x (username)" % unique("u")],
                          passwordAuth={"identityFields": ["email", "username"]}, authToken={"duration": 60},
                          otp={"enabled": True, "length": 6}, authRule="verified = true", manageRule="")
    assert body["passwordAuth"] == {"enabled": True, "identityFields": ["email", "username"]}
    assert body["authToken"] == {"duration": 60}
    assert (body["otp"]["enabled"], body["otp"]["length"], body["otp"]["duration"]) == (True, 6, 180)
    assert (body["authRule"], body["manageRule"]) == ("verified = true", "")


def test_the_system_flag_can_be_set_on_create(api):
    assert api.collection(unique("sys"), [], system=True)["system"] is True


def test_duplicate_field_names_are_merged_keeping_the_first_id(api):
    body = api.collection(unique("dups"), [{"name": "title", "type": "text"}, {"name": "title", "type": "number"}])
    assert [(f["name"], f["type"], f["id"]) for f in body["fields"]] == [
        ("id", "text", "text3208210256"), ("title", "number", "text724990059")]


def test_a_sent_id_field_is_forced_to_be_the_primary_key(api):
    body = api.collection(unique("own_id"), [{"name": "id", "type": "text"}, {"name": "id", "type": "text", "hidden": True}])
    assert body["fields"] == [{**ID_FIELD, "autogeneratePattern": "", "min": 0, "max": 0}]


def test_rules_are_stored_verbatim(api):
    rules = {"listRule": "", "viewRule": "title != ''", "createRule": "@request.auth.id != ''", "updateRule": None,
             "deleteRule": "id = @request.auth.id"}
    body = api.collection(unique("rules"), [{"name": "title", "type": "text"}], **rules)
    assert {key: body[key] for key in rules} == rules


# ---- create errors (capture 09) ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "data"),
    [
        ({"name": "users"}, {"name": field_error("validation_collection_name_exists", "Collection name must be unique (case insensitive).")}),
        ({"name": "USERS"}, {"name": field_error("validation_collection_name_exists", "Collection name must be unique (case insensitive).")}),
        ({"name": "bad name!"}, {"name": field_error("validation_match_invalid", "Must be in a valid format.")}),
        ({"name": "a_via_b"}, {"name": field_error("validation_found_via", 'The value cannot contain "_via_".')}),
        ({"name": ""}, {"name": REQUIRED}),
        ({}, {"name": REQUIRED}),
        ({"name": "x" * 256}, {"name": field_error("validation_match_invalid", "Must be in a valid format.")}),
        ({"name": "xt", "type": "weird"}, {"type": field_error("validation_in_invalid", "Must be a valid value.")}),
        ({"name": "c_rule", "fields": [{"name": "title", "type": "text"}], "listRule": "nope = 1"},
         {"listRule": field_error("validation_invalid_rule", 'Invalid rule. Raw error: invalid left operand "nope" - unknown field "nope".')}),
        ({"name": "c_rule2", "fields": [{"name": "title", "type": "text"}], "listRule": "title ="},
         {"listRule": field_error("validation_invalid_rule", "Invalid rule. Raw error: invalid or incomplete filter expression.")}),
        ({"name": "c_idx", "fields": [{"name": "title", "type": "text"}], "indexes": ["CREATE INDEX foo"]},
         {"indexes": {"0": field_error("validation_invalid_index_expression", "Invalid CREATE INDEX expression.")}}),
        ({"name": "c_idx2", "fields": [{"name": "title", "type": "text"}], "indexes": ["CREATE INDEX idx_foo ON c_idx2 (nope)"]},
         {"indexes": {"0": field_error("validation_invalid_index_expression",
                                       "Failed to create index idx_foo - SQL logic error: no such column: nope (1).")}}),
        ({"name": "c_idnum", "fields": [{"name": "id", "type": "number"}]},
         {"fields": {"1": {"name": field_error("validation_duplicated_field_name", "Duplicated or invalid field name id.", {"fieldName": "id"})}}}),
        ({"name": "c_fn", "fields": [{"name": "bad name", "type": "text"}]},
         {"fields": {"1": {"name": field_error("validation_match_invalid", "Must be in a valid format.")}}}),
        ({"name": "c_fn2", "fields": [{"name": "", "type": "text"}]}, {"fields": {"1": {"name": REQUIRED}}}),
        ({"name": "c_sel", "fields": [{"name": "s", "type": "select"}]}, {"fields": {"1": {"values": REQUIRED}}}),
        ({"name": "c_rel", "fields": [{"name": "r", "type": "relation"}]}, {"fields": {"1": {"collectionId": REQUIRED}}}),
        ({"name": "c_rel2", "fields": [{"name": "r", "type": "relation", "collectionId": "nope"}]},
         {"fields": {"1": {"collectionId": field_error("validation_field_relation_missing_collection", "The relation collection doesn't exist.")}}}),
        ({"name": "c_num", "fields": [{"name": "n", "type": "number", "min": 5, "max": 1}]},
         {"fields": {"1": {"max": field_error("validation_min_number_constraint", "Must be greater or equal than 5.", {"min": 5})}}}),
        ({"name": "c_pat", "fields": [{"name": "t", "type": "text", "pattern": "(["}]},
         {"fields": {"1": {"pattern": field_error("validation_invalid_regex", "Error parsing regexp: missing closing ]: `[`.")}}}),
        ({"name": "c_auto", "fields": [{"name": "a", "type": "autodate"}]},
         {"fields": {"1": {"onCreate": field_error("validation_required", "Either onCreate or onUpdate must be enabled."),
                           "onUpdate": field_error("validation_required", "Either onCreate or onUpdate must be enabled.")}}}),
        ({"id": "bad id!", "name": "c_badid"}, {"id": field_error("validation_match_invalid", "Must be in a valid format.")}),
        ({"id": "_pb_users_auth_", "name": "c_takenid"},
         {"id": field_error("validation_invalid_or_existing_id", "The model id is invalid or already exists.")}),
    ],
    ids=lambda value: value.get("name", "") if isinstance(value, dict) and "name" in value and len(str(value.get("name"))) < 30 else None,
)
def test_create_errors_as_pocketbase(api, body, data):
    assert create_error(api, body) == data


def threshold(code: str, message: str, value) -> dict:
    return field_error(code, message, {"threshold": value})


NO_LESS_THAN_0 = threshold("validation_min_greater_equal_than_required", "Must be no less than 0.", 0)


@pytest.mark.parametrize(
    ("field", "errors"),
    [
        ({"type": "select", "values": ["a"], "maxSelect": 5},
         {"maxSelect": threshold("validation_max_less_equal_than_required", "Must be no greater than 1.", 1)}),
        ({"type": "select", "values": ["a"], "maxSelect": -1}, {"maxSelect": NO_LESS_THAN_0}),
        ({"type": "text", "min": 5, "max": 2}, {"max": threshold("validation_min_greater_equal_than_required", "Must be no less than 5.", 5)}),
        ({"type": "text", "min": -1}, {"min": NO_LESS_THAN_0}),
        ({"type": "text", "autogeneratePattern": "(["},
         {"autogeneratePattern": field_error("validation_invalid_regex", "Error parsing regexp: missing closing ]: `[`.")}),
        ({"type": "json", "maxSize": -5}, {"maxSize": NO_LESS_THAN_0}),
        ({"type": "file", "maxSelect": -1, "thumbs": ["abc"]},
         {"maxSelect": NO_LESS_THAN_0, "thumbs": {"0": field_error("validation_match_invalid", "Must be in a valid format.")}}),
        ({"type": "password", "cost": 99}, {"cost": threshold("validation_max_less_equal_than_required", "Must be no greater than 31.", 31)}),
        ({"type": "relation", "collectionId": "_pb_users_auth_", "minSelect": 3, "maxSelect": 1},
         {"maxSelect": threshold("validation_min_greater_equal_than_required", "Must be no less than 3.", 3)}),
        ({"type": "email", "onlyDomains": ["a.com"], "exceptDomains": ["b.com"]},
         {"exceptDomains": field_error("validation_empty", "Must be blank."), "onlyDomains": field_error("validation_empty", "Must be blank.")}),
        ({"type": "editor", "maxSize": -1}, {"maxSize": NO_LESS_THAN_0}),
        ({"type": "text", "help": "h" * 301},
         {"help": field_error("validation_length_out_of_range", "The length must be between 1 and 300.", {"max": 300, "min": 1})}),
    ],
    ids=lambda value: "-".join(f"{k}" for k in value) if isinstance(value, dict) and "type" in value else None,
)
def test_options_out_of_range_as_pocketbase(api, field, errors):
    assert create_error(api, {"name": unique("opts"), "fields": [{"name": "f", **field}]}) == {"fields": {"1": errors}}


def test_help_of_300_characters_is_fine(api):
    assert api.collection(unique("help"), [{"name": "f", "type": "text", "help": "h" * 300}])["fields"][1]["help"] == "h" * 300


def test_unknown_field_type_is_a_format_error(api):
    assert_error(post(api, {"name": "c_unk", "fields": [{"name": "x", "type": "nope"}]}), 400,
                 "Failed to load the submitted data due to invalid formatting.")


@pytest.mark.parametrize("body", [{"name": "c_f", "fields": "x"}, {"name": "c_f", "fields": ["x"]},
                                  {"name": "c_f", "indexes": "x"}, {"name": "c_f", "listRule": 5}])
def test_badly_shaped_input_is_a_format_error(api, body):
    assert_error(post(api, body), 400, "Failed to load the submitted data due to invalid formatting.")


def test_malformed_json_is_400(api):
    response = api.client.post("/api/collections", data="{nope", content_type="application/json", headers=api.su)
    assert_error(response, 400, GENERIC_400)


@pytest.mark.parametrize("name", ["expand", "collectionId", "collectionName"])
def test_reserved_field_names(api, name):
    data = create_error(api, {"name": unique("reserved"), "fields": [{"name": name, "type": "text"}]})
    assert data["fields"]["1"]["name"]["code"] == "validation_duplicated_field_name"


@pytest.mark.parametrize("name", ["passwordConfirm", "oldPassword"])
def test_auth_reserved_field_names(api, name):
    data = create_error(api, {"name": unique("reserved"), "type": "auth", "fields": [{"name": name, "type": "text"}]})
    assert data["fields"]["1"]["name"]["code"] == "validation_duplicated_field_name"  # system fields go after


@pytest.mark.parametrize("name", ["_collections", "_params", "_migrations", "alembic_version", "sqlite_master", "pg_class"])
def test_reserved_collection_names(api, name):
    assert create_error(api, {"name": name})["name"]["code"] in ("validation_collection_name_invalid", "validation_collection_name_exists")


def test_field_names_are_unique_case_insensitively(api):
    data = create_error(api, {"name": unique("case"), "fields": [{"name": "title", "type": "text"}, {"name": "Title", "type": "text"}]})
    assert data["fields"]["2"]["name"] == field_error("validation_duplicated_field_name", "Duplicated or invalid field name Title.", {"fieldName": "Title"})


def test_errors_of_several_fields_and_keys_together(api):
    data = create_error(api, {"name": "bad name", "listRule": "nope = 1", "fields": [{"name": "s", "type": "select"}]})
    assert set(data) == {"name", "fields"}  # rules are checked once the fields are sound


def test_a_failed_create_leaves_nothing_behind(api):
    name = unique("failed")
    create_error(api, {"name": name, "fields": [{"name": "title", "type": "text"}], "listRule": "nope = 1"})
    assert_error(get(api, name), 404, NOT_FOUND)
    assert api.collection(name, [{"name": "title", "type": "text"}])["name"] == name


def test_auth_option_ranges(api):
    data = create_error(api, {"name": unique("members"), "type": "auth", "authToken": {"duration": 5},
                              "otp": {"length": 2, "duration": 99999}, "mfa": {"duration": 1}})
    assert data == {
        "authToken": {"duration": field_error("validation_out_of_range", "Must be between 10 and 94670856.")},
        "otp": {"duration": field_error("validation_out_of_range", "Must be between 10 and 86400."),
                "length": field_error("validation_out_of_range", "Must be between 4 and 255.")},
        "mfa": {"duration": field_error("validation_out_of_range", "Must be between 10 and 86400.")},
    }


def test_auth_collections_keep_their_token_key_and_email_indexes(api):
    name = unique("members")
    created = api.collection(name, [{"name": "nick", "type": "text"}], type="auth", indexes=[f"CREATE UNIQUE INDEX idx_nick_{name} ON x (nick)"])
    assert created["indexes"] == [
        f"CREATE UNIQUE INDEX `idx_nick_{name}` ON `{name}` (`nick`)",
        f"CREATE UNIQUE INDEX `idx_tokenKey_{created['id']}` ON `{name}` (`tokenKey`)",
        f"CREATE UNIQUE INDEX `idx_email_{created['id']}` ON `{name}` (`email`) WHERE `email` != ''",
    ]
    assert patch(api, name, {"indexes": []}).get_json()["indexes"] == created["indexes"][1:]


def test_identity_fields_need_a_unique_index(api):
    data = create_error(api, {"name": unique("members"), "type": "auth", "fields": [{"name": "username", "type": "text"}],
                              "passwordAuth": {"identityFields": ["username"]}})
    assert data == {"passwordAuth": {"identityFields": field_error(
        "validation_missing_unique_constraint", 'The identity field "username" must have a UNIQUE index.')}}


@pytest.mark.parametrize("rule", ["authRule", "manageRule"])
def test_auth_rules_are_validated(api, rule):
    data = create_error(api, {"name": unique("members"), "type": "auth", rule: "nope = 1"})
    assert data == {rule: field_error("validation_invalid_rule", 'Invalid rule. Raw error: invalid left operand "nope" - unknown field "nope".')}


def test_mfa_rule_is_validated(api):
    data = create_error(api, {"name": unique("members"), "type": "auth", "mfa": {"rule": "nope = 1"}})
    assert data["mfa"]["rule"]["code"] == "validation_invalid_rule"


def test_rules_may_use_relations_and_request_data(api):
    name = unique("ruled")
    body = api.collection(name, [{"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1}],
                          listRule="owner.email = @request.auth.email && @request.query.x != ''",
                          viewRule="@collection.users.id ?= owner")
    assert body["listRule"].startswith("owner.email")


# ---- update ---------------------------------------------------------------------------------------------------------


def test_update_rules_only(api):
    name = unique("upd")
    api.collection(name, [{"name": "title", "type": "text"}])
    response = patch(api, name, {"listRule": "title != ''", "viewRule": ""})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["listRule"], body["viewRule"], body["createRule"]) == ("title != ''", "", None)
    assert [f["name"] for f in body["fields"]] == ["id", "title"]


def test_update_bumps_updated_and_keeps_created(api):
    name = unique("upd")
    created = api.collection(name, [])
    body = patch(api, name, {"listRule": ""}).get_json()
    assert body["created"] == created["created"] and body["updated"] >= created["updated"]


def test_update_by_id(api):
    name = unique("upd")
    created = api.collection(name, [])
    assert patch(api, created["id"], {"name": name + "_r"}).get_json()["name"] == name + "_r"


def test_rename_keeps_the_id(api):
    name = unique("ren")
    created = api.collection(name, [{"name": "title", "type": "text"}])
    body = patch(api, name, {"name": name + "_new"}).get_json()
    assert (body["id"], body["name"]) == (created["id"], name + "_new")
    assert_error(get(api, name), 404, NOT_FOUND)


def test_rename_rewrites_the_table_of_the_indexes(api):
    name = unique("ren_idx")
    api.collection(name, [{"name": "title", "type": "text"}, {"name": "n", "type": "number"}],
                   indexes=[f"CREATE INDEX idx_t_{name} ON {name} (title)", f"CREATE UNIQUE INDEX idx_n_{name} ON {name} (n, title) WHERE title != ''"])
    body = patch(api, name, {"name": name + "_r"}).get_json()
    assert body["indexes"] == [
        f"CREATE INDEX `idx_t_{name}` ON `{name}_r` (`title`)",
        f"CREATE UNIQUE INDEX `idx_n_{name}` ON `{name}_r` (\n  `n`,\n  `title`\n) WHERE title != ''",
    ]


def test_rename_auth_collection_rewrites_its_indexes(api):
    name = unique("auth_ren")
    created = api.collection(name, [], type="auth")
    body = patch(api, name, {"name": name + "_r"}).get_json()
    assert body["indexes"][0] == f"CREATE UNIQUE INDEX `idx_tokenKey_{created['id']}` ON `{name}_r` (`tokenKey`)"


def test_rename_to_a_taken_name_fails(api):
    name = unique("ren")
    api.collection(name, [])
    assert update_error(api, name, {"name": "Users"}) == {
        "name": field_error("validation_collection_name_exists", "Collection name must be unique (case insensitive).")}


def test_rename_by_case_only(api):
    name = unique("case_ren")
    api.collection(name, [])
    assert patch(api, name, {"name": name.upper()}).get_json()["name"] == name.upper()


def test_patch_fields_rename_keeps_the_field_id(api):
    name = unique("fren")
    created = api.collection(name, [{"name": "title", "type": "text"}])
    fields = created["fields"]
    fields[1]["name"] = "heading"
    body = patch(api, name, {"fields": fields}).get_json()
    assert [(f["name"], f["id"]) for f in body["fields"]] == [("id", "text3208210256"), ("heading", "text724990059")]


def test_patch_fields_replaces_the_list_without_merging_options(api):
    name = unique("repl")
    api.collection(name, [{"name": "title", "type": "text", "max": 10, "required": True}, {"name": "gone", "type": "bool"}])
    body = patch(api, name, {"fields": [{"id": "text724990059", "name": "title", "type": "text"}]}).get_json()
    assert [(f["name"], f["max"], f["required"]) for f in body["fields"]] == [("id", 15, True), ("title", 0, False)]


def test_patch_field_without_id_of_a_new_name_is_a_new_field(api):
    name = unique("newf")
    api.collection(name, [{"name": "a", "type": "text"}])
    body = patch(api, name, {"fields": [{"name": "a", "type": "text"}, {"name": "b", "type": "text"}]}).get_json()
    assert [(f["name"], f["id"]) for f in body["fields"]] == [("id", "text3208210256"), ("a", f"text{crc('a')}"), ("b", f"text{crc('b')}")]


def test_patch_two_fields_with_one_id_keeps_the_last(api):
    name = unique("sameid")
    api.collection(name, [{"name": "a", "type": "text"}])
    body = patch(api, name, {"fields": [{"id": "x1", "name": "a", "type": "text"}, {"id": "x1", "name": "b", "type": "text"}]}).get_json()
    assert [(f["name"], f["id"]) for f in body["fields"]] == [("id", "text3208210256"), ("b", "x1")]


def test_patch_minimal_field_objects_revalidate_defaults(api):
    name = unique("minimal")
    created = api.collection(name, [{"name": "s", "type": "select", "values": ["a"]}, {"name": "r", "type": "relation",
                                     "collectionId": "_pb_users_auth_"}, {"name": "c", "type": "autodate", "onCreate": True}])
    minimal = [{"id": f["id"], "name": f["name"], "type": f["type"]} for f in created["fields"]]
    assert update_error(api, name, {"fields": minimal}) == {"fields": {
        "1": {"values": REQUIRED}, "2": {"collectionId": REQUIRED},
        "3": {"onCreate": field_error("validation_required", "Either onCreate or onUpdate must be enabled."),
              "onUpdate": field_error("validation_required", "Either onCreate or onUpdate must be enabled.")}}}


def test_the_id_field_comes_back_when_omitted(api):
    name = unique("noid")
    api.collection(name, [{"name": "title", "type": "text"}])
    body = patch(api, name, {"fields": [{"name": "title", "type": "text"}]}).get_json()
    assert body["fields"][0] == ID_FIELD


def test_field_type_cannot_change(api):
    name = unique("retype")
    api.collection(name, [{"name": "title", "type": "text"}])
    assert update_error(api, name, {"fields": [{"id": "text724990059", "name": "title", "type": "number"}]}) == {
        "fields": {"1": field_error("validation_field_type_change", "Field type cannot be changed.")}}


def test_collection_type_cannot_change(api):
    name = unique("retype")
    api.collection(name, [])
    assert update_error(api, name, {"type": "auth"}) == {"type": field_error("validation_collection_type_change", "Collection type cannot be changed.")}


def test_relation_target_cannot_change(api):
    name = unique("reltarget")
    created = api.collection(name, [{"name": "r", "type": "relation", "collectionId": "_pb_users_auth_"}])
    fields = created["fields"]
    fields[1]["collectionId"] = created["id"]
    assert update_error(api, name, {"fields": fields}) == {"fields": {"1": {"collectionId": field_error(
        "validation_field_relation_change", "The relation collection cannot be changed.")}}}


def test_a_failed_update_changes_nothing(api):
    name = unique("atomic")
    created = api.collection(name, [{"name": "title", "type": "text"}])
    update_error(api, name, {"name": name + "_x", "fields": [{"name": "x", "type": "text"}], "listRule": "nope = 1"})
    assert get(api, name).get_json() == created


def test_stale_rules_fail_a_field_rename(api):
    name = unique("stale")
    created = api.collection(name, [{"name": "title", "type": "text"}], listRule="title != ''")
    fields = created["fields"]
    fields[1]["name"] = "heading"
    assert update_error(api, name, {"fields": fields}) == {"listRule": field_error(
        "validation_invalid_rule", 'Invalid rule. Raw error: invalid left operand "title" - unknown field "title".')}


def test_auth_options_merge_key_by_key(api):
    name = unique("members")
    api.collection(name, [], type="auth")
    body = patch(api, name, {"otp": {"enabled": True}, "authToken": {"duration": 100}}).get_json()
    assert (body["otp"]["enabled"], body["otp"]["length"], body["authToken"]) == (True, 8, {"duration": 100})


def test_token_secrets_survive_an_update_and_stay_hidden(api):
    name = unique("members")
    api.collection(name, [], type="auth")
    before = api.core.collections.get(name).options["authToken"]["secret"]
    body = patch(api, name, {"authToken": {"duration": 100, "secret": ""}}).get_json()
    assert "secret" not in body["authToken"]
    assert api.core.collections.get(name).options["authToken"]["secret"] == before


def test_unknown_collection_update_is_404(api):
    assert_error(patch(api, "nope", {"listRule": ""}), 404, NOT_FOUND)


# ---- indexes through the API -------------------------------------------------------------------------------------------


def test_index_names_are_unique_within_a_collection(api):
    name = unique("idx")
    data = create_error(api, {"name": name, "fields": [{"name": "t", "type": "text"}],
                              "indexes": [f"CREATE INDEX idx_a ON {name} (t)", f"CREATE INDEX idx_a ON {name} (t)"]})
    assert data == {"indexes": {"1": field_error("validation_duplicated_index_name", "The index name already exists.")}}


def test_index_names_are_unique_across_collections(api):
    first, second = unique("idx"), unique("idx")
    api.collection(first, [{"name": "t", "type": "text"}], indexes=[f"CREATE INDEX idx_shared_{first} ON {first} (t)"])
    data = create_error(api, {"name": second, "fields": [{"name": "t", "type": "text"}],
                              "indexes": [f"CREATE INDEX idx_shared_{first} ON {second} (t)"]})
    assert data == {"indexes": {"0": field_error("validation_existing_index_name", f"The index name is already used in {first} collection.",
                                                 {"usedTableName": first})}}


def test_index_on_another_table_is_normalized(api):
    name = unique("idx")
    body = api.collection(name, [{"name": "t", "type": "text"}], indexes=[f"CREATE INDEX idx_w_{name} ON wrongtable (t)"])
    assert body["indexes"] == [f"CREATE INDEX `idx_w_{name}` ON `{name}` (`t`)"]


def test_index_statement_as_written_is_kept(api):
    name = unique("idx")
    sql = f"create unique index idx_l_{name} on {name} (lower(t)) where t != ''"
    assert api.collection(name, [{"name": "t", "type": "text"}], indexes=[sql])["indexes"] == [sql]


def test_unique_index_over_duplicate_values_is_a_400(api):
    name = unique("dupvals")
    api.collection(name, [{"name": "t", "type": "text"}], createRule="")
    api.record(name, {"t": "same"})
    api.record(name, {"t": "same"})
    response = patch(api, name, {"indexes": [f"CREATE UNIQUE INDEX idx_u_{name} ON {name} (t)"]})
    assert response.status_code == 400
    assert response.get_json()["message"].startswith(UPDATE_FAILED)
    assert get(api, name).get_json()["indexes"] == []


def test_views_have_no_indexes(api):
    data = create_error(api, {"name": unique("v"), "type": "view", "viewQuery": "SELECT id FROM users",
                              "indexes": ["CREATE INDEX idx_v ON v (id)"]})
    assert data == {"indexes": field_error("validation_indexes_not_supported", "View collections don't support indexes.")}


# ---- system collections ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["_superusers", "_mfas", "_otps", "_externalAuths", "_authOrigins"])
def test_system_collections_cannot_be_deleted(api, name):
    assert_error(api.client.delete(f"/api/collections/{name}", headers=api.su), 400, "Failed to delete collection.")


def test_system_collection_cannot_be_renamed(api):
    assert update_error(api, "_superusers", {"name": "_su2"}) == {
        "name": field_error("validation_collection_system_name_change", "System collection name cannot be changed.")}


@pytest.mark.parametrize(("name", "rule"), [("_superusers", "listRule"), ("_mfas", "deleteRule"), ("_superusers", "authRule"),
                                            ("_superusers", "manageRule")])
def test_system_collection_rules_cannot_change(api, name, rule):
    assert update_error(api, name, {rule: "id != ''"}) == {
        rule: field_error("validation_collection_system_rule_change", "System collection API rule cannot be changed.")}


@pytest.mark.parametrize(("name", "flag"), [("users", True), ("_mfas", False)])
def test_the_system_flag_cannot_change(api, name, flag):
    assert update_error(api, name, {"system": flag}) == {
        "system": field_error("validation_collection_system_flag_change", "System collection state cannot be changed.")}


def test_sending_the_same_system_flag_is_fine(api):
    assert patch(api, "_mfas", {"system": True}).status_code == 200


def test_system_fields_cannot_be_removed(api):
    fields = [f for f in fields_of(api, "_mfas") if f["name"] != "method"]
    assert update_error(api, "_mfas", {"fields": fields}) == {
        "fields": field_error("validation_system_field_change", "System fields cannot be deleted or renamed.")}


def test_system_fields_cannot_be_renamed(api):
    fields = fields_of(api, "users")
    next(f for f in fields if f["name"] == "email")["name"] = "mail"
    assert update_error(api, "users", {"fields": fields}) == {
        "fields": field_error("validation_system_field_change", "System fields cannot be deleted or renamed.")}


def test_omitted_auth_system_fields_come_back_at_the_end(api):
    name = unique("members")
    created = api.collection(name, [{"name": "nick", "type": "text"}], type="auth")
    kept = [f for f in created["fields"] if f["name"] not in ("password", "tokenKey")]
    body = patch(api, name, {"fields": kept}).get_json()
    assert [f["name"] for f in created["fields"]] == ["id", "nick", "password", "tokenKey", "email", "emailVisibility", "verified"]
    assert [f["name"] for f in body["fields"]] == ["id", "nick", "email", "emailVisibility", "verified", "password", "tokenKey"]
    assert body["fields"][-2] == next(f for f in created["fields"] if f["name"] == "password")


def test_system_collection_fields_and_options_can_still_be_extended(api):
    fields = fields_of(api, "_superusers") + [{"name": "nickname", "type": "text"}]
    body = patch(api, "_superusers", {"fields": fields, "authToken": {"duration": 7200}}).get_json()
    assert (body["fields"][-1]["name"], body["authToken"]) == ("nickname", {"duration": 7200})
    patch(api, "_superusers", {"fields": fields[:-1], "authToken": {"duration": 86400}})


def test_a_user_made_system_collection_is_protected_too(api):
    name = unique("mine")
    api.collection(name, [], system=True)
    assert update_error(api, name, {"listRule": ""})["listRule"]["code"] == "validation_collection_system_rule_change"
    assert_error(api.client.delete(f"/api/collections/{name}", headers=api.su), 400, "Failed to delete collection.")


# ---- delete ------------------------------------------------------------------------------------------------------------


def test_delete_answers_204_and_drops_the_table(api):
    name = unique("del")
    api.collection(name, [{"name": "t", "type": "text"}], createRule="")
    api.record(name, {"t": "x"})
    response = api.client.delete(f"/api/collections/{name}", headers=api.su)
    assert (response.status_code, response.data) == (204, b"")
    assert_error(get(api, name), 404, NOT_FOUND)
    with api.core.db.read() as connection:
        assert api.core.db.dialect.name and not connection.dialect.has_table(connection, name)


def test_delete_removes_the_files_of_the_records(api):
    name = unique("del_files")
    created = api.collection(name, [{"name": "doc", "type": "file"}], createRule="")
    record = api.client.post(f"/api/collections/{name}/records", data={"doc": (io.BytesIO(b"data"), "a.txt")},
                             content_type="multipart/form-data", headers=api.su).get_json()
    assert api.core.files.storage.exists(file_key(created["id"], record["id"], record["doc"]))
    assert api.client.delete(f"/api/collections/{name}", headers=api.su).status_code == 204
    assert list(api.core.files.storage.list(f"{created['id']}/")) == []


def test_delete_unknown_is_404(api):
    assert_error(api.client.delete("/api/collections/nope", headers=api.su), 404, NOT_FOUND)


def test_delete_is_refused_while_a_relation_points_at_it(api):
    target, source = unique("target"), unique("source")
    created = api.collection(target, [])
    api.collection(source, [{"name": "link", "type": "relation", "collectionId": created["id"]}])
    assert_error(api.client.delete(f"/api/collections/{target}", headers=api.su), 400,
                 f"Failed to delete collection probably due to existing reference in {source}.")
    assert get(api, target).status_code == 200


def test_delete_is_refused_while_a_view_reads_it(api):
    target, view = unique("target"), unique("view")
    api.collection(target, [{"name": "t", "type": "text"}])
    api.collection(view, [], type="view", viewQuery=f"SELECT id, t FROM {target}")
    assert_error(api.client.delete(f"/api/collections/{target}", headers=api.su), 400,
                 f"Failed to delete collection probably due to existing reference in {view}.")


def test_a_self_relation_does_not_block_delete(api):
    name = unique("selfrel")
    created = api.collection(name, [])
    patch(api, name, {"fields": created["fields"] + [{"name": "parent", "type": "relation", "collectionId": created["id"]}]})
    assert api.client.delete(f"/api/collections/{name}", headers=api.su).status_code == 204


def test_a_deleted_name_can_be_reused(api):
    name = unique("reuse")
    api.collection(name, [{"name": "a", "type": "text"}])
    api.client.delete(f"/api/collections/{name}", headers=api.su)
    assert [f["name"] for f in api.collection(name, [{"name": "b", "type": "number"}])["fields"]] == ["id", "b"]


# ---- truncate ----------------------------------------------------------------------------------------------------------


def test_truncate_deletes_every_record(api):
    name = unique("trunc")
    api.collection(name, [{"name": "t", "type": "text"}], createRule="")
    api.record(name, {"t": "a"})
    api.record(name, {"t": "b"})
    response = api.client.delete(f"/api/collections/{name}/truncate", headers=api.su)
    assert (response.status_code, response.data) == (204, b"")
    assert api.ids(name) == []
    assert [f["name"] for f in fields_of(api, name)] == ["id", "t"]


def test_truncate_deletes_the_files_of_the_records(api):
    name = unique("trunc_files")
    created = api.collection(name, [{"name": "doc", "type": "file"}], createRule="", viewRule="")
    record = api.client.post(f"/api/collections/{name}/records", data={"doc": (io.BytesIO(b"data"), "a.txt")},
                             content_type="multipart/form-data", headers=api.su).get_json()
    key = file_key(created["id"], record["id"], record["doc"])
    assert api.core.files.storage.exists(key)
    assert api.client.delete(f"/api/collections/{name}/truncate", headers=api.su).status_code == 204
    assert not api.core.files.storage.exists(key)


def test_truncate_cascades_like_record_deletes(api):
    parent, child = unique("trunc_parent"), unique("trunc_child")
    created = api.collection(parent, [], createRule="")
    api.collection(child, [{"name": "p", "type": "relation", "collectionId": created["id"], "cascadeDelete": True}], createRule="")
    api.record(child, {"p": api.record(parent, {})["id"]})
    assert api.client.delete(f"/api/collections/{parent}/truncate", headers=api.su).status_code == 204
    assert api.ids(child) == []


def test_truncate_a_view_is_400(api):
    name = unique("v")
    api.collection(name, [], type="view", viewQuery="SELECT id FROM users")
    assert_error(api.client.delete(f"/api/collections/{name}/truncate", headers=api.su), 400,
                 "View collections cannot be truncated since they don't store their own records.")


def test_truncate_unknown_is_404(api):
    assert_error(api.client.delete("/api/collections/nope/truncate", headers=api.su), 404, NOT_FOUND)


def test_a_name_taken_by_a_system_table_is_refused(api):
    with api.core.db.transaction() as tx:
        tx.connection.exec_driver_sql("CREATE TABLE plugin_private_table (x TEXT)")
    assert create_error(api, {"name": "Plugin_Private_Table"}) == {
        "name": field_error("validation_collection_name_invalid", "The name is reserved.")}


# ---- fields= on every answer ------------------------------------------------------------------------------------


def test_fields_narrows_a_single_collection(api):
    response = api.client.get("/api/collections/users", query_string={"fields": "id,name"}, headers=api.su)
    assert response.get_json() == {"id": "_pb_users_auth_", "name": "users"}


def test_fields_narrows_create_and_update_answers(api):
    name = unique("narrow")
    response = api.client.post("/api/collections", query_string={"fields": "name"}, json={"name": name}, headers=api.su)
    assert response.get_json() == {"name": name}
    response = api.client.patch(f"/api/collections/{name}", query_string={"fields": "listRule"}, json={"listRule": ""}, headers=api.su)
    assert response.get_json() == {"listRule": ""}


def test_fields_narrows_the_scaffolds(api):
    response = api.client.get("/api/collections/meta/scaffolds", query_string={"fields": "base"}, headers=api.su)
    assert list(response.get_json()) == ["base"]
