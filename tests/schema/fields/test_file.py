"""FileField: name lists and the upload checks (values from PocketBase 0.40.6)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from baas.schema.fields import FileField
from schema.fields.helpers import POSTGRES, REQUIRED, SQLITE, above, below, check, roundtrip, settings_errors, value_ctx


@dataclass
class Upload:
    name: str
    size: int = 10
    content_type: str = "text/plain"
    original_name: str = ""


def test_definition_defaults():
    assert roundtrip({"name": "f_file", "type": "file"}) == {
        "help": "",
        "hidden": False,
        "id": "file2029518066",
        "maxSelect": 0,
        "maxSize": 0,
        "mimeTypes": [],
        "name": "f_file",
        "presentable": False,
        "protected": False,
        "required": False,
        "system": False,
        "thumbs": [],
        "type": "file",
    }
    assert (FileField.filter_kind, FileField.widget, FileField.modifiers) == ("text", "file", {"+", "^", "-"})


def test_shapes_mix_names_and_uploads():
    docs = FileField("docs", maxSelect=3)
    new = Upload("new_abc.txt")
    assert docs.prepare(["a.txt", new, "a.txt", ""]) == ["a.txt", new]
    assert docs.prepare(new) == [new]
    assert docs.prepare('["a.txt","b.txt"]') == ["a.txt", "b.txt"]
    assert FileField("avatar").prepare(["a.png", new]) is new
    assert FileField("avatar").prepare(None) == ""


def test_new_plain_names_are_rejected():
    docs = FileField("docs", maxSelect=2)
    assert check(docs, "abc.txt") == {
        "code": "validation_invalid_file",
        "message": "Invalid new files: [abc.txt].",
        "params": {"invalidFiles": ["abc.txt"]},
    }
    assert check(docs, ["a.txt", "b.txt", "c.txt"]) == {
        "code": "validation_invalid_file",
        "message": "Invalid new files: [a.txt b.txt c.txt].",
        "params": {"invalidFiles": ["a.txt", "b.txt", "c.txt"]},
    }
    long_name = "x" * 300
    assert check(FileField("f"), long_name)["params"] == {"invalidFiles": ["x" * 250]}
    assert check(docs, []) is None


def test_stored_names_may_be_kept():
    docs = FileField("docs", maxSelect=2)
    stored = value_ctx(original=["a.txt", "b.txt"], is_new=False)
    assert check(docs, ["b.txt", Upload("c_x.txt")], stored) is None
    assert check(docs, ["a.txt", "b.txt", Upload("c_x.txt")], stored) == {
        "code": "validation_too_many_files",
        "message": "The maximum allowed files is 2.",
        "params": {"maxSelect": 2},
    }
    assert check(FileField("f", required=True), "", stored) == REQUIRED
    record = value_ctx(
        original={"id": "r1", "docs": ["a.txt", "b.txt"]}, is_new=False
    )  # as the records service passes it
    assert check(docs, ["a.txt", "b.txt"], record) is None
    assert check(docs, ["a.txt", "z.txt"], record)["params"] == {"invalidFiles": ["z.txt"]}


def test_upload_checks():
    field = FileField("f", maxSize=100, mimeTypes=["image/png", "image/jpeg"])
    assert check(field, Upload("ok.png", size=100, content_type="image/png")) is None
    assert check(field, Upload("big.png", size=101, content_type="image/png", original_name="Big.png")) == {
        "code": "validation_file_size_limit",
        "message": "Failed to upload Big.png - the maximum allowed file size is 100 bytes.",
        "params": {"file": "Big.png", "maxSize": 100},
    }
    assert check(field, Upload("doc.txt", content_type="text/plain; charset=utf-8")) == {
        "code": "validation_invalid_mime_type",
        "message": '"doc.txt" mime type must be one of: image/png, image/jpeg.',
    }
    assert check(field, Upload("x.png", content_type="IMAGE/PNG")) is None
    assert check(FileField("f"), Upload("any.bin", content_type="application/octet-stream")) is None
    assert check(FileField("f"), Upload(".hidden"))["code"] == "validation_match_invalid"
    assert check(FileField("f"), Upload("x" * 151)) == {
        "code": "validation_length_out_of_range",
        "message": "The length must be between 1 and 150.",
        "params": {"min": 1, "max": 150},
    }


def test_default_max_size_is_5_mb():
    assert check(FileField("f"), Upload("a.bin", size=5242880)) is None
    assert check(FileField("f"), Upload("a.bin", size=5242881))["params"]["maxSize"] == 5242880


def test_modifiers_match_by_file_name():
    docs = FileField("docs", maxSelect=5)
    new = Upload("n.txt")
    assert docs.apply_modifier(["a.txt"], "+", new) == ["a.txt", new]
    assert docs.apply_modifier(["a.txt"], "^", [new]) == [new, "a.txt"]
    assert docs.apply_modifier(["a.txt", "b.txt"], "-", "a.txt") == ["b.txt"]
    assert docs.apply_modifier(["a.txt", new], "-", ["n.txt"]) == ["a.txt"]
    assert FileField("avatar").apply_modifier("a.png", "-", "a.png") == ""


def test_settings_errors():
    assert settings_errors(FileField("f", maxSelect=-1, maxSize=-1)) == {"maxSelect": below(0), "maxSize": below(0)}
    assert settings_errors(FileField("f", maxSelect=2**53)) == {"maxSelect": above(2**53 - 1)}
    thumbs = ["100x100", "0x0", "0x0t", "abc", "100x0", "0x50f", "10x10x", "", "100X100"]
    not_in = {"code": "validation_not_in_invalid", "message": "Must not be in list."}
    bad = {"code": "validation_match_invalid", "message": "Must be in a valid format."}
    assert settings_errors(FileField("f", thumbs=thumbs)) == {
        "thumbs": {"1": not_in, "2": not_in, "3": bad, "6": bad, "8": bad}
    }
    assert settings_errors(FileField("f", maxSelect=3, maxSize=1024, thumbs=["50x50b"])) == {}


@pytest.mark.parametrize(
    ("dialect", "ddl"), [(SQLITE, "JSON DEFAULT '[]' NOT NULL"), (POSTGRES, "JSONB DEFAULT '[]' NOT NULL")]
)
def test_columns(dialect, ddl):
    assert FileField("f", maxSelect=2).column_ddl(dialect) == ddl
    assert FileField("f").column_ddl(dialect) == "TEXT DEFAULT '' NOT NULL"


def test_storage_and_output_use_names():
    docs = FileField("docs", maxSelect=3)
    new = Upload("n_abc.txt")
    assert docs.to_db(["a.txt", new], SQLITE) == '["a.txt","n_abc.txt"]'
    assert docs.to_api(["a.txt", new]) == ["a.txt", "n_abc.txt"]
    assert FileField("f").to_db(new, POSTGRES) == "n_abc.txt"
    assert docs.from_db('["a.txt"]', SQLITE) == ["a.txt"] and FileField("f").from_db(None, SQLITE) == ""
    assert docs.openapi_schema()["items"] == {"type": "string", "description": "file name"}
