"""URLField (every case below was checked against PocketBase 0.40.6)."""

from __future__ import annotations

import time

import pytest

from baas.schema.fields import URLField
from baas.schema.fields.url import is_url
from schema.fields.helpers import POSTGRES, REQUIRED, SQLITE, check, roundtrip, settings_errors

INVALID = {"code": "validation_invalid_url", "message": "Must be a valid url."}
NOT_ALLOWED = {"code": "validation_url_domain_not_allowed", "message": "Url domain is not allowed."}


def test_definition_defaults():
    assert roundtrip({"name": "f_url", "type": "url"}) == {
        "exceptDomains": [],
        "help": "",
        "hidden": False,
        "id": "url1208612536",
        "name": "f_url",
        "onlyDomains": [],
        "presentable": False,
        "required": False,
        "system": False,
        "type": "url",
    }
    assert (URLField.filter_kind, URLField.widget) == ("text", "url")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://localhost",
        "example.com",
        "http://example.com:8080/path?q=1#f",
        "ftp://files.example.com",
        "mailto:a@b.com",
        "http://a",
        "http://a_b.com",
        "http://1.2.3.4",
        "http://[::1]:80/",
        "https://user:pass@example.com/",
        "https://example.com.",
        "https://例子.测试",
        "https://example.c",
        "https://example.123",
        "https://example.com/é",
        "https://xn--d1acj3b.com",
        "example.com:80",
        "www.example.com/path",
        "http://example",
        "http://ex_ample",
        "wss://x.io/sock",
        "https://example.com?",
        "https://example.com#",
        "http://999.1.1.12",
    ],
)
def test_valid_urls(url):
    assert is_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "localhost",
        "javascript:alert(1)",
        "https://",
        "http://-a.com",
        "http://a-.com",
        "http://999.1.1.1",
        "https://exa mple.com",
        "https://example.com/a b",
        "//example.com",
        "https://ex..ample.com",
        "https://example.com:999999",
        "custom://example.com",
        "HTTPS://EXAMPLE.COM",
        "abc",
        "a.b",
        "http://.example.com",
        "file:///etc/passwd",
        "s3://bucket/x",
        "https://a.b.c.d.e.f",
        "http://a..b",
        "https://ex_.com",
        "http://[zz::1]/",
        "https://example.com/%zz",
        "http://example.com:port",
    ],
)
def test_invalid_urls(url):
    assert not is_url(url)


def test_long_input_is_rejected_quickly():
    started = time.perf_counter()
    assert not is_url("http://" + "a-" * 1000 + "!")
    assert not is_url("x" * 3000)
    assert time.perf_counter() - started < 2


def test_validation():
    site = URLField("site", exceptDomains=["bad.com"], required=True)
    assert check(site, "") == REQUIRED
    assert check(site, "not a url") == INVALID
    assert check(site, "https://bad.com/x") == NOT_ALLOWED
    assert check(site, "https://good.com") is None
    assert check(site, "example.com") is None  # no scheme, so no host to compare


def test_only_domains_compare_the_host_with_its_port():
    site = URLField("site", onlyDomains=["example.com"])
    assert check(site, "https://example.com") is None
    assert check(site, "https://user@example.com/x") is None
    assert check(site, "https://example.com:8080") == NOT_ALLOWED
    assert check(site, "https://EXAMPLE.com") == NOT_ALLOWED
    assert check(site, "example.com") == NOT_ALLOWED


def test_settings_errors():
    blank = {"code": "validation_empty", "message": "Must be blank."}
    assert settings_errors(URLField("u", onlyDomains=["a.com"], exceptDomains=["b.com"])) == {
        "exceptDomains": blank,
        "onlyDomains": blank,
    }
    assert settings_errors(URLField("u", onlyDomains=["localhost"])) == {
        "onlyDomains": {"0": {"code": "validation_is_domain", "message": "Must be a valid domain."}},
    }


def test_columns_and_storage():
    field = URLField("u")
    assert field.prepare(5) == "5"
    assert field.column_ddl(SQLITE) == field.column_ddl(POSTGRES) == "TEXT DEFAULT '' NOT NULL"
    assert field.from_db(None, SQLITE) == "" and field.zero() == ""
    assert field.openapi_schema() == {"type": "string", "format": "uri"}
