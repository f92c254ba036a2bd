"""PasswordField and PasswordValue (values from PocketBase 0.40.6)."""

from __future__ import annotations

import bcrypt
import pytest

from baas.schema.fields import PasswordField, PasswordValue
from schema.fields.helpers import POSTGRES, REQUIRED, SQLITE, check, roundtrip, settings_errors

#: written by PocketBase 0.40.6 itself for "Passw0rd123" (Go's bcrypt, `$2a$`, cost 10)
POCKETBASE_HASH = "$2a$10$Px2bU1.lyTd3vPXpyCBXjOkEAKIdg8.6lBg.eeQg0K3NxUZmHLxVy"


def test_definition_defaults():
    assert roundtrip({"name": "f_password", "type": "password"}) == {
        "cost": 0,
        "help": "",
        "hidden": False,
        "id": "password3262647130",
        "max": 0,
        "min": 0,
        "name": "f_password",
        "pattern": "",
        "presentable": False,
        "required": False,
        "system": False,
        "type": "password",
    }
    assert (PasswordField.filter_kind, PasswordField.widget, PasswordField.modifiers) == (
        "text",
        "password",
        frozenset(),
    )


def test_pocketbase_hashes_verify():
    stored = PasswordValue.from_hash(POCKETBASE_HASH)
    assert stored.matches("Passw0rd123")
    assert not stored.matches("passw0rd123")
    assert stored.plain == "" and stored.hash == POCKETBASE_HASH


def test_hash_is_computed_lazily_at_the_field_cost():
    value = PasswordField("p", cost=4).prepare("secret")
    assert value.plain == "secret" and value._hash == ""
    hashed = value.hash
    assert hashed.startswith("$2a$04$") and value.hash == hashed  # computed once
    assert bcrypt.checkpw(b"secret", hashed.encode())
    assert value.matches("secret") and not value.matches("Secret")
    assert PasswordValue("x").cost == 10


def test_empty_and_foreign_values():
    assert PasswordValue().hash == "" and not PasswordValue().matches("")
    assert not PasswordValue.from_hash("not-a-hash").matches("x")
    assert "secret" not in repr(PasswordValue("secret"))


def test_validation_order_and_messages():
    field = PasswordField("p", min=3, max=5, pattern="^[a-z]+$", required=True)
    assert check(field, "ab") == {
        "code": "validation_min_text_constraint",
        "message": "Must be at least 3 character(s).",
    }
    assert check(field, "abcdef") == {
        "code": "validation_max_text_constraint",
        "message": "Must be less than 5 character(s).",
    }
    assert (
        check(field, "ABC")
        == check(field, 123)
        == check(field, "ééé")
        == {
            "code": "validation_invalid_format",
            "message": "Invalid value format.",
        }
    )
    assert check(field, "") == check(field, None) == REQUIRED
    assert check(field, "abc") is None


def test_byte_and_default_length_limits():
    field = PasswordField("p")
    assert check(field, "é" * 40) == {"code": "validation_invalid_value", "message": "Invalid value."}
    assert check(field, "a" * 72) == {
        "code": "validation_max_text_constraint",
        "message": "Must be less than 71 character(s).",
    }
    assert check(field, "a" * 71) is None


def test_a_stored_hash_satisfies_required():
    field = PasswordField("p", required=True, min=8)
    assert field.validate(PasswordValue.from_hash(POCKETBASE_HASH), None) is None
    assert field.is_blank(field.zero()) and not field.is_blank(PasswordValue("x"))


@pytest.mark.parametrize(
    ("options", "key", "message"),
    [
        ({"min": -1}, "min", "Must be no less than 1."),
        ({"min": 72}, "min", "Must be no greater than 71."),
        ({"max": 72}, "max", "Must be no greater than 71."),
        ({"min": 10, "max": 5}, "max", "Must be no less than 10."),
        ({"cost": 3}, "cost", "Must be no less than 4."),
        ({"cost": -1}, "cost", "Must be no less than 4."),
        ({"cost": 32}, "cost", "Must be no greater than 31."),
        ({"pattern": "(["}, "pattern", "Error parsing regexp: missing closing ]: `[`."),
    ],
)
def test_settings_errors(options, key, message):
    errors = settings_errors(PasswordField("p", **options))
    assert list(errors) == [key] and errors[key]["message"] == message


def test_valid_settings():
    assert settings_errors(PasswordField("p")) == {}
    assert settings_errors(PasswordField("p", min=8, max=71, cost=12, pattern="[0-9]")) == {}


def test_storage_and_output():
    field = PasswordField("p", cost=4)
    assert field.column_ddl(SQLITE) == field.column_ddl(POSTGRES) == "TEXT DEFAULT '' NOT NULL"
    value = field.prepare("secret")
    stored = field.to_db(value, SQLITE)
    assert stored.startswith("$2a$04$")
    loaded = field.from_db(stored, POSTGRES)
    assert isinstance(loaded, PasswordValue) and loaded.matches("secret")
    assert field.to_db(field.zero(), SQLITE) == "" and field.from_db(None, SQLITE).hash == ""
    assert field.to_api(value) == ""
    assert field.prepare(value) is value
    assert field.openapi_schema() == {"type": "string", "format": "password", "writeOnly": True}
