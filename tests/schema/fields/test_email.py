"""EmailField (values from PocketBase 0.40.6)."""

from __future__ import annotations

import pytest

from baas.schema.fields import EmailField
from baas.schema.fields.email import is_domain, is_email
from schema.fields.helpers import POSTGRES, REQUIRED, SQLITE, check, roundtrip, settings_errors

INVALID = {"code": "validation_is_email", "message": "Must be a valid email address."}
NOT_ALLOWED = {"code": "validation_email_domain_not_allowed", "message": "Email domain is not allowed."}


def test_definition_defaults():
    assert roundtrip({"name": "f_email", "type": "email"}) == {
        "exceptDomains": [],
        "help": "",
        "hidden": False,
        "id": "email2841810922",
        "name": "f_email",
        "onlyDomains": [],
        "presentable": False,
        "required": False,
        "system": False,
        "type": "email",
    }
    assert (EmailField.filter_kind, EmailField.widget) == ("text", "email")


@pytest.mark.parametrize(
    "address",
    [
        "a@example.com",
        "A@EXAMPLE.COM",
        "a+b@example.com",
        "a@example.c",
        "a@example.c0m",
        "a@ex_ample.com",
        "a@example.com.",
        "UPPER@X.IO",
        "x" * 65 + "@example.com",
        "a!#$%&'*+/=?^_`{|}~-@example.com",
        "a@ex~ample.com",
        "é@ü.de",
        "ü@example.com",
        "a@exämple.com",
        "a@ex..ample.com",
        "a@ex.-ample.com",
        "a@e.x",
    ],
)
def test_valid_addresses(address):
    assert is_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "notanemail",
        "a@b",
        "a b@example.com",
        '"a b"@example.com',
        '"ab"@example.com',
        "a@example.com ",
        "Name <a@example.com>",
        "a@[127.0.0.1]",
        "a..b@example.com",
        "a@-example.com",
        "a.@example.com",
        ".a@example.com",
        "a@localhost",
        "a@1.2.3.4",
        "ab@c-.com",
        "a@@b.com",
        "a@b@c.com",
        "a\tb@example.com",
        "a@example.123",
        "a@example.com..",
        "",
    ],
)
def test_invalid_addresses(address):
    assert not is_email(address)


def test_checks_are_linear_on_long_input():
    assert not is_email("a@" + "a." * 20000 + "!")


def test_validation():
    mail = EmailField("mail", onlyDomains=["example.com"], required=True)
    assert check(mail, "") == REQUIRED
    assert check(mail, ["a@example.com"]) == REQUIRED
    assert check(mail, 5) == INVALID
    assert check(mail, "notanemail") == INVALID
    assert check(mail, "x@other.com") == NOT_ALLOWED
    assert check(mail, "A@EXAMPLE.COM") == NOT_ALLOWED  # domains compare case-sensitively
    assert check(mail, "a@sub.example.com") == NOT_ALLOWED
    assert check(mail, "a@example.com") is None
    blocked = EmailField("mail", exceptDomains=["example.com"])
    assert check(blocked, "a@example.com") == NOT_ALLOWED
    assert check(blocked, "a@EXAMPLE.com") is None and check(blocked, "a@sub.example.com") is None
    assert check(EmailField("mail"), "") is None


def test_case_is_kept():
    assert EmailField("e").prepare("Foo@Example.com") == "Foo@Example.com"


def test_settings_errors():
    both = settings_errors(EmailField("e", onlyDomains=["a.com"], exceptDomains=["b.com"]))
    blank = {"code": "validation_empty", "message": "Must be blank."}
    assert both == {"exceptDomains": blank, "onlyDomains": blank}
    invalid = {"code": "validation_is_domain", "message": "Must be a valid domain."}
    entries = ["A.COM", "a-b.c0m", "xn--abc.xn--p1ai", "a_b.com", "a.b.c.museum", "1.2.3.4", "a.c", ""]
    assert settings_errors(EmailField("e", onlyDomains=entries)) == {
        "onlyDomains": {"1": invalid, "2": invalid, "3": invalid, "5": invalid},
    }
    assert settings_errors(EmailField("e", exceptDomains=["x", "a.com"])) == {"exceptDomains": {"0": invalid}}
    assert settings_errors(EmailField("e", onlyDomains=["example.com"])) == {}


def test_domain_helper():
    assert is_domain("example.com") and not is_domain("localhost") and not is_domain("a" * 250 + ".com")


def test_columns_and_storage():
    field = EmailField("e")
    assert field.column_ddl(SQLITE) == field.column_ddl(POSTGRES) == "TEXT DEFAULT '' NOT NULL"
    assert field.from_db(None, SQLITE) == "" and field.to_db("a@b.co", SQLITE) == "a@b.co"
    assert field.zero() == "" and field.to_api("a@b.co") == "a@b.co"
    assert field.openapi_schema() == {"type": "string", "format": "email"}
