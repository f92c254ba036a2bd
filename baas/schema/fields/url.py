"""`url`: one URL string, optionally limited to (or barred from) some hosts."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from ...errors import FieldError
from .base import Field, SettingsContext, ValueContext, register
from .email import domain_option_errors
from .text import to_text

# PocketBase accepts what the Go `govalidator.IsURL` check accepts, quirks included: the scheme is optional
# (`example.com` passes) and limited to a few lowercase ones, a host is an IPv4, a bracketed IPv6 or a name
# whose last label may be an alphabetic TLD. The name part is written here without nested quantifiers so
# Python's backtracking engine stays fast on long input.
_NAME_CHAR = "a-zA-Z\u00a1-\uffff0-9"
_URL = re.compile(
    r"(?:(?:ftp|tcp|udp|wss?|https?)://)?"
    r"(?:\S+@)?"
    r"(?:"
    r"(?P<ipv4>(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3]|24\d|25[0-5])(?:\.(?:\d{1,2}|1\d\d|2[0-4]\d|25[0-5])){2}"
    r"\.(?:[0-9]\d?|1\d\d|2[0-4]\d|25[0-5]))"
    r"|\[(?P<ipv6>[0-9a-fA-F:.]+(?:%[0-9a-zA-Z]+)?)\]"
    r"|(?:[a-zA-Z0-9][a-zA-Z0-9_-]*[a-zA-Z0-9](?:[-.][a-zA-Z0-9]+)*"
    r"|www\.|[a-zA-Z0-9]+(?:[-_.][a-zA-Z0-9]+)*[a-zA-Z0-9]\.[a-zA-Z0-9]+)?"
    rf"[{_NAME_CHAR}]+(?:--?[{_NAME_CHAR}]+)*(?:\.[a-zA-Z\u00a1-\uffff]+)?"
    r")"
    r"\.?(?::\d{1,5})?(?:[/?#]\S*)?"
)
_MIN_LENGTH, _MAX_LENGTH = 4, 2082
_BAD_ESCAPE = re.compile(r"%(?![0-9a-fA-F]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _host(value: str) -> str | None:
    """The `host[:port]` of `value` as Go's URL parser reads it, or None when that parser would fail."""
    try:
        netloc = urlsplit(value).netloc
    except ValueError:
        return None
    host = netloc.rpartition("@")[2]
    port = host.rpartition("]")[2].rpartition(":")[2] if ":" in host.rpartition("]")[2] else ""
    return host if port.isdigit() or port == "" else None


def is_url(value: str) -> bool:
    if not _MIN_LENGTH <= len(value) <= _MAX_LENGTH or value.startswith("."):
        return False
    if _CONTROL.search(value) or _BAD_ESCAPE.search(value):
        return False
    # a colon without `://` is taken as a port, as in `example.com:80`
    parsed = value if ":" not in value or "://" in value else "http://" + value
    host = _host(parsed)
    if host is None or host.startswith("."):
        return False
    path = urlsplit(parsed).path
    if not host and path and "." not in path:
        return False
    match = _URL.fullmatch(value)
    if match is None:
        return False
    if match.group("ipv6"):
        try:
            ipaddress.IPv6Address(match.group("ipv6"))
        except ValueError:
            return False
    return True


@register
class URLField(Field):
    """A URL string; zero value `""`.

    Input is cast like text. Checks: required, then URL syntax (`validation_invalid_url`; a missing scheme is
    fine), then the host — with any `:port`, compared exactly — against `onlyDomains` / `exceptDomains`. A
    URL without `scheme://` has no host, so it never passes `onlyDomains`. No modifiers.
    """

    type = "url"
    option_defaults = {"exceptDomains": [], "onlyDomains": []}
    filter_kind = "text"
    widget = "url"

    def from_db(self, value: Any, dialect) -> str:
        return to_text(value)

    def prepare(self, raw: Any) -> str:
        return to_text(raw)

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        if value == "":
            return FieldError("validation_required", "Cannot be blank.") if self.required else None
        if not is_url(value):
            return FieldError("validation_invalid_url", "Must be a valid url.")
        host = _host(value) or ""
        if (self.onlyDomains and host not in self.onlyDomains) or host in self.exceptDomains:
            return FieldError("validation_url_domain_not_allowed", "Url domain is not allowed.")
        return None

    def validate_settings(self, ctx: SettingsContext) -> dict[str, Any]:
        return domain_option_errors(self.onlyDomains, self.exceptDomains)

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "uri"}
