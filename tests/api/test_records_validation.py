"""Record input through the API: validation codes per field type, coercion, modifiers, multipart bodies and
auth records, each compared with what PocketBase 0.40.6 answered (/tmp/pbref captures 12, 14, 15)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from api.helpers import GENERIC_400, NOT_FOUND, OPEN_RULES, PASSWORD, api, assert_error, field_error, su, unique  # noqa: F401

POSTS = "posts"
REQUIRED = field_error("validation_required", "Cannot be blank.")
MISMATCH = field_error("validation_values_mismatch", "Values don't match.")
NOT_UNIQUE = field_error("validation_not_unique", "Value must be unique.")
VALID = {"title": "abc", "flag": True}


@pytest.fixture(scope="module", autouse=True)
def posts(api):
    """The constrained collection of capture 11, plus two users to relate to."""
    api.collection(
        POSTS,
        [
            {"name": "title", "type": "text", "min": 3, "max": 5, "pattern": "^[a-z]+$", "required": True},
            {"name": "count", "type": "number", "min": 1, "max": 10, "onlyInt": True},
            {"name": "mail", "type": "email", "onlyDomains": ["example.com"]},
            {"name": "site", "type": "url", "exceptDomains": ["bad.com"]},
            {"name": "when", "type": "date", "min": "2020-01-01 00:00:00.000Z"},
            {"name": "tags", "type": "select", "maxSelect": 2, "values": ["a", "b", "c"]},
            {"name": "owner", "type": "relation", "maxSelect": 1, "collectionId": "_pb_users_auth_"},
            {"name": "meta", "type": "json", "maxSize": 10},
            {"name": "loc", "type": "geoPoint"},
            {"name": "flag", "type": "bool", "required": True},
            {"name": "body", "type": "editor"},
            {"name": "single", "type": "select", "values": ["x", "y"]},
            {"name": "created", "type": "autodate", "onCreate": True},
            {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
        ],
        **OPEN_RULES,
    )
    api.collection(
        "loose",
        [
            {"name": "text", "type": "text"},
            {"name": "number", "type": "number"},
            {"name": "flag", "type": "bool"},
            {"name": "editor", "type": "editor"},
            {"name": "date", "type": "date"},
            {"name": "json", "type": "json"},
            {"name": "geo", "type": "geoPoint"},
            {"name": "email", "type": "email"},
            {"name": "url", "type": "url"},
            {"name": "pick", "type": "select", "values": ["a", "b"]},
            {"name": "picks", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3},
            {"name": "auto", "type": "autodate", "onCreate": True},
        ],
        **OPEN_RULES,
    )


def create(api, collection: str, body, **kwargs):
    return api.client.post(f"/api/collections/{collection}/records", json=body, headers=api.su, **kwargs)


def post_error(response, data) -> None:
    assert_error(response, 400, "Failed to create record.", data)


# ---- validation codes ------------------------------------------------------------------------------------

MIN_DATE = field_error(
    "validation_min_greater_equal_than_required",
    "Must be no less than 2020-01-01 00:00:00 +0000 UTC.",
    {"threshold": "2020-01-01T00:00:00Z"},
)
MISSING_REL = field_error("validation_missing_rel_records", "Failed to find all relation records with the provided ids.")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        pytest.param({}, {"flag": REQUIRED, "title": REQUIRED}, id="empty"),
        pytest.param(
            {"title": "AB", "count": 11.5, "mail": "x@other.com", "site": "https://bad.com/x", "when": "2019-01-01 00:00:00.000Z",
             "tags": ["a", "b", "c"], "owner": ["nonexistent12345", "zzz"], "meta": {"aaaaaaaaaa": 1},
             "loc": {"lon": 200, "lat": 100}, "flag": False},
            {
                "count": field_error("validation_only_int_constraint", "Decimal numbers are not allowed."),
                "flag": REQUIRED,
                "loc": field_error("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees."),
                "mail": field_error("validation_email_domain_not_allowed", "Email domain is not allowed."),
                "meta": field_error("validation_json_size_limit", "The maximum allowed JSON size is 10 bytes.", {"maxSize": 10}),
                "owner": MISSING_REL,
                "site": field_error("validation_url_domain_not_allowed", "Url domain is not allowed."),
                "tags": field_error("validation_too_many_values", "Select no more than 2.", {"maxSelect": 2}),
                "title": field_error("validation_min_text_constraint", "Must be at least 3 character(s).", {"min": 3}),
                "when": MIN_DATE,
            },
            id="everything-wrong",
        ),
        pytest.param({"title": "abcdefg", "flag": True},
                     {"title": field_error("validation_max_text_constraint", "Must be no more than 5 character(s).", {"max": 5})}, id="text-max"),
        pytest.param({"title": "AbC", "flag": True}, {"title": field_error("validation_invalid_format", "Invalid value format.")}, id="text-pattern"),
        pytest.param({"title": 123, "flag": True}, {"title": field_error("validation_invalid_format", "Invalid value format.")}, id="text-number"),
        pytest.param({"title": ["abc"], "flag": True}, {"title": REQUIRED}, id="text-list"),
        pytest.param({**VALID, "count": 11},
                     {"count": field_error("validation_max_number_constraint", "Must be less or equal than 10.", {"max": 10})}, id="number-max"),
        pytest.param({**VALID, "count": 2.5}, {"count": field_error("validation_only_int_constraint", "Decimal numbers are not allowed.")}, id="number-int"),
        pytest.param({"title": "abc", "flag": "x"}, {"flag": REQUIRED}, id="bool-garbage"),
        pytest.param({"title": "abc", "flag": False}, {"flag": REQUIRED}, id="bool-required-false"),
        pytest.param({**VALID, "mail": "notanemail"}, {"mail": field_error("validation_is_email", "Must be a valid email address.")}, id="email"),
        pytest.param({**VALID, "mail": "a@other.com"},
                     {"mail": field_error("validation_email_domain_not_allowed", "Email domain is not allowed.")}, id="email-domain"),
        pytest.param({**VALID, "site": "not a url"}, {"site": field_error("validation_invalid_url", "Must be a valid url.")}, id="url"),
        pytest.param({**VALID, "site": "https://bad.com"},
                     {"site": field_error("validation_url_domain_not_allowed", "Url domain is not allowed.")}, id="url-domain"),
        pytest.param({**VALID, "when": "2019-06-01"}, {"when": MIN_DATE}, id="date-min"),
        pytest.param({**VALID, "tags": ["a", "b", "c"]},
                     {"tags": field_error("validation_too_many_values", "Select no more than 2.", {"maxSelect": 2})}, id="select-max"),
        pytest.param({**VALID, "tags": ["z"]}, {"tags": field_error("validation_invalid_value", "Invalid value z.", {"value": "z"})}, id="select-value"),
        pytest.param({**VALID, "single": "z"}, {"single": field_error("validation_invalid_value", "Invalid value z.", {"value": "z"})}, id="single-select"),
        pytest.param({**VALID, "owner": "nonexistent12345"}, {"owner": MISSING_REL}, id="relation-missing"),
        pytest.param({**VALID, "meta": {"k": "0123456789"}},
                     {"meta": field_error("validation_json_size_limit", "The maximum allowed JSON size is 10 bytes.", {"maxSize": 10})}, id="json-size"),
        pytest.param({**VALID, "meta": "{not json"},
                     {"meta": field_error("validation_json_size_limit", "The maximum allowed JSON size is 10 bytes.", {"maxSize": 10})}, id="json-string"),
        pytest.param({**VALID, "loc": {"lon": 200, "lat": 100}},
                     {"loc": field_error("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees.")}, id="geo-lat"),
        pytest.param({**VALID, "loc": {"lon": 200, "lat": 10}},
                     {"loc": field_error("validation_invalid_longitude", "Longitude must be between -180 and 180 degrees.")}, id="geo-lon"),
    ],
)
def test_invalid_input_gets_pocketbases_field_errors(api, body, errors):
    before = len(api.ids(POSTS))
    post_error(create(api, POSTS, body), errors)
    assert len(api.ids(POSTS)) == before


def test_a_valid_create_returns_every_field(api):
    body = {"title": "abc", "flag": True, "count": 3, "mail": "a@example.com", "site": "https://good.com",
            "when": "2021-05-05 10:00:00.000Z", "tags": ["a"], "meta": {"k": 1}, "loc": {"lon": 10.5, "lat": 20.25},
            "body": "<p>Hello</p>", "single": "x"}
    response = create(api, POSTS, body)
    assert response.status_code == 200
    record = response.get_json()
    expected = {**body, "owner": ""}
    assert {key: record[key] for key in expected} == expected
    assert set(record) == set(expected) | {"id", "collectionId", "collectionName", "created", "updated"}


def test_an_empty_record_gets_each_types_zero_value(api):
    response = create(api, "loose", {})
    assert response.status_code == 200
    record = response.get_json()
    assert {key: record[key] for key in ("text", "number", "flag", "editor", "date", "json", "geo", "email", "url", "pick", "picks")} == {
        "text": "", "number": 0, "flag": False, "editor": "", "date": "", "json": None, "geo": {"lon": 0, "lat": 0},
        "email": "", "url": "", "pick": "", "picks": [],
    }


@pytest.mark.parametrize(
    ("field", "sent", "stored"),
    [
        ("number", "abc", 0), ("number", "5", 5), ("number", "1e3", 1000), ("number", True, 1), ("number", 1.5, 1.5),
        ("flag", "true", True), ("flag", "1", True), ("flag", 1, True), ("flag", "false", False), ("flag", "x", False),
        ("text", 123, "123"), ("text", 12.5, "12.5"), ("text", True, "true"),
        ("editor", 5, "5"),
        ("date", "not-a-date", ""), ("date", 1620000000, ""), ("date", "2021-05-05", "2021-05-05 00:00:00.000Z"),
        ("date", "2021-05-05T10:11:12+02:00", "2021-05-05 08:11:12.000Z"), ("date", "2021-05-05 10:11:12.123456Z", "2021-05-05 10:11:12.123Z"),
        ("json", '{"a":1}', {"a": 1}), ("json", "{not json", "{not json"), ("json", 5, 5), ("json", None, None),
        ("geo", "x", {"lon": 0, "lat": 0}), ("geo", {"lon": "1.5", "lat": "2"}, {"lon": 0, "lat": 0}), ("geo", {"lat": 5}, {"lon": 0, "lat": 5}),
        ("email", "Foo@Example.com", "Foo@Example.com"), ("url", "example.com", "example.com"),
        ("pick", ["a", "b"], "b"), ("picks", ["a", "a"], ["a"]), ("picks", "b", ["b"]),
    ],
)
def test_json_values_are_coerced_like_pocketbase(api, field, sent, stored):
    response = create(api, "loose", {field: sent})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()[field] == stored


def test_a_single_relation_keeps_the_last_of_several_ids(api):
    first, second = api.user(f"{unique('rel')}@example.com")["id"], api.user(f"{unique('rel')}@example.com")["id"]
    response = create(api, POSTS, {**VALID, "owner": [first, second]})
    assert response.get_json()["owner"] == second


def test_autodate_input_is_ignored(api):
    record = create(api, "loose", {"auto": "2000-01-01 00:00:00.000Z"}).get_json()
    assert record["auto"] != "2000-01-01 00:00:00.000Z" and record["auto"].endswith("Z")


# ---- modifiers -------------------------------------------------------------------------------------------


@pytest.fixture
def post(api):
    return create(api, POSTS, {**VALID, "count": 3, "tags": ["a"]}).get_json()


def patch(api, record: dict, body):
    return api.client.patch(f"/api/collections/{POSTS}/records/{record['id']}", json=body, headers=api.su)


@pytest.mark.parametrize(
    ("steps", "field", "expected"),
    [
        ([{"count+": 2}], "count", 5),
        ([{"count-": 1}], "count", 2),
        ([{"count+": "4"}], "count", 7),
        ([{"tags+": "b"}], "tags", ["a", "b"]),
        ([{"tags-": "a"}], "tags", []),
        ([{"tags-": "a"}, {"+tags": "b"}, {"+tags": "a"}], "tags", ["a", "b"]),
        ([{"tags+": "b"}, {"tags-": ["a", "b"]}], "tags", []),
        ([{"tags": ["b"], "tags+": "c"}], "tags", ["b", "c"]),
    ],
)
def test_modifiers_change_the_stored_value(api, post, steps, field, expected):
    for step in steps:
        response = patch(api, post, step)
        assert response.status_code == 200, response.get_json()
    assert response.get_json()[field] == expected
    assert api.get(POSTS, post["id"])[field] == expected


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"tags+": ["b", "c"]}, {"tags": field_error("validation_too_many_values", "Select no more than 2.", {"maxSelect": 2})}),
        ({"count+": 100}, {"count": field_error("validation_max_number_constraint", "Must be less or equal than 10.", {"max": 10})}),
    ],
)
def test_a_modified_value_is_still_validated(api, post, body, errors):
    assert_error(patch(api, post, body), 400, "Failed to update record.", errors)
    stored = api.get(POSTS, post["id"])
    assert (stored["count"], stored["tags"]) == (3, ["a"])


@pytest.mark.parametrize(("body", "errors"), [({"title": ""}, {"title": REQUIRED}), ({"flag": None}, {"flag": REQUIRED})])
def test_blanking_a_required_field_fails(api, post, body, errors):
    assert_error(patch(api, post, body), 400, "Failed to update record.", errors)


def test_null_resets_geo_and_json(api, post):
    patch(api, post, {"loc": {"lon": 1, "lat": 2}, "meta": {"k": 1}})
    response = patch(api, post, {"loc": None, "meta": None})
    assert (response.get_json()["loc"], response.get_json()["meta"]) == ({"lon": 0, "lat": 0}, None)


# ---- multipart bodies ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def forms(api):
    api.collection(
        "forms",
        [
            {"name": "title", "type": "text"},
            {"name": "count", "type": "number"},
            {"name": "flag", "type": "bool"},
            {"name": "tags", "type": "select", "maxSelect": 3, "values": ["a", "b", "c"]},
            {"name": "meta", "type": "json"},
        ],
        **OPEN_RULES,
    )
    return "forms"


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        pytest.param({"title": "t", "count": "5", "flag": "true", "tags": ["a", "c"]},
                     {"title": "t", "count": 5, "flag": True, "tags": ["a", "c"], "meta": None}, id="repeated-keys-and-coercion"),
        pytest.param({"title": "123", "count": "abc", "flag": "0", "tags": "b", "meta": '{"a":[1]}'},
                     {"title": "123", "count": 0, "flag": False, "tags": ["b"], "meta": {"a": [1]}}, id="strings"),
        pytest.param({"title": "t", "count": "5", "@jsonPayload": '{"meta": {"x": 1}, "title": "fromjson", "count": 7}'},
                     {"title": "fromjson", "count": 7, "flag": False, "tags": [], "meta": {"x": 1}}, id="json-payload-wins"),
        pytest.param({"count+": "2", "tags+": "c"}, {"title": "", "count": 2, "flag": False, "tags": ["c"], "meta": None}, id="modifiers"),
    ],
)
@pytest.mark.parametrize("content_type", ["multipart/form-data", "application/x-www-form-urlencoded"])
def test_form_bodies(api, forms, form, expected, content_type):
    response = api.client.post(f"/api/collections/{forms}/records", data=form, content_type=content_type)
    assert response.status_code == 200, response.get_json()
    record = response.get_json()
    assert {key: record[key] for key in expected} == expected


@pytest.mark.parametrize("payload", ["[1]", "{bad", '"text"'])
def test_a_json_payload_that_is_not_an_object_is_400(api, forms, payload):
    response = api.client.post(
        f"/api/collections/{forms}/records", data={"title": "x", "@jsonPayload": payload}, content_type="multipart/form-data"
    )
    assert_error(response, 400, GENERIC_400)


def test_multipart_update(api, forms):
    record = api.record(forms, {"title": "before", "tags": ["a"]}, headers={})
    response = api.client.patch(
        f"/api/collections/{forms}/records/{record['id']}", data={"title": "after", "tags+": "b"}, content_type="multipart/form-data"
    )
    assert (response.get_json()["title"], response.get_json()["tags"]) == ("after", ["a", "b"])


# ---- auth records ----------------------------------------------------------------------------------------


def signup(api, body, headers=None):
    return api.client.post("/api/collections/users/records", json=body, headers=headers or {})


def new_email() -> str:
    return f"{unique('user')}@example.com"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"password": REQUIRED, "passwordConfirm": REQUIRED}),
        ({"email": "{email}", "password": "secret1234", "passwordConfirm": "other12345"}, {"passwordConfirm": MISMATCH}),
        ({"email": "{email}", "password": "short"}, {"passwordConfirm": REQUIRED}),
        ({"email": "{email}", "password": "short", "passwordConfirm": "short"},
         {"password": field_error("validation_min_text_constraint", "Must be at least 8 character(s).")}),
        ({"email": "bad", "password": "secret1234", "passwordConfirm": "secret1234"},
         {"email": field_error("validation_is_email", "Must be a valid email address.")}),
        ({"email": "{email}", "password": "secret1234", "passwordConfirm": "secret1234", "verified": True}, {"verified": MISMATCH}),
    ],
)
def test_auth_record_create_rules(api, body, errors):
    email = new_email()
    body = {key: value.format(email=email) if isinstance(value, str) else value for key, value in body.items()}
    post_error(signup(api, body), errors)
    assert api.ids("users", f"email = '{email}'") == []


def test_a_taken_email_is_not_unique(api):
    email = new_email()
    api.user(email)
    post_error(signup(api, {"email": email, "password": "secret1234", "passwordConfirm": "secret1234"}), {"email": NOT_UNIQUE})


def test_guest_signup_hides_the_email_unless_visible(api):
    hidden = signup(api, {"email": new_email(), "password": PASSWORD, "passwordConfirm": PASSWORD}).get_json()
    shown_email = new_email()
    shown = signup(api, {"email": shown_email, "password": PASSWORD, "passwordConfirm": PASSWORD, "emailVisibility": True}).get_json()
    assert "email" not in hidden and "password" not in hidden and "tokenKey" not in hidden
    assert shown["email"] == shown_email


def test_superusers_may_set_verified_and_always_see_the_email(api):
    email = new_email()
    record = api.user(email, verified=True)
    assert (record["verified"], record["email"]) == (True, email)
    assert "password" not in record and "tokenKey" not in record


def test_the_owner_sees_their_email_and_others_do_not(api):
    owner_email, other_email = new_email(), new_email()
    owner = api.user(owner_email)
    api.user(other_email)
    path = f"/api/collections/users/records/{owner['id']}"
    assert api.client.get(path, headers=api.login(owner_email)).get_json()["email"] == owner_email
    # users' viewRule is `id = @request.auth.id`: another user cannot even see the record
    assert_error(api.client.get(path, headers=api.login(other_email)), 404, NOT_FOUND)


@pytest.fixture(scope="module")
def staff(api):
    """An auth collection whose viewRule is open and whose admins hold the manageRule."""
    api.collection(
        "staff",
        [{"name": "role", "type": "text"}],
        type="auth",
        listRule="",
        viewRule="",
        updateRule="id = @request.auth.id || @request.auth.role = 'admin'",
        createRule="",
        manageRule="@request.auth.role = 'admin'",
    )
    api.cheap_passwords("staff")
    admin, member, visible = new_email(), new_email(), new_email()
    api.user(admin, collection="staff", role="admin")
    member_id = api.user(member, collection="staff")["id"]
    visible_id = api.user(visible, collection="staff", emailVisibility=True)["id"]
    return {
        "admin": api.login(admin, collection="staff"),
        "member": api.login(member, collection="staff"),
        "member_id": member_id, "member_email": member,
        "visible_id": visible_id, "visible_email": visible,
    }


def test_email_visibility_for_guests_members_and_managers(api, staff):
    def email_seen(headers, record):
        return api.client.get(f"/api/collections/staff/records/{record}", headers=headers).get_json().get("email")

    assert email_seen({}, staff["member_id"]) is None
    assert email_seen({}, staff["visible_id"]) == staff["visible_email"]
    assert email_seen(staff["member"], staff["member_id"]) == staff["member_email"]
    assert email_seen(staff["admin"], staff["member_id"]) == staff["member_email"]
    assert email_seen(api.su, staff["member_id"]) == staff["member_email"]


def test_listing_auth_records_checks_the_manage_rule_once(api, staff):
    for _ in range(6):
        api.user(new_email(), collection="staff")
    selects: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    def listing(per_page: int) -> list[dict]:
        selects.clear()
        event.listen(api.core.db.engine, "before_cursor_execute", count)
        try:
            response = api.client.get("/api/collections/staff/records", query_string={"perPage": per_page}, headers=staff["admin"])
        finally:
            event.remove(api.core.db.engine, "before_cursor_execute", count)
        return response.get_json()["items"]

    few = listing(2)
    few_selects = len(selects)
    many = listing(8)
    assert all("email" in item for item in few + many)  # the admin holds the manageRule for every record
    assert len(selects) == few_selects


def test_an_empty_manage_rule_grants_nothing(api):
    api.collection("crew", [], type="auth", listRule="", viewRule="", manageRule="")
    api.cheap_passwords("crew")
    mine, other = new_email(), new_email()
    api.user(mine, collection="crew")
    other_id = api.user(other, collection="crew")["id"]
    response = api.client.get(f"/api/collections/crew/records/{other_id}", headers=api.login(mine, collection="crew"))
    assert "email" not in response.get_json()


def test_guests_filtering_by_a_hidden_email_match_nothing(api, staff):
    response = api.client.get("/api/collections/staff/records", query_string={"filter": f"email = '{staff['member_email']}'"})
    assert response.get_json()["items"] == []


def test_a_manager_may_change_email_verified_and_password_without_the_old_one(api, staff):
    email = new_email()
    target = api.user(email, collection="staff")["id"]
    new = new_email()
    body = {"email": new, "verified": True, "password": "changed123", "passwordConfirm": "changed123"}
    response = api.client.patch(f"/api/collections/staff/records/{target}", json=body, headers=staff["admin"])
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["email"], response.get_json()["verified"]) == (new, True)
    api.login(new, "changed123", collection="staff")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"email": "{new}"}, {"email": MISMATCH}),
        ({"verified": True}, {"verified": MISMATCH}),
        ({"password": "newpass1234", "passwordConfirm": "newpass1234"}, {"oldPassword": REQUIRED}),
        ({"password": "newpass1234", "passwordConfirm": "newpass1234", "oldPassword": "wrongwrong"},
         {"oldPassword": field_error("validation_invalid_old_password", "Missing or invalid old password.")}),
        ({"password": "newpass1234", "passwordConfirm": "nomatch123", "oldPassword": PASSWORD}, {"passwordConfirm": MISMATCH}),
        ({"password": "newpass1234", "oldPassword": PASSWORD}, {"passwordConfirm": REQUIRED}),
    ],
)
def test_an_owner_update_of_protected_auth_fields_fails(api, body, errors):
    email = new_email()
    record = api.user(email)
    body = {key: value.format(new=new_email()) if isinstance(value, str) else value for key, value in body.items()}
    response = api.client.patch(f"/api/collections/users/records/{record['id']}", json=body, headers=api.login(email))
    assert_error(response, 400, "Failed to update record.", errors)
    api.login(email)  # the password did not change


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"passwordConfirm": "whatever1"}, {"password": REQUIRED, "passwordConfirm": MISMATCH}),
        ({"oldPassword": "whatever1"}, {"password": REQUIRED, "passwordConfirm": REQUIRED}),
        ({"password": "short", "passwordConfirm": "short"}, {"password": field_error("validation_min_text_constraint", "Must be at least 8 character(s).")}),
    ],
)
def test_superuser_password_changes_are_still_validated(api, body, errors):
    record = api.user(new_email())
    response = api.client.patch(f"/api/collections/users/records/{record['id']}", json=body, headers=api.su)
    assert_error(response, 400, "Failed to update record.", errors)


def test_the_owner_may_change_other_fields_and_email_visibility(api):
    email = new_email()
    record = api.user(email)
    response = api.client.patch(
        f"/api/collections/users/records/{record['id']}", json={"name": "Renamed", "emailVisibility": True}, headers=api.login(email)
    )
    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["emailVisibility"]) == ("Renamed", True)


def test_a_password_change_invalidates_old_tokens(api):
    email = new_email()
    record = api.user(email)
    old_token = api.login(email)
    body = {"password": "brandnew123", "passwordConfirm": "brandnew123", "oldPassword": PASSWORD}
    assert api.client.patch(f"/api/collections/users/records/{record['id']}", json=body, headers=old_token).status_code == 200
    assert_error(
        api.client.post("/api/collections/users/auth-refresh", headers=old_token), 401,
        "The request requires valid record authorization token.",
    )
    assert_error(api.client.get(f"/api/collections/users/records/{record['id']}", headers=old_token), 404, NOT_FOUND)
    new_token = api.login(email, "brandnew123")
    assert api.client.get(f"/api/collections/users/records/{record['id']}", headers=new_token).status_code == 200
