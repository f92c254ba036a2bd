"""SelectField and the single/multiple machinery it shares (values from PocketBase 0.40.6)."""

from __future__ import annotations

import pytest
from sqlalchemy import Text
from sqlalchemy.dialects.postgresql import JSONB

from baas.schema.fields import SelectField
from baas.schema.fields.select import to_unique_strings
from schema.fields.helpers import POSTGRES, REQUIRED, SQLITE, above, below, check, roundtrip, settings_errors

VALUES = ["5", "true", "a", "b", "a b", "c"]


def tags(**options) -> SelectField:
    return SelectField("tags", **{"values": ["a", "b", "c"], "maxSelect": 2, **options})


def single(**options) -> SelectField:
    return SelectField("single", **{"values": ["a", "b", "c"], **options})


def test_definition_defaults():
    assert roundtrip({"name": "f_select", "type": "select", "values": ["a", "b", "c"]}) == {
        "help": "",
        "hidden": False,
        "id": "select1544266856",
        "maxSelect": 0,
        "name": "f_select",
        "presentable": False,
        "required": False,
        "system": False,
        "type": "select",
        "values": ["a", "b", "c"],
    }
    assert (SelectField.filter_kind, SelectField.widget, SelectField.modifiers) == ("text", "select", {"+", "^", "-"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (5, ["5"]),
        (True, ["true"]),
        ([5, True], ["5", "true"]),
        ('["a","b"]', ["a", "b"]),
        ('["a",', ['["a",']),
        ("a b", ["a b"]),
        (["a", "a", "b"], ["a", "b"]),
        (["", "a"], ["a"]),
        ("", []),
        (None, []),
        ({"x": 1}, []),
        ([["a"]], []),
        (1.5, ["1.5"]),
        ("null", ["null"]),
        ("[1, 2]", ["[1, 2]"]),
        ("[null]", ["[null]"]),
    ],
)
def test_to_unique_strings(raw, expected):
    assert to_unique_strings(raw) == expected


def test_single_and_multiple_shapes():
    assert not single().is_multiple() and not single(maxSelect=1).is_multiple() and tags().is_multiple()
    assert single().prepare(["x", "y"]) == "y"  # the last one wins
    assert single().prepare(["a", "a"]) == "a"
    assert single().prepare('["a","b"]') == "b"
    assert single().prepare([]) == "" and single().zero() == ""
    assert tags().prepare("b") == ["b"] and tags().prepare(None) == [] and tags().zero() == []


def test_validation():
    field = SelectField("s", values=VALUES, maxSelect=3)
    assert check(field, [5, True]) is None
    assert check(field, ["a", "b", "c", "5"]) == {
        "code": "validation_too_many_values",
        "message": "Select no more than 3.",
        "params": {"maxSelect": 3},
    }
    assert check(field, 1.5) == {
        "code": "validation_invalid_value",
        "message": "Invalid value 1.5.",
        "params": {"value": "1.5"},
    }
    assert check(field, '["a",') == {
        "code": "validation_invalid_value",
        "message": 'Invalid value ["a",.',
        "params": {"value": '["a",'},
    }
    assert check(field, []) is None
    assert check(single(), "z")["params"] == {"value": "z"}
    assert check(single(), ["z", "a"]) is None  # only the last item counts for a single select


def test_required_means_non_empty():
    assert check(single(required=True), "") == REQUIRED
    assert check(tags(required=True), []) == REQUIRED
    assert check(tags(required=True), ["a"]) is None


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"values": []}, {"values": REQUIRED}),
        ({"values": ["a"], "maxSelect": 2}, {"maxSelect": above(1)}),
        ({"values": ["a", "b"], "maxSelect": -1}, {"maxSelect": below(0)}),
        ({"values": ["a", "a"]}, {}),
        ({"values": ["a", ""], "maxSelect": 2}, {}),
    ],
)
def test_settings_errors(options, expected):
    assert settings_errors(SelectField("s", **options)) == expected


def test_multiple_modifiers():
    field = SelectField("s", values=["a", "b", "c"], maxSelect=3)
    assert field.apply_modifier(["a"], "+", ["b", "a", "c"]) == ["a", "b", "c"]
    assert field.apply_modifier(["a", "b"], "^", "c") == ["c", "a", "b"]
    assert field.apply_modifier(["c", "a", "b"], "-", '["a","b"]') == ["c"]
    assert field.apply_modifier(["a", "b"], "-", ["a", "b"]) == []
    assert field.apply_modifier([], "+", None) == []


def test_single_modifiers():
    field = single()
    assert field.apply_modifier("a", "^", "b") == "a"  # prepending keeps the current last value
    assert field.apply_modifier("", "^", "b") == "b"
    assert field.apply_modifier("a", "+", "b") == "b"
    assert field.apply_modifier("b", "-", "a") == "b"
    assert field.apply_modifier("b", "-", "b") == ""
    with pytest.raises(NotImplementedError):
        field.apply_modifier("a", "*", "b")


def test_columns():
    assert single().column_ddl(SQLITE) == single().column_ddl(POSTGRES) == "TEXT DEFAULT '' NOT NULL"
    assert tags().column_ddl(SQLITE) == "JSON DEFAULT '[]' NOT NULL"
    assert tags().column_ddl(POSTGRES) == "JSONB DEFAULT '[]' NOT NULL"
    assert isinstance(single().column_type(POSTGRES), Text)
    assert isinstance(tags().column_type(SQLITE), Text) and isinstance(tags().column_type(POSTGRES), JSONB)


def test_storage_round_trip_and_leniency():
    assert tags().to_db(["a", "b"], SQLITE) == '["a","b"]'
    assert tags().to_db(["a", "b"], POSTGRES) == ["a", "b"]
    assert tags().from_db('["a","b"]', SQLITE) == ["a", "b"]
    assert tags().from_db(["a"], POSTGRES) == ["a"]
    assert tags().from_db("a", SQLITE) == ["a"]  # a single column converted to multiple
    assert tags().from_db(None, SQLITE) == []
    assert single().to_db("a", SQLITE) == "a" and single().to_db("", POSTGRES) == ""
    assert single().from_db('["a","b"]', SQLITE) == "b"  # a multiple column converted to single
    assert single().from_db(None, SQLITE) == ""


def test_api_output():
    assert tags().to_api(["a", "b"]) == ["a", "b"] and single().to_api("a") == "a"
    assert tags().is_blank([]) and not tags().is_blank(["a"])


def test_openapi_schema():
    assert single().openapi_schema() == {"type": "string", "enum": ["a", "b", "c"]}
    assert tags().openapi_schema() == {
        "type": "array",
        "items": {"type": "string", "enum": ["a", "b", "c"]},
        "maxItems": 2,
    }
