"""TextField and the shared string helpers of baas.schema.fields.text (values from PocketBase 0.40.6)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Text

from baas.schema.fields import TextField
from baas.schema.fields.text import go_regex, go_regex_error, random_from_pattern, to_text
from schema.fields.helpers import (
    POSTGRES,
    REQUIRED,
    SQLITE,
    above,
    below,
    check,
    collection,
    roundtrip,
    settings_errors,
    value_ctx,
)

ID_FIELD = {
    "autogeneratePattern": "[a-z0-9]{15}",
    "help": "",
    "hidden": False,
    "id": "text3208210256",
    "max": 15,
    "min": 15,
    "name": "id",
    "pattern": "^[a-z0-9]+$",
    "presentable": False,
    "primaryKey": True,
    "required": True,
    "system": True,
    "type": "text",
}


def id_field() -> TextField:
    return TextField.from_json(ID_FIELD)


def test_definition_defaults_and_roundtrip():
    assert roundtrip({"name": "f_text", "type": "text"}) == {
        "autogeneratePattern": "",
        "help": "",
        "hidden": False,
        "id": "text3487788325",
        "max": 0,
        "min": 0,
        "name": "f_text",
        "pattern": "",
        "presentable": False,
        "primaryKey": False,
        "required": False,
        "system": False,
        "type": "text",
    }
    assert roundtrip(ID_FIELD) == ID_FIELD
    assert TextField.widget == "text" and TextField.filter_kind == "text"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("abc", "abc"),
        (123, "123"),
        (12.5, "12.5"),
        (True, "true"),
        (False, "false"),
        (None, ""),
        (["abc"], ""),
        ({"a": 1}, ""),
        (1e21, "1000000000000000000000"),
        (1e-7, "0.0000001"),
        (5.0, "5"),
        (12345678901234567890, "12345678901234567000"),
    ],
)
def test_prepare_casts_like_pocketbase(raw, expected):
    assert TextField("t").prepare(raw) == expected
    assert to_text(raw) == expected


def test_validation_order_and_messages():
    title = TextField("title", min=3, max=5, pattern="^[a-z]+$", required=True)
    assert check(title, "") == REQUIRED
    assert check(title, ["abc"]) == REQUIRED  # a list casts to ""
    assert check(title, "AB") == {
        "code": "validation_min_text_constraint",
        "message": "Must be at least 3 character(s).",
        "params": {"min": 3},
    }
    assert check(title, "abcdefg") == {
        "code": "validation_max_text_constraint",
        "message": "Must be no more than 5 character(s).",
        "params": {"max": 5},
    }
    assert check(title, "AbC") == {"code": "validation_invalid_format", "message": "Invalid value format."}
    assert check(title, 123) == {"code": "validation_invalid_format", "message": "Invalid value format."}
    assert check(title, "abc") is None


def test_lengths_count_characters_and_max_zero_means_5000():
    field = TextField("t")
    assert check(field, "é" * 5000) is None
    assert check(field, "x" * 5001)["params"] == {"max": 5000}
    assert check(TextField("t", max=3), "ééé") is None
    assert check(field, "") is None


def test_pattern_is_an_unanchored_go_search():
    assert check(TextField("t", pattern="b"), "abc") is None
    assert check(TextField("t", pattern="(?<word>x)"), "axb") is None


def test_primary_key_rules():
    field = id_field()
    assert check(field, "abc") == {
        "code": "validation_min_text_constraint",
        "message": "Must be at least 15 character(s).",
        "params": {"min": 15},
    }
    assert check(field, "") == REQUIRED
    assert check(field, "abcdefghij12345") is None
    assert check(TextField("id", primaryKey=True, pattern=".*"), "a/b") == {
        "code": "validation_pk_forbidden",
        "message": "The record primary key contains forbidden characters.",
        "params": {"forbidden": "/"},
    }
    stored = "abcdefghij12345"
    assert check(field, "zzzzzzzzzzzzzzz", value_ctx(original=stored, is_new=False)) == {
        "code": "validation_pk_change",
        "message": "The record primary key cannot be changed.",
    }
    legacy = "LEGACY/ID"  # ids stored before today's pattern are trusted on update
    assert check(field, legacy, value_ctx(original=legacy, is_new=False)) is None
    # the records service passes the whole stored record
    record = {"id": stored, "title": "x"}
    assert check(field, stored, value_ctx(original=record, is_new=False)) is None
    assert check(field, "zzzzzzzzzzzzzzz", value_ctx(original=record, is_new=False))["code"] == "validation_pk_change"


def test_autofill_generates_blank_values_on_create_only():
    field = id_field()
    generated = field.autofill("", is_new=True)
    assert re.fullmatch(r"[a-z0-9]{15}", generated)
    assert field.autofill("given", is_new=True) == "given"
    assert field.autofill("", is_new=False) == ""
    assert TextField("t").autofill("", is_new=True) == ""


def test_autogenerate_modifier_appends_to_the_prefix():
    field = TextField("code", autogeneratePattern="[a-c]{3}-x")
    assert ":autogenerate" in field.modifiers
    assert re.fullmatch(r"pre-[a-c]{3}-x", field.apply_modifier("", ":autogenerate", "pre-"))
    assert re.fullmatch(r"[a-c]{3}-x", field.apply_modifier("old", ":autogenerate", ""))
    assert TextField("t").apply_modifier("", ":autogenerate", "plain") == "plain"
    with pytest.raises(NotImplementedError):
        field.apply_modifier("a", "+", "b")


@pytest.mark.parametrize(
    ("pattern", "shape"),
    [
        ("[a-z0-9]{15}", r"[a-z0-9]{15}"),
        ("[a-zA-Z0-9]{50}", r"[a-zA-Z0-9]{50}"),
        ("[a-zA-Z0-9_-]{2,4}", r"[a-zA-Z0-9_-]{2,4}"),
        (r"inv-\d{4}\.\w", r"inv-\d{4}\.\w"),
        ("a*b+c?", r"a{0,10}b{1,11}c?"),
        ("x{2,}", r"x{2,12}"),
        ("[]a]{3}", r"[\]a]{3}"),
    ],
)
def test_random_from_pattern(pattern, shape):
    for _ in range(20):
        assert re.fullmatch(shape, random_from_pattern(pattern))


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ({"min": -1}, {"min": below(0)}),
        ({"max": -1}, {"max": below(0)}),
        ({"min": 10, "max": 5}, {"max": below(10)}),
        ({"max": 2**53}, {"max": above(9007199254740991)}),
        ({"min": 999999999999}, {}),  # max 0 is "default", never below min
        (
            {"pattern": "(["},
            {
                "pattern": {
                    "code": "validation_invalid_regex",
                    "message": "Error parsing regexp: missing closing ]: `[`.",
                }
            },
        ),
        (
            {"autogeneratePattern": "(["},
            {
                "autogeneratePattern": {
                    "code": "validation_invalid_regex",
                    "message": "Error parsing regexp: missing closing ]: `[`.",
                }
            },
        ),
        (
            {"autogeneratePattern": "^[a-z]{3}$"},
            {
                "autogeneratePattern": {
                    "code": "validation_invalid_autogenerate_pattern",
                    "message": "Unsupported pattern operator `^`.",
                }
            },
        ),
        (
            {"autogeneratePattern": "(foo|bar)"},
            {
                "autogeneratePattern": {
                    "code": "validation_invalid_autogenerate_pattern",
                    "message": "Unsupported pattern operator `(`.",
                }
            },
        ),
    ],
)
def test_settings_errors(option, expected):
    assert settings_errors(TextField("t", **option)) == expected


def test_autogenerate_samples_must_satisfy_the_field():
    errors = settings_errors(TextField("t", autogeneratePattern="[a-z]{5}", min=10))
    error = errors["autogeneratePattern"]
    assert error["code"] == "validation_invalid_autogenerate_pattern_value"
    assert re.fullmatch(
        r'The provided autogenerate pattern could produce invalid field values, ex\.: "[a-z]{5}"\.', error["message"]
    )
    assert settings_errors(TextField("t", autogeneratePattern="[a-z]{5}", pattern="^[a-z]+$")) == {}


def test_primary_key_settings():
    assert settings_errors(id_field()) == {}
    stray = TextField("t", primaryKey=True)
    errors = settings_errors(stray, owner=collection("owner", fields=[id_field(), stray]))
    composite = {
        "code": "validation_unsupported_composite_pk",
        "message": "Composite PKs are not supported and the collection must have only 1 PK.",
    }
    assert errors == {
        "name": {"code": "validation_in_invalid", "message": 'The primary key must be named "id".'},
        "primaryKey": composite,
        "pattern": REQUIRED,
        "required": REQUIRED,
    }
    hidden = TextField("id", primaryKey=True, pattern="x", required=True, hidden=True)
    assert settings_errors(hidden) == {"hidden": {"code": "validation_empty", "message": "Must be blank."}}


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("a(?=b)", "invalid or unsupported Perl syntax: `(?=`"),
        ("(?<!a)b", "invalid named capture: `(?<!a)b`"),
        ("(?<=a>b)", "invalid named capture: `(?<=a>`"),
        ("(?P=n)", "invalid or unsupported Perl syntax: `(?P`"),
        ("x\\Z", "invalid escape sequence: `\\Z`"),
        ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
        ("\\", "trailing backslash at end of expression: ``"),
        ("a{1001}", "invalid repeat count: `{1001}`"),
        ("(a)\\1", "invalid escape sequence: `\\1`"),
        ("a**", "invalid nested repetition operator: `**`"),
        ("a*+", "invalid nested repetition operator: `*+`"),
        ("*a", "missing argument to repetition operator: `*`"),
        ("a)", "unexpected ): `a)`"),
        ("(a", "missing closing ): `(a`"),
        ("[z-a]", "invalid character class range: `z-a`"),
        ("\\q", "invalid escape sequence: `\\q`"),
    ],
)
def test_go_regex_errors(pattern, message):
    assert go_regex(pattern) is None
    assert go_regex_error(pattern).to_json() == {
        "code": "validation_invalid_regex",
        "message": f"Error parsing regexp: {message}.",
    }


def test_go_regex_classes_are_ascii_only():
    assert go_regex(r"^\d+$").search("123") and not go_regex(r"^\d+$").search("٣")
    assert not go_regex(r"^\w+$").search("é")


@pytest.mark.parametrize(
    ("pattern", "matching", "other"),
    [("(?<n>a)b", "xab", "xb"), ("[[:digit:]]+z", "12z", "az"), (r"end\z", "the end", "end\n"), ("[a&b]", "&", "c")],
)
def test_go_regex_translation(pattern, matching, other):
    compiled = go_regex(pattern)
    assert compiled.search(matching) and not compiled.search(other)
    assert go_regex_error(pattern) is None


def test_columns_and_storage():
    field = TextField("t")
    assert field.column_ddl(SQLITE) == field.column_ddl(POSTGRES) == "TEXT DEFAULT '' NOT NULL"
    assert id_field().column_ddl(SQLITE) == id_field().column_ddl(POSTGRES) == "TEXT PRIMARY KEY NOT NULL"
    assert isinstance(field.column_type(SQLITE), Text)
    assert field.to_db("x", SQLITE) == "x"
    assert field.from_db(None, SQLITE) == "" and field.from_db("x", POSTGRES) == "x"
    assert field.zero() == "" and field.to_api("x") == "x"


def test_openapi_schema():
    assert id_field().openapi_schema() == {"type": "string", "maxLength": 15, "minLength": 15, "pattern": "^[a-z0-9]+$"}
    assert TextField("t").openapi_schema() == {"type": "string", "maxLength": 5000}
