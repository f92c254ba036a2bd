"""AutodateField (values from PocketBase 0.40.6)."""

from __future__ import annotations

import re

from baas.schema.fields import AutodateField
from schema.fields.helpers import POSTGRES, SQLITE, check, roundtrip, settings_errors

DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z")


def test_definition_has_no_required_or_help():
    assert roundtrip({"name": "f_autodate", "type": "autodate", "onCreate": True, "required": True, "help": "x"}) == {
        "hidden": False,
        "id": "autodate813861474",
        "name": "f_autodate",
        "onCreate": True,
        "onUpdate": False,
        "presentable": False,
        "system": False,
        "type": "autodate",
    }
    assert AutodateField("a", required=True).required is False
    assert (AutodateField.filter_kind, AutodateField.widget) == ("text", "autodate")


def test_one_of_on_create_or_on_update_is_required():
    error = {"code": "validation_required", "message": "Either onCreate or onUpdate must be enabled."}
    assert settings_errors(AutodateField("a")) == {"onCreate": error, "onUpdate": error}
    assert settings_errors(AutodateField("a", onUpdate=True)) == {}


def test_autofill_stamps_on_the_configured_events():
    created = AutodateField("created", onCreate=True)
    updated = AutodateField("updated", onCreate=True, onUpdate=True)
    only_update = AutodateField("touched", onUpdate=True)
    old = "2000-01-01 00:00:00.000Z"
    assert DATETIME.fullmatch(created.autofill("", is_new=True))
    assert created.autofill(old, is_new=False) == old
    assert DATETIME.fullmatch(updated.autofill(old, is_new=False)) and updated.autofill(old, is_new=False) != old
    assert only_update.autofill("", is_new=True) == ""
    assert DATETIME.fullmatch(only_update.autofill("", is_new=False))


def test_values_normalise_and_never_fail():
    field = AutodateField("a", onCreate=True)
    assert field.prepare("2021-05-05T10:11:12+02:00") == "2021-05-05 08:11:12.000Z"
    assert field.prepare(1620000000) == ""
    assert check(field, "") is None


def test_columns_and_storage():
    field = AutodateField("a", onCreate=True)
    assert field.column_ddl(SQLITE) == field.column_ddl(POSTGRES) == "TEXT DEFAULT '' NOT NULL"
    assert field.from_db(None, SQLITE) == "" and field.zero() == ""
    assert field.openapi_schema()["readOnly"] is True
