"""RelationField (values from PocketBase 0.40.6)."""

from __future__ import annotations

import pytest

from baas.schema.fields import RelationField
from schema.fields.helpers import (
    POSTGRES,
    REQUIRED,
    SQLITE,
    below,
    check,
    collection,
    roundtrip,
    settings_errors,
    value_ctx,
)

USERS = collection("users", id="_pb_users_auth_", type="auth")
MISSING = {
    "code": "validation_missing_rel_records",
    "message": "Failed to find all relation records with the provided ids.",
}


def existing(*ids: str):
    """A `lookup_ids` that knows `ids` and records what it was asked."""
    calls = []

    def lookup(collection_id, wanted):
        calls.append((collection_id, list(wanted)))
        return {i for i in wanted if i in ids}

    lookup.calls = calls
    return lookup


def test_definition_defaults():
    assert roundtrip({"name": "f_relation", "type": "relation", "collectionId": "_pb_users_auth_"}) == {
        "cascadeDelete": False,
        "collectionId": "_pb_users_auth_",
        "help": "",
        "hidden": False,
        "id": "relation2503150278",
        "maxSelect": 0,
        "minSelect": 0,
        "name": "f_relation",
        "presentable": False,
        "required": False,
        "system": False,
        "type": "relation",
    }
    assert (RelationField.filter_kind, RelationField.widget, RelationField.modifiers) == (
        "text",
        "relation",
        {"+", "^", "-"},
    )


def test_single_keeps_the_last_id():
    owner = RelationField("owner", collectionId=USERS.id, maxSelect=1)
    assert owner.prepare(["iprp7x7s5lvxye1", "8zymyr1i4w8f8zw"]) == "8zymyr1i4w8f8zw"
    assert RelationField("r", collectionId=USERS.id).prepare("iprp7x7s5lvxye1") == "iprp7x7s5lvxye1"


def test_existence_is_checked_through_the_context():
    owner = RelationField("owner", collectionId=USERS.id, maxSelect=1)
    lookup = existing("iprp7x7s5lvxye1")
    assert check(owner, "nonexistent12345", value_ctx(lookup_ids=lookup)) == MISSING
    assert check(owner, ["a", "b"], value_ctx(lookup_ids=lookup)) == MISSING
    assert check(owner, "iprp7x7s5lvxye1", value_ctx(lookup_ids=lookup)) is None
    assert lookup.calls[-1] == ("_pb_users_auth_", ["iprp7x7s5lvxye1"])
    assert check(owner, "anything") is None  # no lookup in the context: existence is not checked


def test_counts_are_checked_before_existence():
    field = RelationField("r", collectionId=USERS.id, minSelect=2, maxSelect=3, required=True)
    lookup = existing()
    assert check(field, ["a"], value_ctx(lookup_ids=lookup)) == {
        "code": "validation_not_enough_values",
        "message": "Select at least 2.",
        "params": {"minSelect": 2},
    }
    assert check(field, ["a", "b", "c", "d"], value_ctx(lookup_ids=lookup)) == {
        "code": "validation_too_many_values",
        "message": "Select no more than 3.",
        "params": {"maxSelect": 3},
    }
    assert check(field, ["a", "b"], value_ctx(lookup_ids=lookup)) == MISSING
    assert check(field, [], value_ctx(lookup_ids=lookup)) == REQUIRED
    assert lookup.calls == [("_pb_users_auth_", ["a", "b"])]
    assert check(RelationField("r", collectionId=USERS.id, minSelect=2, maxSelect=3), []) is None


def test_modifiers_work_on_ids():
    field = RelationField("r", collectionId=USERS.id, maxSelect=5)
    assert field.apply_modifier(["u1"], "+", "u2") == ["u1", "u2"]
    assert field.apply_modifier(["u1"], "^", ["u2", "u1"]) == ["u2", "u1"]
    assert field.apply_modifier(["u1", "u2"], "-", "u1") == ["u2"]
    assert RelationField("r", collectionId=USERS.id).apply_modifier("u1", "-", "u1") == ""


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {"collectionId": REQUIRED}),
        (
            {"collectionId": "nope"},
            {
                "collectionId": {
                    "code": "validation_field_relation_missing_collection",
                    "message": "The relation collection doesn't exist.",
                }
            },
        ),
        (
            {"collectionId": "users"},
            {
                "collectionId": {
                    "code": "validation_field_relation_missing_collection",
                    "message": "The relation collection doesn't exist.",
                }
            },
        ),
        ({"collectionId": USERS.id, "minSelect": -1}, {"minSelect": below(0)}),
        ({"collectionId": USERS.id, "minSelect": 3, "maxSelect": 2}, {"maxSelect": below(3)}),
        ({"collectionId": USERS.id, "minSelect": 3}, {"maxSelect": REQUIRED}),
        ({"collectionId": USERS.id, "maxSelect": -2}, {"maxSelect": below(0)}),
        ({"collectionId": USERS.id, "minSelect": 2, "maxSelect": 5}, {}),
    ],
)
def test_settings_errors(options, expected):
    assert settings_errors(RelationField("r", **options), USERS) == expected


def test_only_views_may_point_at_views():
    view = collection("v_users", type="view")
    field = RelationField("r", collectionId=view.id)
    assert settings_errors(field, view) == {
        "collectionId": {
            "code": "validation_relation_field_non_view_base_collection",
            "message": "Only view collections are allowed to have relations to other views.",
        },
    }
    assert settings_errors(field, view, owner=collection("report", type="view", fields=[field])) == {}


def test_target_cannot_change_once_saved():
    posts = collection("posts")
    saved = RelationField("r", id="relation1", collectionId=USERS.id)
    stored = collection("owner", fields=[saved])
    changed = RelationField("r", id="relation1", collectionId=posts.id)
    editing = collection("owner", fields=[changed])
    assert settings_errors(changed, USERS, posts, stored, owner=editing) == {
        "collectionId": {
            "code": "validation_field_relation_change",
            "message": "The relation collection cannot be changed.",
        },
    }
    assert settings_errors(saved.copy(), USERS, stored, owner=collection("owner", fields=[saved.copy()])) == {}


def test_columns_and_storage():
    single = RelationField("r", collectionId=USERS.id)
    multiple = RelationField("r", collectionId=USERS.id, maxSelect=3)
    assert single.column_ddl(SQLITE) == "TEXT DEFAULT '' NOT NULL"
    assert multiple.column_ddl(POSTGRES) == "JSONB DEFAULT '[]' NOT NULL"
    assert multiple.to_db(["u1", "u2"], SQLITE) == '["u1","u2"]' and multiple.from_db('["u1"]', SQLITE) == ["u1"]
    assert single.to_api("u1") == "u1" and multiple.to_api(["u1"]) == ["u1"]
    assert multiple.openapi_schema()["type"] == "array" and single.openapi_schema()["type"] == "string"
