"""Records CRUD through the REST API, compared with PocketBase 0.40 (reference sections 1.1, 1.2, Appendix B)."""

from __future__ import annotations

import re

import pytest

from api.helpers import GENERIC_400, NOT_FOUND, OPEN_RULES, api, assert_error, field_error, record_id, su, unique  # noqa: F401

ID = re.compile(r"^[a-z0-9]{15}$")
DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$")
NOTES = "notes"


@pytest.fixture(scope="module", autouse=True)
def notes(api):
    api.collection(
        NOTES,
        [
            {"name": "title", "type": "text", "required": True},
            {"name": "n", "type": "number"},
            {"name": "secret", "type": "text", "hidden": True},
            {"name": "created", "type": "autodate", "onCreate": True},
            {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
        ],
        **OPEN_RULES,
    )
    api.collection("notes_view", [], type="view", viewQuery="SELECT id, title FROM notes", listRule="", viewRule="")


# ---- create ---------------------------------------------------------------------------------------------


def test_create_answers_200_with_the_record(api):
    response = api.client.post(f"/api/collections/{NOTES}/records", json={"title": "hello", "n": 2})
    assert response.status_code == 200
    body = response.get_json()
    assert ID.match(body["id"])
    assert body["collectionName"] == NOTES
    assert body["collectionId"] == api.core.collections.get(NOTES).id
    assert (body["title"], body["n"]) == ("hello", 2)
    assert DATETIME.match(body["created"]) and body["created"] == body["updated"]


def test_created_record_is_stored(api):
    created = api.record(NOTES, {"title": "stored"}, headers={})
    assert api.get(NOTES, created["id"])["title"] == "stored"


def test_create_accepts_a_valid_client_id(api):
    wanted = record_id(1)
    assert api.record(NOTES, {"id": wanted, "title": "mine"}, headers={})["id"] == wanted


@pytest.mark.parametrize(
    ("bad_id", "error"),
    [
        ("abc", field_error("validation_min_text_constraint", "Must be at least 15 character(s).", {"min": 15})),
        ("BAD ID", field_error("validation_min_text_constraint", "Must be at least 15 character(s).", {"min": 15})),
        ("a" * 16, field_error("validation_max_text_constraint", "Must be no more than 15 character(s).", {"max": 15})),
        ("ABCDEFGHIJ12345", field_error("validation_invalid_format", "Invalid value format.")),
        ("abcdefghij1234_", field_error("validation_invalid_format", "Invalid value format.")),
    ],
)
def test_create_rejects_an_invalid_client_id(api, bad_id, error):
    response = api.client.post(f"/api/collections/{NOTES}/records", json={"id": bad_id, "title": "x"})
    assert_error(response, 400, "Failed to create record.", {"id": error})


def test_create_with_a_taken_id_is_not_unique(api):
    taken = api.record(NOTES, {"title": "first"}, headers={})["id"]
    response = api.client.post(f"/api/collections/{NOTES}/records", json={"id": taken, "title": "second"})
    assert_error(response, 400, "Failed to create record.", {"id": field_error("validation_not_unique", "Value must be unique.")})
    assert api.get(NOTES, taken)["title"] == "first"


def test_unknown_body_keys_are_ignored(api):
    created = api.record(NOTES, {"title": "t", "nope": 1, "collectionName": "other"}, headers={})
    assert "nope" not in created and created["collectionName"] == NOTES


# ---- view, update, delete ---------------------------------------------------------------------------


def test_view_returns_the_record(api):
    created = api.record(NOTES, {"title": "viewed", "n": 7}, headers={})
    response = api.client.get(f"/api/collections/{NOTES}/records/{created['id']}")
    assert response.status_code == 200
    assert response.get_json() == created


def test_collection_can_be_named_by_id(api):
    created = api.record(NOTES, {"title": "by id"}, headers={})
    collection_id = api.core.collections.get(NOTES).id
    assert api.client.get(f"/api/collections/{collection_id}/records/{created['id']}").get_json()["title"] == "by id"


def test_update_answers_200_with_the_changed_record(api):
    created = api.record(NOTES, {"title": "before", "n": 1}, headers={})
    response = api.client.patch(f"/api/collections/{NOTES}/records/{created['id']}", json={"title": "after"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["title"], body["n"]) == ("after", 1)
    assert api.get(NOTES, created["id"])["title"] == "after"


def test_update_cannot_change_the_id(api):
    created = api.record(NOTES, {"title": "keep id"}, headers={})
    response = api.client.patch(f"/api/collections/{NOTES}/records/{created['id']}", json={"id": record_id(99), "title": "x"})
    assert_error(response, 400, "Failed to update record.",
                 {"id": field_error("validation_pk_change", "The record primary key cannot be changed.")})
    assert api.get(NOTES, record_id(99)) is None
    assert api.get(NOTES, created["id"])["title"] == "keep id"
    same = api.client.patch(f"/api/collections/{NOTES}/records/{created['id']}", json={"id": created["id"], "title": "x"})
    assert same.status_code == 200 and same.get_json()["title"] == "x"


def test_delete_answers_204_without_a_body(api):
    created = api.record(NOTES, {"title": "doomed"}, headers={})
    response = api.client.delete(f"/api/collections/{NOTES}/records/{created['id']}")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert api.get(NOTES, created["id"]) is None


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_missing_record_is_404(api, method):
    response = getattr(api.client, method)(f"/api/collections/{NOTES}/records/nonexistent1234", json={"title": "x"} if method == "patch" else None)
    assert_error(response, 404, NOT_FOUND)


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("get", "/api/collections/nope/records", "Missing collection context."),
        ("get", "/api/collections/nope/records/abc", "Missing collection context."),
        ("delete", "/api/collections/nope/records/abc", "Missing collection context."),
        ("post", "/api/collections/nope/records", "Missing or invalid collection context."),
        ("patch", "/api/collections/nope/records/abc", "Missing or invalid collection context."),
    ],
)
def test_an_unknown_collection_is_404(api, su, method, path, message):
    assert_error(getattr(api.client, method)(path, json={"a": 1} if method in ("post", "patch") else None, headers=su), 404, message)


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("post", ""), ("patch", "/{id}"), ("patch", "/nonexistent1234"), ("delete", "/{id}")],
)
def test_writes_to_a_view_collection_are_unsupported(api, su, method, suffix):
    existing = api.record(NOTES, {"title": "in view"}, headers={})["id"]
    path = "/api/collections/notes_view/records" + suffix.format(id=existing)
    response = getattr(api.client, method)(path, json={"title": "x"} if method != "delete" else None, headers=su)
    assert_error(response, 400, "Unsupported collection type.")
    assert api.get(NOTES, existing)["title"] == "in view"


# ---- bodies -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        (b'{"title": ', "application/json", GENERIC_400),
        (b"[1, 2]", "application/json", GENERIC_400),
        (b'"just a string"', "application/json", GENERIC_400),
        (b"hello", "text/plain", "Unsupported Content-Type."),
        (b'{"title": "plain"}', "text/plain", "Unsupported Content-Type."),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(api, data, content_type, message):
    before = len(api.ids(NOTES))
    response = api.client.post(f"/api/collections/{NOTES}/records", data=data, content_type=content_type)
    assert_error(response, 400, message)
    assert len(api.ids(NOTES)) == before


@pytest.mark.parametrize("data", [b"", b"null"])
def test_an_empty_body_is_an_empty_object(api, data):
    response = api.client.post(f"/api/collections/{NOTES}/records", data=data, content_type="application/json")
    assert_error(response, 400, "Failed to create record.", {"title": field_error("validation_required", "Cannot be blank.")})


def test_a_body_over_the_size_limit_is_413(api):
    limit = 32 << 20  # notes has no json/editor/file field, so PocketBase's default limit applies
    response = api.client.post(
        f"/api/collections/{NOTES}/records", data=b'{"title": "' + b"x" * limit + b'"}', content_type="application/json"
    )
    assert_error(response, 413, "Request entity too large.")


def test_a_form_body_over_the_size_limit_is_413(api):
    response = api.client.post(f"/api/collections/{NOTES}/records", data={"title": "x" * ((32 << 20) + 1)})
    assert_error(response, 413, "Request entity too large.")


def test_a_json_field_raises_the_body_limit(api, su):
    name = unique("big_json_")
    api.collection(name, [{"name": "data", "type": "json", "maxSize": 2 << 20}], **OPEN_RULES)
    payload = b'{"data": "' + b"x" * ((32 << 20) + (1 << 20)) + b'"}'  # over 32 MB, under 34 MB
    response = api.client.post(f"/api/collections/{name}/records", data=payload, content_type="application/json", headers=su)
    assert_error(
        response, 400, "Failed to create record.",
        {"data": field_error("validation_json_size_limit", f"The maximum allowed JSON size is {2 << 20} bytes.", {"maxSize": 2 << 20})},
    )


# ---- server-set and hidden fields -------------------------------------------------------------------------


def test_autodate_fields_are_set_by_the_server_and_not_settable(api):
    sent = "2000-01-01 00:00:00.000Z"
    created = api.record(NOTES, {"title": "dated", "created": sent, "updated": sent}, headers={})
    assert created["created"] != sent and DATETIME.match(created["created"])
    response = api.client.patch(f"/api/collections/{NOTES}/records/{created['id']}", json={"title": "later", "created": sent})
    updated = response.get_json()
    assert updated["created"] == created["created"]
    assert updated["updated"] >= created["updated"] and updated["updated"] != sent


def test_update_refreshes_only_the_on_update_autodate(api):
    created = api.record(NOTES, {"title": "a"}, headers={})
    updated = api.client.patch(f"/api/collections/{NOTES}/records/{created['id']}", json={"title": "b"}).get_json()
    assert updated["created"] == created["created"]
    assert updated["updated"] >= created["updated"]


def test_hidden_fields_are_not_returned_to_guests(api, su):
    created = api.record(NOTES, {"title": "has secret", "secret": "s3"})
    assert created["secret"] == "s3"  # superusers see hidden fields
    as_guest = api.client.get(f"/api/collections/{NOTES}/records/{created['id']}").get_json()
    assert "secret" not in as_guest
    listed = api.client.get(f"/api/collections/{NOTES}/records", query_string={"filter": f"id = '{created['id']}'"}).get_json()
    assert "secret" not in listed["items"][0]


def test_hidden_fields_sent_by_guests_are_dropped(api):
    created = api.record(NOTES, {"title": "guest secret", "secret": "guess"}, headers={})
    assert api.get(NOTES, created["id"])["secret"] == ""
    api.client.patch(f"/api/collections/{NOTES}/records/{created['id']}", json={"secret": "again"})
    assert api.get(NOTES, created["id"])["secret"] == ""


# ---- expand and fields on writes -------------------------------------------------------------------------


def test_create_and_update_honour_fields_in_the_query(api):
    created = api.record(NOTES, {"title": "projected", "n": 3}, headers={}, query="?fields=id,title")
    assert set(created) == {"id", "title"}
    response = api.client.patch(f"/api/collections/{NOTES}/records/{created['id']}?fields=n", json={"n": 4})
    assert response.get_json() == {"n": 4}


# ---- unique indexes --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slugs(api):
    name = "slugs"
    api.collection(
        name,
        [{"name": "slug", "type": "text"}, {"name": "other", "type": "text"}],
        indexes=["CREATE UNIQUE INDEX idx_slugs_slug ON slugs (slug)"],
        **OPEN_RULES,
    )
    return name


def test_a_unique_index_violation_on_create_is_a_field_error(api, slugs):
    api.record(slugs, {"slug": "taken-create"}, headers={})
    response = api.client.post(f"/api/collections/{slugs}/records", json={"slug": "taken-create", "other": "x"})
    assert_error(response, 400, "Failed to create record.", {"slug": field_error("validation_not_unique", "Value must be unique.")})
    assert len(api.ids(slugs, "slug = 'taken-create'")) == 1


def test_a_unique_index_violation_on_update_is_a_field_error_and_writes_nothing(api, slugs):
    api.record(slugs, {"slug": "taken-update"}, headers={})
    mine = api.record(slugs, {"slug": "mine", "other": "old"}, headers={})
    response = api.client.patch(f"/api/collections/{slugs}/records/{mine['id']}", json={"slug": "taken-update", "other": "new"})
    assert_error(response, 400, "Failed to update record.", {"slug": field_error("validation_not_unique", "Value must be unique.")})
    stored = api.get(slugs, mine["id"])
    assert (stored["slug"], stored["other"]) == ("mine", "old")


# ---- relations on delete ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def family(api):
    """parents <- kids (cascadeDelete), parents <- pins (required), parents <- tags (optional, single and multi)."""
    api.collection("parents", [{"name": "name", "type": "text"}], **OPEN_RULES)
    parents = api.core.collections.get("parents").id
    api.collection("kids", [{"name": "parent", "type": "relation", "collectionId": parents, "cascadeDelete": True}], **OPEN_RULES)
    api.collection("pins", [{"name": "parent", "type": "relation", "collectionId": parents, "required": True}], **OPEN_RULES)
    api.collection(
        "labels",
        [
            {"name": "one", "type": "relation", "collectionId": parents},
            {"name": "many", "type": "relation", "collectionId": parents, "maxSelect": 5},
        ],
        **OPEN_RULES,
    )


def test_cascade_delete_removes_the_children(api, family):
    parent = api.record("parents", {"name": "p"})["id"]
    other = api.record("parents", {"name": "q"})["id"]
    kids = [api.record("kids", {"parent": parent})["id"] for _ in range(2)]
    survivor = api.record("kids", {"parent": other})["id"]
    assert api.client.delete(f"/api/collections/parents/records/{parent}", headers=api.su).status_code == 204
    assert all(api.get("kids", kid) is None for kid in kids)
    assert api.get("kids", survivor)["parent"] == other


def test_a_required_reference_blocks_the_delete_and_nothing_is_deleted(api, family):
    parent = api.record("parents", {"name": "pinned"})["id"]
    kid = api.record("kids", {"parent": parent})["id"]
    pin = api.record("pins", {"parent": parent})["id"]
    response = api.client.delete(f"/api/collections/parents/records/{parent}", headers=api.su)
    assert_error(
        response, 400, "Failed to delete record. Make sure that the record is not part of a required relation reference."
    )
    assert api.get("parents", parent) is not None
    assert api.get("kids", kid) is not None  # the cascade was rolled back too
    assert api.get("pins", pin)["parent"] == parent


def test_optional_references_are_unset_on_delete(api, family):
    parent = api.record("parents", {"name": "labelled"})["id"]
    other = api.record("parents", {"name": "kept"})["id"]
    label = api.record("labels", {"one": parent, "many": [parent, other]})["id"]
    assert api.client.delete(f"/api/collections/parents/records/{parent}", headers=api.su).status_code == 204
    stored = api.get("labels", label)
    assert (stored["one"], stored["many"]) == ("", [other])
