"""`email`: one address, optionally limited to (or barred from) some domains.

`domain_option_errors` is shared with `url`, which has the same `onlyDomains` / `exceptDomains` options.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import FieldError
from .base import Field, SettingsContext, ValueContext, register
from .text import to_text

# PocketBase checks the address's *format* only (no DNS): an unquoted dot-atom local part, then a host of at
# least two labels whose first starts with a letter or digit and whose last starts and ends with a letter.
# Letters include most of the BMP beyond Latin-1. Label characters may repeat freely (`a..b` passes), so the
# host is checked as "allowed characters, right ends, one `X.y` split" — linear, unlike one big pattern.
_WIDE = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
_ATOM = f"[a-zA-Z0-9!#$%&'*+\\-/=?^_`{{|}}~{_WIDE}]+"
_LOCAL = re.compile(f"{_ATOM}(?:\\.{_ATOM})*")
_HOST = re.compile(f"[a-zA-Z0-9{_WIDE}][a-zA-Z0-9\\-._~{_WIDE}]*[a-zA-Z{_WIDE}]")
_HOST_SPLIT = re.compile(f"[a-zA-Z0-9{_WIDE}]\\.[a-zA-Z{_WIDE}]")
# A domain option entry: dotted labels ending with an alphabetic TLD (`localhost` or an IP is not a domain).
_DOMAIN = re.compile(r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+(?:[a-zA-Z]{1,63}| xn--[a-z0-9]{1,59})")
_MAX_DOMAIN_LENGTH = 255


def is_email(value: str) -> bool:
    local, at, host = value.rpartition("@")
    host = host.removesuffix(".")
    return bool(at and _LOCAL.fullmatch(local) and _HOST.fullmatch(host) and _HOST_SPLIT.search(host))


def is_domain(value: str) -> bool:
    return len(value) <= _MAX_DOMAIN_LENGTH and _DOMAIN.fullmatch(value) is not None


def domain_option_errors(only: list[str], exclude: list[str]) -> dict[str, Any]:
    """Errors of `onlyDomains`/`exceptDomains`: at most one of them set, each entry a domain (errors by index)."""
    errors: dict[str, Any] = {}
    for key, entries, other in (("exceptDomains", exclude, only), ("onlyDomains", only, exclude)):
        if entries and other:
            errors[key] = FieldError("validation_empty", "Must be blank.")
            continue
        invalid = {
            str(index): FieldError("validation_is_domain", "Must be a valid domain.")
            for index, entry in enumerate(entries)
            if entry and not (isinstance(entry, str) and is_domain(entry))
        }
        if invalid:
            errors[key] = invalid
    return errors


@register
class EmailField(Field):
    """An email address string; zero value `""`.

    Input is cast like text (`5` → `"5"`, which then fails the format check); case is kept. Checks: required,
    then the address format (`validation_is_email`), then the part after the last `@` against `onlyDomains` /
    `exceptDomains`, compared exactly (case-sensitive, no subdomains). No modifiers.
    """

    type = "email"
    option_defaults = {"exceptDomains": [], "onlyDomains": []}
    filter_kind = "text"
    widget = "email"

    def from_db(self, value: Any, dialect) -> str:
        return to_text(value)

    def prepare(self, raw: Any) -> str:
        return to_text(raw)

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        if value == "":
            return FieldError("validation_required", "Cannot be blank.") if self.required else None
        if not is_email(value):
            return FieldError("validation_is_email", "Must be a valid email address.")
        domain = value[value.rindex("@") + 1 :]
        if (self.onlyDomains and domain not in self.onlyDomains) or domain in self.exceptDomains:
            return FieldError("validation_email_domain_not_allowed", "Email domain is not allowed.")
        return None

    def validate_settings(self, ctx: SettingsContext) -> dict[str, Any]:
        return domain_option_errors(self.onlyDomains, self.exceptDomains)

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "email"}
