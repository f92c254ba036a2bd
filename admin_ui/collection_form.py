"""The collection form: posted fields editor, rules, indexes and auth options -> collections API input.

The form's names (all read here, all written by `collection_form.html` and its includes):

    name, type, viewQuery, indexes (one per line)
    f-<key>-id|name|type|help|required|hidden|presentable, f-<key>-o-<option>   one row per field;
        rows are read in the order they were posted, which is their order on screen (reordering
        moves the DOM rows); `<key>` is only a row identity, never a position
    rule-<rule>-mode (locked | public | custom), rule-<rule>-expr
    pa-*, oa-*, oap-<key>-*, oam-*, otp-*, mfa-*, tok-<token>-*, tpl-<template>-*, alert-*   auth options

`parse(form, kind)` returns `(data, problems)`: the dict for `collections_service.create/update` and the
input errors found before any service call (e.g. a non-numeric option), keyed like the service's errors.
`draft(...)` turns the same input back into the collection JSON the template shows after a failed save.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
from typing import Any, Mapping

from baas.schema.auth_options import TEMPLATE_KEYS, TOKEN_KEYS, default_auth_options
from baas.schema.collection import AUTH_RULE_KEYS, RULE_KEYS, TOKEN_SECRET_LENGTH
from baas.schema.fields import field_types

RULE_MODES = ("locked", "public", "custom")
ROW_PATTERN = re.compile(r"^f-(\w+)-type$")
OAUTH2_PROVIDER_KEYS = ("name", "displayName", "clientId", "clientSecret", "authURL", "tokenURL", "userInfoURL")
MAPPED_FIELDS = ("id", "name", "username", "avatarURL")
RULE_LABELS = {
    "listRule": "List/Search rule",
    "viewRule": "View rule",
    "createRule": "Create rule",
    "updateRule": "Update rule",
    "deleteRule": "Delete rule",
    "authRule": "Authentication rule",
    "manageRule": "Manage rule",
}
TOKEN_LABELS = {
    "authToken": "Auth token",
    "passwordResetToken": "Password reset token",
    "emailChangeToken": "Email change token",
    "verificationToken": "Verification token",
    "fileToken": "Protected file access token",
}
TEMPLATE_LABELS = {
    "verificationTemplate": "Verification email",
    "resetPasswordTemplate": "Password reset email",
    "confirmEmailChangeTemplate": "Email change confirmation",
}


def option_kind(type_name: str, option: str) -> str:
    """How an option is edited: bool | int | number | list | collection | text."""
    default = field_types()[type_name].option_defaults[option]
    if option == "collectionId":
        return "collection"
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if default is None:
        return "number"
    if isinstance(default, list):
        return "list"
    return "text"


def rule_mode(value: str | None) -> str:
    if value is None:
        return "locked"
    return "public" if value == "" else "custom"


def _json_object(text: str, label: str, problems: dict[str, str]) -> dict[str, Any]:
    """A form value holding a JSON object ("" is {}); anything else is a problem shown on the form."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        problems[label] = "Must be a JSON object."
        return {}
    return value


def split_list(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,\n]", text or "") if item.strip()]


def _checked(form: Mapping[str, str], name: str) -> bool:
    return form.get(name) in ("on", "true", "1", "yes")


def _int(form: Mapping[str, str], name: str, path: str, problems: dict[str, str], default: int = 0) -> int:
    raw = (form.get(name) or "").strip()
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        problems[path] = "Must be a whole number."
        return default


# ---- fields -----------------------------------------------------------------------------------------
def row_keys(form: Mapping[str, str]) -> list[str]:
    """The field rows in posted (= on-screen) order."""
    return [match.group(1) for name in form.keys() if (match := ROW_PATTERN.match(name))]


def parse_fields(form: Mapping[str, str], problems: dict[str, str]) -> list[dict[str, Any]]:
    types = field_types()
    fields: list[dict[str, Any]] = []
    for index, key in enumerate(row_keys(form)):
        prefix = f"f-{key}-"
        type_name = form.get(prefix + "type", "")
        cls = types.get(type_name)
        if cls is None:
            problems[f"fields.{index}.type"] = "Unknown field type."
            continue
        item: dict[str, Any] = {
            "name": (form.get(prefix + "name") or "").strip(),
            "type": type_name,
            "hidden": _checked(form, prefix + "hidden"),
            "presentable": _checked(form, prefix + "presentable"),
        }
        if form.get(prefix + "id"):
            item["id"] = form[prefix + "id"]
        if cls.has_required:
            item["required"] = _checked(form, prefix + "required")
            item["help"] = form.get(prefix + "help") or ""
        for option in cls.option_defaults:
            item[option] = _option_value(form, type_name, option, prefix + "o-" + option, f"fields.{index}.{option}", problems)
        fields.append(item)
    return fields


def _option_value(form: Mapping[str, str], type_name: str, option: str, name: str, path: str, problems: dict[str, str]) -> Any:
    kind = option_kind(type_name, option)
    raw = (form.get(name) or "").strip()
    if kind == "bool":
        return _checked(form, name)
    if kind == "int":
        return _int(form, name, path, problems)
    if kind == "number":
        if raw == "":
            return None
        try:
            return float(raw)
        except ValueError:
            problems[path] = "Must be a number."
            return None
    if kind == "list":
        return split_list(raw)
    return raw


# ---- rules and options ------------------------------------------------------------------------------
def parse_rule(form: Mapping[str, str], key: str) -> str | None:
    mode = form.get(f"rule-{key}-mode", "locked")
    if mode == "public":
        return ""
    if mode == "custom":
        return (form.get(f"rule-{key}-expr") or "").strip()
    return None


def parse_auth_options(form: Mapping[str, str], problems: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    data["passwordAuth"] = {
        "enabled": _checked(form, "pa-enabled"),
        "identityFields": split_list(form.get("pa-identityFields", "")),
    }
    providers = []
    for key in [m.group(1) for name in form.keys() if (m := re.match(r"^oap-(\w+)-name$", name))]:
        provider: dict[str, Any] = {field: (form.get(f"oap-{key}-{field}") or "").strip() for field in OAUTH2_PROVIDER_KEYS}
        if provider["name"]:
            provider["pkce"] = {"true": True, "false": False}.get(form.get(f"oap-{key}-pkce") or "")
            provider["extra"] = _json_object(form.get(f"oap-{key}-extra") or "", f"oauth2 provider {provider['name']} extra", problems)
            providers.append(provider)
    data["oauth2"] = {
        "enabled": _checked(form, "oa-enabled"),
        "providers": providers,
        "mappedFields": {field: (form.get(f"oam-{field}") or "").strip() for field in MAPPED_FIELDS},
    }
    data["otp"] = {
        "enabled": _checked(form, "otp-enabled"),
        "duration": _int(form, "otp-duration", "otp.duration", problems, 180),
        "length": _int(form, "otp-length", "otp.length", problems, 8),
        "emailTemplate": {"subject": form.get("otp-subject", ""), "body": form.get("otp-body", "")},
    }
    data["mfa"] = {
        "enabled": _checked(form, "mfa-enabled"),
        "duration": _int(form, "mfa-duration", "mfa.duration", problems, 600),
        "rule": (form.get("mfa-rule") or "").strip(),
    }
    data["authAlert"] = {
        "enabled": _checked(form, "alert-enabled"),
        "emailTemplate": {"subject": form.get("alert-subject", ""), "body": form.get("alert-body", "")},
    }
    for key in TOKEN_KEYS:
        token: dict[str, Any] = {"duration": _int(form, f"tok-{key}-duration", f"{key}.duration", problems)}
        if _checked(form, f"tok-{key}-regenerate"):  # a new secret invalidates every token issued before
            token["secret"] = secrets.token_urlsafe(TOKEN_SECRET_LENGTH)[:TOKEN_SECRET_LENGTH]
        data[key] = token
    for key in TEMPLATE_KEYS:
        data[key] = {"subject": form.get(f"tpl-{key}-subject", ""), "body": form.get(f"tpl-{key}-body", "")}
    return data


def parse(form: Mapping[str, str], kind: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The collections API input of a posted collection form, and input problems found on the way."""
    problems: dict[str, str] = {}
    data: dict[str, Any] = {"name": (form.get("name") or "").strip()}
    if kind == "view":
        data["viewQuery"] = form.get("viewQuery", "")
    else:
        data["fields"] = parse_fields(form, problems)
    data["indexes"] = [line.strip() for line in (form.get("indexes") or "").splitlines() if line.strip()]
    for key in RULE_KEYS:
        data[key] = parse_rule(form, key)
    if kind == "auth":
        for key in AUTH_RULE_KEYS:
            data[key] = parse_rule(form, key)
        data.update(parse_auth_options(form, problems))
    return data, problems


# ---- what the template shows -------------------------------------------------------------------------
def draft(base: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """`base` (collection JSON) with the posted `data` over it, never holding a secret."""
    shown = copy.deepcopy(base)
    for key, value in data.items():
        shown[key] = copy.deepcopy(value)
    return without_secrets(shown)


def without_secrets(collection_json: dict[str, Any]) -> dict[str, Any]:
    for key in TOKEN_KEYS:
        if isinstance(collection_json.get(key), dict):
            collection_json[key].pop("secret", None)
    for provider in (collection_json.get("oauth2") or {}).get("providers") or []:
        if isinstance(provider, dict):
            provider.pop("clientSecret", None)
    return collection_json


def auth_defaults() -> dict[str, Any]:
    return without_secrets(default_auth_options())
