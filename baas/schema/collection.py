"""A collection definition: the in-memory form of one `_collections` row.

Collections are data. This class only holds and converts a definition (JSON in the API's shape, rows of
`_collections`, an SQLAlchemy `Table` for queries); checking a definition and changing tables live in
`baas.core.collections` and `baas.schema.ddl`.
"""

from __future__ import annotations

import copy
import secrets
from functools import cached_property
from typing import Any, Iterable

import orjson
from sqlalchemy import Column, MetaData, Table

from .auth_options import AUTH_OPTION_KEYS, TOKEN_KEYS, default_auth_options
from .fields import Field, field_from_json

COLLECTION_TYPES = ("base", "auth", "view")
RULE_KEYS = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")
AUTH_RULE_KEYS = ("authRule", "manageRule")
TOKEN_SECRET_LENGTH = 50


class Collection:
    def __init__(
        self,
        *,
        id: str,
        name: str,
        type: str = "base",
        system: bool = False,
        fields: Iterable[Field] = (),
        indexes: Iterable[str] = (),
        rules: dict[str, str | None] | None = None,
        options: dict[str, Any] | None = None,
        created: str = "",
        updated: str = "",
    ):
        self.id = id
        self.name = name
        self.type = type
        self.system = system
        self.fields: list[Field] = list(fields)
        self.indexes: list[str] = list(indexes)
        self.rules: dict[str, str | None] = {key: (rules or {}).get(key) for key in RULE_KEYS}
        self.options: dict[str, Any] = options or {}
        self.created = created
        self.updated = updated

    def __repr__(self) -> str:
        return f"<Collection {self.name!r} {self.type} id={self.id!r}>"

    # ---- kinds -------------------------------------------------------------------------------
    @property
    def is_auth(self) -> bool:
        return self.type == "auth"

    @property
    def is_view(self) -> bool:
        return self.type == "view"

    @property
    def view_query(self) -> str:
        return self.options.get("viewQuery", "") if self.is_view else ""

    # ---- fields ------------------------------------------------------------------------------
    @cached_property
    def _fields_by_name(self) -> dict[str, Field]:
        return {field.name: field for field in self.fields}

    def get_field(self, name: str) -> Field | None:
        return self._fields_by_name.get(name)

    def field_by_id(self, field_id: str) -> Field | None:
        return next((field for field in self.fields if field.id == field_id), None)

    def rule(self, key: str) -> str | None:
        if key in AUTH_RULE_KEYS:
            return self.options.get(key)
        return self.rules.get(key)

    def token_secret(self, token_key: str) -> str:
        return self.options[token_key]["secret"]

    # ---- conversions -------------------------------------------------------------------------
    def to_json(self, *, secrets: bool = False) -> dict[str, Any]:
        """The API shape; token secrets and OAuth2 client secrets are write-only unless `secrets`."""
        out: dict[str, Any] = {"id": self.id}
        out.update(self.rules)
        out.update(
            name=self.name,
            type=self.type,
            fields=[dict(sorted(field.to_json().items())) for field in self.fields],  # PocketBase sorts the keys
            indexes=list(self.indexes),
            created=self.created,
            updated=self.updated,
            system=self.system,
        )
        if self.is_view:
            out["viewQuery"] = self.view_query
        elif self.is_auth:
            options = copy.deepcopy({key: self.options[key] for key in AUTH_OPTION_KEYS if key in self.options})
            if not secrets:
                for key in TOKEN_KEYS:
                    options.get(key, {}).pop("secret", None)
                for provider in options.get("oauth2", {}).get("providers", []):
                    provider.pop("clientSecret", None)
            out.update(options)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Collection":
        """Build from a complete definition (a stored row's JSON or an export); no defaults added."""
        kind = data.get("type") or "base"
        options: dict[str, Any] = {}
        if kind == "view":
            options["viewQuery"] = data.get("viewQuery") or ""
        elif kind == "auth":
            defaults = default_auth_options()
            for key in AUTH_OPTION_KEYS:
                options[key] = copy.deepcopy(data[key]) if key in data else defaults[key]
            ensure_token_secrets(options)
        return cls(
            id=data.get("id") or "",
            name=data.get("name") or "",
            type=kind,
            system=bool(data.get("system", False)),
            fields=[field_from_json(item) for item in data.get("fields") or []],
            indexes=list(data.get("indexes") or []),
            rules={key: data.get(key) for key in RULE_KEYS},
            options=options,
            created=data.get("created") or "",
            updated=data.get("updated") or "",
        )

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "system": self.system,
            "fields": orjson.dumps([field.to_json() for field in self.fields]).decode(),
            "indexes": orjson.dumps(self.indexes).decode(),
            **self.rules,
            "options": orjson.dumps(self.options).decode(),
            "created": self.created,
            "updated": self.updated,
        }

    @classmethod
    def from_row(cls, row: Any) -> "Collection":
        mapping = row._mapping if hasattr(row, "_mapping") else row
        return cls(
            id=mapping["id"],
            name=mapping["name"],
            type=mapping["type"],
            system=bool(mapping["system"]),
            fields=[field_from_json(item) for item in orjson.loads(mapping["fields"])],
            indexes=orjson.loads(mapping["indexes"]),
            rules={key: mapping[key] for key in RULE_KEYS},
            options=orjson.loads(mapping["options"]),
            created=mapping["created"],
            updated=mapping["updated"],
        )

    def copy(self) -> "Collection":
        return Collection.from_row(self.to_row())

    def table(self, dialect) -> Table:
        """An SQLAlchemy Core table for this collection's columns (cached per dialect)."""
        cache = self.__dict__.setdefault("_tables", {})
        if dialect.name not in cache:
            columns = [
                Column(field.name, field.column_type(dialect), primary_key=field.name == "id", key=field.name)
                for field in self.fields
            ]
            cache[dialect.name] = Table(self.name, MetaData(), *columns)
        return cache[dialect.name]


def ensure_token_secrets(options: dict[str, Any]) -> None:
    """Every token type of an auth collection signs with its own secret; create the missing ones."""
    for key in TOKEN_KEYS:
        config = options.setdefault(key, {})
        if not config.get("secret"):
            config["secret"] = secrets.token_urlsafe(TOKEN_SECRET_LENGTH)[:TOKEN_SECRET_LENGTH]
