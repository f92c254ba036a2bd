"""BoolField (values from PocketBase 0.40.6)."""

from __future__ import annotations

import pytest
from sqlalchemy import Boolean

from baas.schema.fields import BoolField
from schema.fields.helpers import POSTGRES, REQUIRED, SQLITE, check, roundtrip, settings_errors


def test_definition_has_only_common_keys():
    assert roundtrip({"name": "f_bool", "type": "bool"}) == {
        "help": "",
        "hidden": False,
        "id": "bool2716466288",
        "name": "f_bool",
        "presentable": False,
        "required": False,
        "system": False,
        "type": "bool",
    }
    assert (BoolField.filter_kind, BoolField.widget, BoolField.modifiers) == ("bool", "bool", frozenset())
    assert settings_errors(BoolField("b")) == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (2, True),
        (-1, True),
        (0.5, True),
        (0, False),
        ("true", True),
        ("1", True),
        ("t", True),
        ("T", True),
        ("TRUE", True),
        ("True", True),
        ("tRue", False),
        ("false", False),
        ("0", False),
        ("f", False),
        ("x", False),
        ("yes", False),
        ("on", False),
        (" true", False),
        ([True], False),
        ({"a": 1}, False),
        (None, False),
    ],
)
def test_prepare_casts_like_go(raw, expected):
    assert BoolField("b").prepare(raw) is expected


def test_required_means_true():
    flag = BoolField("flag", required=True)
    assert check(flag, False) == REQUIRED
    assert check(flag, "x") == REQUIRED
    assert check(flag, None) == REQUIRED
    assert check(flag, "true") is None
    assert check(BoolField("b"), False) is None


def test_modifiers_are_not_supported():
    with pytest.raises(NotImplementedError):
        BoolField("b").apply_modifier(False, "+", True)


def test_columns_and_storage():
    field = BoolField("b")
    assert field.column_ddl(SQLITE) == field.column_ddl(POSTGRES) == "BOOLEAN DEFAULT FALSE NOT NULL"
    assert isinstance(field.column_type(SQLITE), Boolean)
    assert field.to_db(True, SQLITE) is True
    assert field.from_db(1, SQLITE) is True and field.from_db(0, SQLITE) is False
    assert field.from_db("true", SQLITE) is True and field.from_db("0", SQLITE) is False
    assert field.from_db(None, POSTGRES) is False and field.from_db(True, POSTGRES) is True
    assert field.zero() is False
    assert field.to_api(1) is True and field.to_api(False) is False
    assert field.openapi_schema() == {"type": "boolean"}
