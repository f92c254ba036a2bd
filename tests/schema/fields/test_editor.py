"""EditorField (values from PocketBase 0.40.6)."""

from __future__ import annotations

from baas.schema.fields import EditorField
from schema.fields.helpers import POSTGRES, REQUIRED, SQLITE, below, check, roundtrip, settings_errors


def size_error(limit: int) -> dict:
    return {
        "code": "validation_content_size_limit",
        "message": f"The maximum allowed content size is {limit} bytes.",
        "params": {"maxSize": limit},
    }


def test_definition_defaults():
    assert roundtrip({"name": "f_editor", "type": "editor"}) == {
        "convertURLs": False,
        "help": "",
        "hidden": False,
        "id": "editor3674783506",
        "maxSize": 0,
        "name": "f_editor",
        "presentable": False,
        "required": False,
        "system": False,
        "type": "editor",
    }
    assert (EditorField.filter_kind, EditorField.widget) == ("text", "editor")


def test_html_is_kept_and_scalars_are_cast():
    field = EditorField("body")
    assert field.prepare("<script>alert(1)</script><p>x</p>") == "<script>alert(1)</script><p>x</p>"
    assert field.prepare(5) == "5" and field.prepare(12.0) == "12" and field.prepare(["x"]) == ""


def test_size_is_counted_in_utf8_bytes():
    body = EditorField("body", maxSize=10, required=True)
    assert check(body, "0123456789") is None
    assert check(body, "01234567890") == size_error(10)
    assert check(body, "ééééé") is None
    assert check(body, "éééééé") == size_error(10)
    assert check(body, 1e21) == size_error(10)  # "1000000000000000000000"
    assert check(body, ["x"]) == REQUIRED


def test_default_limit_is_5_mb():
    body = EditorField("body")
    assert check(body, "x" * 5242880) is None
    assert check(body, "x" * 5242881) == size_error(5242880)


def test_settings_errors():
    assert settings_errors(EditorField("e", maxSize=-1)) == {
        "maxSize": below(0),
    }
    assert settings_errors(EditorField("e", maxSize=2**53))["maxSize"]["params"] == {"threshold": 2**53 - 1}
    assert settings_errors(EditorField("e", maxSize=100)) == {}


def test_columns_and_storage():
    field = EditorField("e")
    assert field.column_ddl(SQLITE) == field.column_ddl(POSTGRES) == "TEXT DEFAULT '' NOT NULL"
    assert field.from_db(None, SQLITE) == "" and field.zero() == "" and field.to_api("<p>") == "<p>"
    assert field.openapi_schema() == {"type": "string", "format": "html"}
