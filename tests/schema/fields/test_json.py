"""JSONField (values from PocketBase 0.40.6)."""

from __future__ import annotations

import pytest
from sqlalchemy import Text
from sqlalchemy.dialects.postgresql import JSONB

from baas.schema.fields import JSONField
from schema.fields.helpers import POSTGRES, REQUIRED, SQLITE, check, roundtrip, settings_errors


def size_error(limit: int) -> dict:
    return {
        "code": "validation_json_size_limit",
        "message": f"The maximum allowed JSON size is {limit} bytes.",
        "params": {"maxSize": limit},
    }


def test_definition_defaults():
    assert roundtrip({"name": "f_json", "type": "json"}) == {
        "help": "",
        "hidden": False,
        "id": "json2674913191",
        "maxSize": 0,
        "name": "f_json",
        "presentable": False,
        "required": False,
        "system": False,
        "type": "json",
    }
    assert (JSONField.filter_kind, JSONField.widget, JSONField.modifiers) == ("json", "json", frozenset())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"a":1}', {"a": 1}),
        ("{not json", "{not json"),
        (5, 5),
        (None, None),
        ("", ""),
        ("null", None),
        ("true", True),
        ("false", False),
        ("123", 123),
        ("-5", -5),
        ("1e3", 1000.0),
        ("01", "01"),
        ('"quoted"', "quoted"),
        ("[1,2]", [1, 2]),
        ('  {"a":1}', '  {"a":1}'),
        ("abc", "abc"),
        ("-", "-"),
        ("[1,", "[1,"),
        ({"k": [1, 2]}, {"k": [1, 2]}),
        (12345678901234567890, 1.2345678901234567e19),
        ([10**30], [1e30]),
        ("TRUE", "TRUE"),
    ],
)
def test_prepare_reads_strings_like_pocketbase(raw, expected):
    value = JSONField("j").prepare(raw)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw", ["", "null", "{}", "[]", '""', [], {}, None])
def test_required_rejects_empty_json(raw):
    assert check(JSONField("j", required=True), raw) == REQUIRED


@pytest.mark.parametrize("raw", ["true", "123", 0, False, "abc", "[ 1 ]", {"a": None}])
def test_required_accepts_values(raw):
    assert check(JSONField("j", required=True), raw) is None


def test_size_is_measured_on_the_compact_encoding():
    meta = JSONField("meta", maxSize=10)
    assert check(meta, {"aaaaaaaaaa": 1}) == size_error(10)
    assert check(meta, {"k": "0123456789"}) == size_error(10)
    assert check(meta, "{not json") == size_error(10)  # stored as the 11-byte JSON string
    assert check(meta, {"k": 1}) is None
    small = JSONField("j", maxSize=5)
    assert check(small, [1, 2]) is None and check(small, "12345") is None and check(small, "é") is None
    assert check(small, 123456) == size_error(5)


def test_default_limit_is_1_mb():
    assert check(JSONField("j"), "x" * (1048576 - 2)) is None
    assert check(JSONField("j"), "x" * (1048576 - 1)) == size_error(1048576)


def test_settings_errors():
    assert settings_errors(JSONField("j", maxSize=-1))["maxSize"]["message"] == "Must be no less than 0."
    assert settings_errors(JSONField("j", maxSize=2**53))["maxSize"]["params"] == {"threshold": 2**53 - 1}
    assert settings_errors(JSONField("j", maxSize=10)) == {}


def test_columns():
    field = JSONField("j")
    assert field.column_ddl(SQLITE) == "JSON DEFAULT NULL"
    assert field.column_ddl(POSTGRES) == "JSONB DEFAULT NULL"
    assert isinstance(field.column_type(SQLITE), Text) and isinstance(field.column_type(POSTGRES), JSONB)


@pytest.mark.parametrize("value", [None, "", "text", 0, False, 1.5, [1, "a"], {"a": {"b": [None]}}])
def test_storage_round_trip(value):
    field = JSONField("j")
    assert field.from_db(field.to_db(value, SQLITE), SQLITE) == value
    assert field.from_db(field.to_db(value, POSTGRES), POSTGRES) == value


def test_null_is_stored_as_sql_null_and_zero_is_null():
    field = JSONField("j")
    assert field.to_db(None, SQLITE) is None and field.to_db("", SQLITE) == '""'
    assert field.zero() is None and field.to_api({"a": 1}) == {"a": 1}
    assert field.openapi_schema() == {"nullable": True, "description": "any JSON value"}
