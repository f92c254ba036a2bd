"""NumberField (values from PocketBase 0.40.6)."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import Float

from baas.schema.fields import NumberField
from baas.schema.fields.number import json_number, number_text, to_float
from schema.fields.helpers import POSTGRES, REQUIRED, SQLITE, check, roundtrip, settings_errors


def test_definition_defaults():
    assert roundtrip({"name": "f_number", "type": "number"}) == {
        "help": "",
        "hidden": False,
        "id": "number2171163132",
        "max": None,
        "min": None,
        "name": "f_number",
        "onlyInt": False,
        "presentable": False,
        "required": False,
        "system": False,
        "type": "number",
    }
    assert (NumberField.filter_kind, NumberField.widget, NumberField.modifiers) == ("number", "number", {"+", "-"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (5, 5.0),
        (1.5, 1.5),
        ("5", 5.0),
        ("1e3", 1000.0),
        ("abc", 0.0),
        (True, 1.0),
        (False, 0.0),
        (None, 0.0),
        ("", 0.0),
        ([5], 0.0),
        ({"a": 1}, 0.0),
        ("  7  ", 0.0),
        ("0x10", 0.0),
        ("1_000", 1000.0),
        ("+5", 5.0),
        ("5.", 5.0),
        (".5", 0.5),
        ("٣", 0.0),
    ],
)
def test_prepare_casts_like_pocketbase(raw, expected):
    assert NumberField("n").prepare(raw) == expected


def test_infinite_and_nan_strings_parse_then_fail():
    field = NumberField("n")
    assert math.isinf(field.prepare("Infinity")) and math.isnan(field.prepare("NaN"))
    expected = {"code": "validation_not_a_number", "message": "The submitted number is not properly formatted."}
    assert check(field, "Infinity") == check(field, "NaN") == expected
    assert math.isinf(to_float(10**400))


def test_zero_is_blank_and_skips_the_other_checks():
    assert check(NumberField("n", min=1), 0) is None
    assert check(NumberField("n", min=-2, required=True), 0) == REQUIRED
    assert check(NumberField("n", required=True), "abc") == REQUIRED
    assert NumberField("n").is_blank(0.0) and not NumberField("n").is_blank(-1)


def test_validation_messages():
    count = NumberField("count", min=1, max=10, onlyInt=True)
    assert check(count, 11.5) == {
        "code": "validation_only_int_constraint",
        "message": "Decimal numbers are not allowed.",
    }
    assert check(count, 11) == {
        "code": "validation_max_number_constraint",
        "message": "Must be less or equal than 10.",
        "params": {"max": 10},
    }
    assert check(NumberField("n", min=2), "1") == {
        "code": "validation_min_number_constraint",
        "message": "Must be greater or equal than 2.",
        "params": {"min": 2},
    }
    wide = NumberField("n", min=1.5, max=1e21)
    assert check(wide, 1) == {
        "code": "validation_min_number_constraint",
        "message": "Must be greater or equal than 1.5.",
        "params": {"min": 1.5},
    }
    assert check(wide, 2e21) == {
        "code": "validation_max_number_constraint",
        "message": "Must be less or equal than 1e+21.",
        "params": {"max": 1e21},
    }
    assert check(count, 3) is None


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"min": 5, "max": 1},
            {
                "max": {
                    "code": "validation_min_number_constraint",
                    "message": "Must be greater or equal than 5.",
                    "params": {"min": 5},
                }
            },
        ),
        (
            {"min": 5, "max": 0},
            {
                "max": {
                    "code": "validation_min_number_constraint",
                    "message": "Must be greater or equal than 5.",
                    "params": {"min": 5},
                }
            },
        ),
        (
            {"min": 1.5, "max": 1.2},
            {
                "max": {
                    "code": "validation_min_number_constraint",
                    "message": "Must be greater or equal than 1.5.",
                    "params": {"min": 1.5},
                }
            },
        ),
        (
            {"min": 1.5, "onlyInt": True},
            {"min": {"code": "validation_only_int_constraint", "message": "Decimal numbers are not allowed."}},
        ),
        (
            {"max": 1.5, "onlyInt": True},
            {"max": {"code": "validation_only_int_constraint", "message": "Decimal numbers are not allowed."}},
        ),
        ({"min": 5, "max": 5}, {}),
        ({"min": None, "max": -3}, {}),
        ({"min": -1e300}, {}),
    ],
)
def test_settings_errors(options, expected):
    assert settings_errors(NumberField("n", **options)) == expected


def test_modifiers_add_and_subtract():
    field = NumberField("count")
    assert field.apply_modifier(3.0, "+", 2) == 5.0
    assert field.apply_modifier(5.0, "-", 1) == 4.0
    assert field.apply_modifier(1.0, "+", "2") == 3.0
    assert field.apply_modifier(3.0, "-", "abc") == 3.0
    assert field.apply_modifier(3.0, "-", 0.5) == 2.5
    with pytest.raises(NotImplementedError):
        field.apply_modifier(1.0, "^", 1)


@pytest.mark.parametrize(
    ("value", "api", "text"),
    [
        (0.0, 0, "0"),
        (5.0, 5, "5"),
        (1.5, 1.5, "1.5"),
        (-3.0, -3, "-3"),
        (1.2345678901234567e19, 12345678901234567000, "12345678901234567000"),
        (1e21, 1e21, "1e+21"),
        (1e-07, 1e-07, "1e-07"),
    ],
)
def test_api_output_drops_integral_fractions_like_go(value, api, text):
    assert NumberField("n").to_api(value) == api and type(NumberField("n").to_api(value)) is type(api)
    assert json_number(value) == api and number_text(value) == text


def test_columns_and_storage():
    field = NumberField("n")
    assert field.column_ddl(SQLITE) == "NUMERIC DEFAULT 0 NOT NULL"
    assert field.column_ddl(POSTGRES) == "DOUBLE PRECISION DEFAULT 0 NOT NULL"
    assert isinstance(field.column_type(SQLITE), Float)
    assert field.to_db(5.0, SQLITE) == 5.0
    assert field.from_db(5, SQLITE) == 5.0 and isinstance(field.from_db(5, SQLITE), float)
    assert field.from_db(None, SQLITE) == 0.0 and field.from_db(2.5, POSTGRES) == 2.5
    assert field.zero() == 0.0


def test_openapi_schema():
    assert NumberField("n").openapi_schema() == {"type": "number"}
    assert NumberField("n", min=1, max=10, onlyInt=True).openapi_schema() == {
        "type": "integer",
        "minimum": 1,
        "maximum": 10,
    }
