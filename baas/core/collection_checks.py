"""Checks of a collection definition before it is saved, with PocketBase's error codes.

`collection_errors` returns the nested `data` of the 400 answer (e.g. `{"fields": {"1": {"name": ...}}}`),
empty when the definition is sound. Field indexes count the system `id` field, as PocketBase's do.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ..errors import FieldError
from ..query.compiler import FilterError, check_rule
from ..schema.collection import AUTH_RULE_KEYS, COLLECTION_TYPES, RULE_KEYS, Collection
from ..schema.fields import SettingsContext
from ..schema.fields.base import FIELD_NAME_PATTERN, MAX_FIELD_NAME_LENGTH, MAX_HELP_LENGTH
from ..schema.indexes import InvalidIndex, parse_index

NAME_PATTERN = re.compile(r"^\w+$")
MAX_NAME_LENGTH = 255
MAX_ID_LENGTH = 100
#: table names baas or the databases use themselves
RESERVED_NAMES = {
    "_collections", "_params", "_migrations", "_logs", "_cron_leases", "alembic_version", "expand", "collectionid",
    "collectionname",
}
RESERVED_FIELD_NAMES = {"expand", "collectionid", "collectionname"}
AUTH_RESERVED_FIELD_NAMES = {"passwordconfirm", "oldpassword"}
AUTH_SYSTEM_TYPES = {
    "id": "text", "password": "password", "tokenKey": "text", "email": "email", "emailVisibility": "bool", "verified": "bool",
}

REQUIRED = FieldError("validation_required", "Cannot be blank.")


def collection_errors(new: Collection, old: Collection | None, others: dict[str, Collection], dialect) -> dict[str, Any]:
    """All problems of `new` (replacing `old`, None on create) given the other collections by id."""
    errors: dict[str, Any] = {}
    _check_name(new, old, others, errors)
    if old is None and "name" not in errors:  # a taken name also gives its derived id: say only the first
        _check_id(new, others, errors)
    _check_type(new, old, errors)
    if old is not None and old.system != new.system:
        errors["system"] = FieldError("validation_collection_system_flag_change", "System collection state cannot be changed.")
    field_problems = _check_fields(new, old, others)
    if field_problems:
        errors["fields"] = field_problems
    if not field_problems:
        _check_rules(new, old, others, dialect, errors)
    _check_indexes(new, others, errors)
    if new.is_auth and (old is None or old.type == new.type):  # after a type change only that is said
        _check_auth_options(new, errors)
    return errors


def _check_id(new: Collection, others: dict[str, Collection], errors: dict) -> None:
    if not new.id or len(new.id) > MAX_ID_LENGTH or not NAME_PATTERN.match(new.id):
        errors["id"] = FieldError("validation_match_invalid", "Must be in a valid format.")
    elif new.id in others:
        errors["id"] = FieldError("validation_invalid_or_existing_id", "The model id is invalid or already exists.")


def _check_name(new: Collection, old: Collection | None, others: dict[str, Collection], errors: dict) -> None:
    name = new.name
    if not name:
        errors["name"] = REQUIRED
    elif len(name) > MAX_NAME_LENGTH or not NAME_PATTERN.match(name):
        errors["name"] = FieldError("validation_match_invalid", "Must be in a valid format.")
    elif "_via_" in name:
        errors["name"] = FieldError("validation_found_via", 'The value cannot contain "_via_".')
    elif old is not None and old.system and old.name != name:
        errors["name"] = FieldError("validation_collection_system_name_change", "System collection name cannot be changed.")
    elif name.lower() in RESERVED_NAMES or name.lower().startswith(("sqlite_", "pg_", "_baas")):
        errors["name"] = FieldError("validation_collection_name_invalid", "The name is reserved.")
    elif any(c.name.lower() == name.lower() for c in others.values()):
        errors["name"] = FieldError("validation_collection_name_exists", "Collection name must be unique (case insensitive).")


def _check_type(new: Collection, old: Collection | None, errors: dict) -> None:
    if new.type not in COLLECTION_TYPES:
        errors["type"] = FieldError("validation_in_invalid", "Must be a valid value.")
    elif old is not None and old.type != new.type:
        errors["type"] = FieldError("validation_collection_type_change", "Collection type cannot be changed.")


def _check_fields(new: Collection, old: Collection | None, others: dict[str, Collection]) -> dict[str, Any] | FieldError:
    if old is not None and not new.is_view:
        for field in old.fields:
            kept = new.field_by_id(field.id) if field.system else None
            if field.system and (kept is None or kept.name != field.name):
                return FieldError("validation_system_field_change", "System fields cannot be deleted or renamed.")
    problems: dict[str, Any] = {}
    old_by_id = {field.id: field for field in old.fields} if old is not None else {}
    seen: set[str] = set()
    # the context holds the stored definition under the collection's id (relation fields compare with it)
    context = SettingsContext(new, {**others, new.id: old or new})
    for index, field in enumerate(new.fields):
        key = str(index)
        previous = old_by_id.get(field.id)
        if previous is not None and previous.type != field.type:
            problems[key] = FieldError("validation_field_type_change", "Field type cannot be changed.")
            continue
        field_errors: dict[str, FieldError] = {}
        lowered = field.name.lower()
        if not field.name:
            field_errors["name"] = REQUIRED
        elif len(field.name) > MAX_FIELD_NAME_LENGTH or not FIELD_NAME_PATTERN.match(field.name):
            field_errors["name"] = FieldError("validation_match_invalid", "Must be in a valid format.")
        elif (
            lowered in seen
            or lowered in RESERVED_FIELD_NAMES
            or (new.is_auth and lowered in AUTH_RESERVED_FIELD_NAMES)
            or (field.name == "id" and field.type != "text")
            or (new.is_auth and field.name in AUTH_SYSTEM_TYPES and AUTH_SYSTEM_TYPES[field.name] != field.type)
        ):
            field_errors["name"] = FieldError(
                "validation_duplicated_field_name",
                f"Duplicated or invalid field name {field.name}.",
                {"fieldName": field.name},
            )
        seen.add(lowered)
        field_errors.update(field.validate_settings(context))
        if len(field.help) > MAX_HELP_LENGTH:
            field_errors["help"] = FieldError(
                "validation_length_out_of_range", f"The length must be between 1 and {MAX_HELP_LENGTH}.",
                {"max": MAX_HELP_LENGTH, "min": 1},
            )
        if field_errors:
            problems[key] = field_errors
    return problems


def _check_rules(new: Collection, old: Collection | None, others: dict[str, Collection], dialect, errors: dict) -> None:
    lookup = {**others, new.id: new}

    def schema(id_or_name: str) -> Collection | None:
        found = lookup.get(id_or_name)
        if found is not None:
            return found
        return next((c for c in lookup.values() if c.name.lower() == id_or_name.lower()), None)

    keys = RULE_KEYS + (AUTH_RULE_KEYS if new.is_auth else ())
    for key in keys:
        rule = new.rule(key)
        if old is not None and old.system and rule != old.rule(key):
            errors[key] = FieldError("validation_collection_system_rule_change", "System collection API rule cannot be changed.")
            continue
        if new.is_view and key in ("createRule", "updateRule", "deleteRule") and rule is not None:
            errors[key] = FieldError("validation_nil", "Must be blank.")
            continue
        if rule is None or not rule.strip():
            continue
        try:
            check_rule(rule, new, schema=schema, dialect=dialect)
        except FilterError as error:
            errors[key] = FieldError("validation_invalid_rule", f"Invalid rule. Raw error: {error}")
    if new.is_auth:
        mfa_rule = new.options.get("mfa", {}).get("rule", "")
        if isinstance(mfa_rule, str) and mfa_rule.strip():
            try:
                check_rule(mfa_rule, new, schema=schema, dialect=dialect)
            except FilterError as error:
                errors.setdefault("mfa", {})["rule"] = FieldError("validation_invalid_rule", f"Invalid rule. Raw error: {error}")


def _check_indexes(new: Collection, others: dict[str, Collection], errors: dict) -> None:
    if new.is_view:
        if new.indexes:
            errors["indexes"] = FieldError("validation_indexes_not_supported", "View collections don't support indexes.")
        return
    names = {field.name for field in new.fields}
    problems: dict[str, FieldError] = {}
    index_names: set[str] = set()
    for position, sql in enumerate(new.indexes):
        try:
            index = parse_index(sql, names)
        except InvalidIndex as error:
            problems[str(position)] = FieldError("validation_invalid_index_expression", str(error))
            continue
        if index.name.lower() in index_names:
            problems[str(position)] = FieldError("validation_duplicated_index_name", "The index name already exists.")
        elif owner := _index_owner(index.name, others):
            problems[str(position)] = FieldError(
                "validation_existing_index_name",
                f"The index name is already used in {owner} collection.",
                {"usedTableName": owner},
            )
        index_names.add(index.name.lower())
    if problems:
        errors["indexes"] = problems


def _index_owner(index_name: str, others: dict[str, Collection]) -> str | None:
    """The name of another collection that has an index called `index_name` (index names are per schema)."""
    wanted = index_name.lower()
    for other in others.values():
        for sql in other.indexes:
            try:
                if parse_index(sql).name.lower() == wanted:
                    return other.name
            except InvalidIndex:
                continue
    return None


def unique_index_columns(collection: Collection) -> set[str]:
    """Fields that a single-column unique index makes unique (identity fields need one)."""
    names = {field.name for field in collection.fields}
    columns: set[str] = set()
    for sql in collection.indexes:
        try:
            index = parse_index(sql, names)
        except InvalidIndex:
            continue
        if index.unique and len(index.columns) == 1:
            columns.add(index.columns[0].name)
    return columns


def _check_auth_options(new: Collection, errors: dict) -> None:
    options = new.options
    identity = options.get("passwordAuth", {}).get("identityFields", [])
    if not isinstance(identity, list) or not all(isinstance(name, str) for name in identity):
        errors["passwordAuth"] = {"identityFields": FieldError("validation_invalid_value", "Invalid identity fields.")}
    else:
        unique = unique_index_columns(new)
        for name in identity:
            if new.get_field(name) is None or name not in unique:
                errors["passwordAuth"] = {
                    "identityFields": FieldError(
                        "validation_missing_unique_constraint",
                        f'The identity field "{name}" must have a UNIQUE index.',
                    )
                }
                break
    for key, low, high in (
        ("authToken", 10, 94670856),
        ("passwordResetToken", 10, 94670856),
        ("emailChangeToken", 10, 94670856),
        ("verificationToken", 10, 94670856),
        ("fileToken", 10, 94670856),
    ):
        duration = options.get(key, {}).get("duration")
        if not isinstance(duration, (int, float)) or isinstance(duration, bool) or not low <= duration <= high:
            errors[key] = {"duration": FieldError("validation_out_of_range", f"Must be between {low} and {high}.")}
        secret = options.get(key, {}).get("secret", "")
        if not isinstance(secret, str) or not 30 <= len(secret) <= 255:
            errors.setdefault(key, {})["secret"] = FieldError("validation_length_out_of_range", "The length must be between 30 and 255.")
    otp = options.get("otp", {})
    if not _in_range(otp.get("duration"), 10, 86400):
        errors.setdefault("otp", {})["duration"] = FieldError("validation_out_of_range", "Must be between 10 and 86400.")
    if not _in_range(otp.get("length"), 4, 255):
        errors.setdefault("otp", {})["length"] = FieldError("validation_out_of_range", "Must be between 4 and 255.")
    mfa = options.get("mfa", {})
    if not _in_range(mfa.get("duration"), 10, 86400):
        errors.setdefault("mfa", {})["duration"] = FieldError("validation_out_of_range", "Must be between 10 and 86400.")
    oauth2_problems = _oauth2_provider_errors(options.get("oauth2") or {})
    if oauth2_problems:
        errors["oauth2"] = {"providers": oauth2_problems}


def _oauth2_provider_errors(oauth2: Any) -> dict[str, Any]:
    """PocketBase's checks of `oauth2.providers`, made only while OAuth2 is enabled: a known, unique
    name, a client id and secret, and URLs that are URLs."""
    from .oauth2 import provider_class

    if not isinstance(oauth2, dict) or not oauth2.get("enabled"):
        return {}
    problems: dict[str, Any] = {}
    seen: set[str] = set()
    for index, provider in enumerate(oauth2.get("providers") or []):
        if not isinstance(provider, dict):
            problems[str(index)] = FieldError("validation_invalid_value", "Invalid value.")
            continue
        found: dict[str, FieldError] = {}
        name = provider.get("name")
        if not name:
            found["name"] = REQUIRED
        elif not isinstance(name, str) or provider_class(name) is None:
            found["name"] = FieldError("validation_missing_provider", f"Invalid or missing provider with name {name}.", {"name": name})
        elif name in seen:
            found["name"] = FieldError("validation_duplicated_provider", f"The provider {name} is already registered.", {"name": name})
        if isinstance(name, str):
            seen.add(name)
        for key in ("clientId", "clientSecret"):
            if not provider.get(key):
                found[key] = REQUIRED
        for key in ("authURL", "tokenURL", "userInfoURL"):
            value = provider.get(key)
            if value and not _is_url(value):
                found[key] = FieldError("validation_is_url", "Must be a valid URL.")
        if found:
            problems[str(index)] = found
    return problems


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


def _in_range(value: Any, low: int, high: int) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high
