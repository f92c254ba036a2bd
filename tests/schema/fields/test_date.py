"""DateField (values from PocketBase 0.40.6)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from baas.schema.fields import DateField
from schema.fields.helpers import POSTGRES, REQUIRED, SQLITE, check, roundtrip, settings_errors


def test_definition_defaults():
    assert roundtrip({"name": "f_date", "type": "date"}) == {
        "help": "",
        "hidden": False,
        "id": "date1593245080",
        "max": "",
        "min": "",
        "name": "f_date",
        "presentable": False,
        "required": False,
        "system": False,
        "type": "date",
    }
    assert (DateField.filter_kind, DateField.widget) == ("text", "date")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-05-05", "2021-05-05 00:00:00.000Z"),
        ("2021-05-05T10:11:12+02:00", "2021-05-05 08:11:12.000Z"),
        ("2021-05-05 10:11:12.123456Z", "2021-05-05 10:11:12.123Z"),
        ("2020-06-01T00:00:00", "2020-06-01 00:00:00.000Z"),
        ("2020-06-01T00:00:00.5+01:00", "2020-05-31 23:00:00.500Z"),
        ("2020-06-01 00:00:00 +0000 UTC", "2020-06-01 00:00:00.000Z"),
        ("2020-06-01T12:00:00.123456789Z", "2020-06-01 12:00:00.123Z"),
        ("2020-06-01 12:00:00.999Z", "2020-06-01 12:00:00.999Z"),
        ("not-a-date", ""),
        ("2020-06-01 00:00", ""),
        ("2020-06-01T00:00:00z", ""),
        ("20200601", ""),
        ("2020-6-1", ""),
        (" 2020-06-01", ""),
        ("2021-02-30", ""),
        (1620000000, ""),
        (True, ""),
        (["2020-06-01"], ""),
        (None, ""),
        ("", ""),
        (datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc), "2020-01-02 03:04:05.678Z"),
    ],
)
def test_prepare_normalises_or_blanks(raw, expected):
    assert DateField("d").prepare(raw) == expected


def test_bounds_are_inclusive_with_go_style_messages():
    when = DateField("when", min="2020-01-01 10:11:12.345Z", max="2021-01-01 00:00:00.000Z")
    assert check(when, "2019-01-01") == {
        "code": "validation_min_greater_equal_than_required",
        "message": "Must be no less than 2020-01-01 10:11:12.345 +0000 UTC.",
        "params": {"threshold": "2020-01-01T10:11:12.345Z"},
    }
    assert check(when, "2021-01-01 00:00:00.001Z") == {
        "code": "validation_max_less_equal_than_required",
        "message": "Must be no greater than 2021-01-01 00:00:00 +0000 UTC.",
        "params": {"threshold": "2021-01-01T00:00:00Z"},
    }
    assert check(when, "2020-01-01 10:11:12.345Z") is None
    assert check(when, "2021-01-01 00:00:00.000Z") is None
    assert check(when, "not-a-date") is None


def test_required():
    field = DateField("d", required=True)
    assert check(field, "") == check(field, None) == check(field, "nope") == REQUIRED
    assert check(field, "2020-01-01") is None


def test_bounds_are_normalised_when_loaded():
    field = DateField.from_json({"name": "d", "type": "date", "min": "bad", "max": "2020-01-01"})
    assert (field.min, field.max) == ("", "2020-01-01 00:00:00.000Z")
    assert DateField("d", min="2020-01-01T10:00:00+02:00").min == "2020-01-01 08:00:00.000Z"
    assert settings_errors(DateField("d", min="2021-01-01", max="2020-01-01")) == {}  # PocketBase accepts it too


def test_columns_and_storage():
    field = DateField("d")
    assert field.column_ddl(SQLITE) == field.column_ddl(POSTGRES) == "TEXT DEFAULT '' NOT NULL"
    assert field.from_db("2020-01-01 00:00:00.000Z", SQLITE) == "2020-01-01 00:00:00.000Z"
    assert field.from_db(None, POSTGRES) == "" and field.zero() == ""
    assert field.openapi_schema() == {"type": "string", "example": "2022-01-01 10:00:00.123Z"}
