"""Turn collections API input into a complete `Collection`, as PocketBase does.

* A new collection starts from its type's scaffold (system fields, default auth options and indexes).
* `fields`, when given, replaces the list (fields keep their identity through `id`; a field without one
  gets `<type><crc32(name)>`); system fields that are missing are put back, so they cannot be removed.
* Other keys replace the stored value; option objects of auth collections merge key by key, and
  write-only secrets (token secrets, OAuth2 client secrets) keep their stored value when not sent.
"""

from __future__ import annotations

import copy
from typing import Any

from ..ids import collection_id_for, random_string
from ..schema.auth_options import AUTH_OPTION_KEYS, default_auth_options
from ..schema.collection import RULE_KEYS, Collection, ensure_token_secrets
from ..schema.fields import Field, field_from_json
from ..schema.indexes import InvalidIndex, normalize_table, parse_index
from ..schema.system import system_collections


ID_PATTERN = "^[a-z0-9]+$"


class InvalidFormat(ValueError):
    """The input cannot even be read as a collection (e.g. an unknown field type)."""


def scaffold(kind: str, name: str = "") -> Collection:
    """The default definition of a new collection of `kind` (PocketBase's `meta/scaffolds`).

    Without an id yet, an auth scaffold's index names get a random suffix, as PocketBase's do; creating
    the collection puts its id there instead."""
    template = next(c for c in system_collections() if c.name == ("users" if kind == "auth" else "_mfas"))
    system_names = {"id", "password", "tokenKey", "email", "emailVisibility", "verified"} if kind == "auth" else {"id"}
    fields = [f.copy() for f in template.fields if f.name in system_names]
    options: dict[str, Any] = {}
    indexes: list[str] = []
    if kind == "auth":
        options = default_auth_options()
        indexes = auth_indexes(random_string(10), name)
    elif kind == "view":
        options = {"viewQuery": ""}
        fields = []
    return Collection(id="", name=name, type=kind, fields=fields, indexes=indexes, options=options)


def auth_indexes(collection_id: str, name: str) -> list[str]:
    return [
        f"CREATE UNIQUE INDEX `idx_tokenKey_{collection_id}` ON `{name}` (`tokenKey`)",
        f"CREATE UNIQUE INDEX `idx_email_{collection_id}` ON `{name}` (`email`) WHERE `email` != ''",
    ]


def build_new(data: dict[str, Any]) -> Collection:
    kind = data.get("type") or "base"
    name = data.get("name") if isinstance(data.get("name"), str) else ""
    collection = scaffold(kind if kind in ("base", "auth", "view") else "base", name)
    collection.type = kind if isinstance(kind, str) else ""
    collection.id = data.get("id") if isinstance(data.get("id"), str) and data.get("id") else collection_id_for(str(kind), name)
    if collection.is_auth:
        collection.indexes = auth_indexes(collection.id, name)
    apply_input(collection, data, existing=None)
    return collection


def build_update(existing: Collection, data: dict[str, Any]) -> Collection:
    collection = existing.copy()
    if "type" in data:
        collection.type = data["type"] if isinstance(data["type"], str) else ""
    apply_input(collection, data, existing=existing)
    return collection


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidFormat("system must be a boolean")
    return value


def apply_input(collection: Collection, data: dict[str, Any], existing: Collection | None) -> None:
    if isinstance(data.get("name"), str):
        collection.name = data["name"]
    if data.get("system") is not None:
        collection.system = _flag(data["system"])
    for key in RULE_KEYS:
        if key in data:
            collection.rules[key] = _rule(data[key])
    if "indexes" in data:
        if not isinstance(data["indexes"], list):
            raise InvalidFormat("indexes must be a list")
        collection.indexes = [str(item) for item in data["indexes"]]
    # an index naming another table (the collection was renamed, or the scaffold's empty name) is rewritten
    collection.indexes = [normalize_table(sql, collection.name) for sql in collection.indexes]
    if "fields" in data:
        collection.fields = build_fields(data["fields"], existing, collection)
    elif existing is None:
        collection.fields = _restore_system_fields([], collection)
    if collection.is_view and "viewQuery" in data:
        collection.options["viewQuery"] = data["viewQuery"] if isinstance(data["viewQuery"], str) else ""
    if collection.is_auth:
        _merge_auth_options(collection, data, existing)
        if existing is None or existing.is_auth:  # a type change is refused anyway: say only that
            _ensure_auth_indexes(collection)


def _ensure_auth_indexes(collection: Collection) -> None:
    """An auth collection always keeps a unique index on `tokenKey` and one on `email` (added back at the end)."""
    unique: set[str] = set()
    for sql in collection.indexes:
        try:
            index = parse_index(sql)
        except InvalidIndex:
            continue
        if index.unique and len(index.columns) == 1 and index.columns[0].function is None:
            unique.add(index.columns[0].name)
    for column, sql in zip(("tokenKey", "email"), auth_indexes(collection.id, collection.name)):
        if column not in unique:
            collection.indexes.append(sql)


def _rule(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidFormat("rules must be strings or null")
    return value


def build_fields(items: Any, existing: Collection | None, collection: Collection) -> list[Field]:
    """The submitted field list as PocketBase reads it.

    Within the list, a field with an `id` replaces an earlier one with that id; a field without one takes
    the id of an earlier field of the same (exact) name and replaces it, else gets `<type><crc32(name)>`,
    which again replaces an earlier field with that id. Missing system fields are then put back."""
    if not isinstance(items, list):
        raise InvalidFormat("fields must be a list")
    fields: list[Field] = []
    for item in items:
        if not isinstance(item, dict):
            raise InvalidFormat("a field must be an object")
        try:
            field = field_from_json(item)
        except ValueError as error:
            raise InvalidFormat(str(error)) from error
        position = None
        if not item.get("id"):
            position = next((i for i, other in enumerate(fields) if field.name and other.name == field.name), None)
            if position is not None:
                field.id = fields[position].id
        if position is None:
            position = next((i for i, other in enumerate(fields) if other.id == field.id), None)
        if position is None:
            fields.append(field)
        else:
            fields[position] = field
    return _restore_system_fields(fields, collection, existing)


def _restore_system_fields(fields: list[Field], collection: Collection, existing: Collection | None = None) -> list[Field]:
    """Put back the system fields of the collection's type that the input left out, as PocketBase does.

    A missing `id` field goes first, the other (auth) system fields after the rest; each comes back as it
    was stored, or from the scaffold. Fields that were sent keep their order, and a sent `id` text field
    is forced to be the primary key."""
    if collection.is_view:
        return fields
    template = scaffold(collection.type if collection.type in ("base", "auth") else "base").fields
    stored = {f.name: f for f in existing.fields} if existing is not None else {}
    missing = []
    for system in template:
        if not any(f.name == system.name and f.type == system.type for f in fields):
            previous = stored.get(system.name)
            missing.append(previous if previous is not None and previous.type == system.type else system)
    for field in fields:
        if any(s.name == field.name and s.type == field.type for s in template):
            field.system = True
            if field.name == "id":
                field.options.update(primaryKey=True)
                field.options["pattern"] = field.options.get("pattern") or ID_PATTERN
                field.required = True
                field.hidden = False
    restored = [field.copy() for field in missing]
    head = [field for field in restored if field.name == "id"]
    tail = [field for field in restored if field.name != "id"]
    return head + fields + tail


def _merge_auth_options(collection: Collection, data: dict[str, Any], existing: Collection | None) -> None:
    defaults = default_auth_options()
    for key in AUTH_OPTION_KEYS:
        current = collection.options.get(key, copy.deepcopy(defaults[key]))
        if key in data:
            incoming = data[key]
            if isinstance(current, dict) and isinstance(incoming, dict):
                current = _deep_merge(current, incoming)
            else:
                current = copy.deepcopy(incoming)
        collection.options[key] = current
    _keep_client_secrets(collection, existing)
    ensure_token_secrets(collection.options)


def _deep_merge(base: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in incoming.items():
        if key == "secret" and not value:
            continue  # write-only: an empty secret means "keep the stored one"
        if isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _keep_client_secrets(collection: Collection, existing: Collection | None) -> None:
    if existing is None:
        return
    stored = {p.get("name"): p for p in existing.options.get("oauth2", {}).get("providers", []) if isinstance(p, dict)}
    for provider in collection.options.get("oauth2", {}).get("providers", []):
        if isinstance(provider, dict) and not provider.get("clientSecret") and stored.get(provider.get("name"), {}).get("clientSecret"):
            provider["clientSecret"] = stored[provider["name"]]["clientSecret"]
