"""Shared helpers of the field-type tests: contexts, dialects and error rendering. No database involved."""

from __future__ import annotations

from typing import Any

from baas.db.dialect import PostgresDialect, SQLiteDialect
from baas.errors import FieldError
from baas.schema.collection import Collection
from baas.schema.fields import Field, SettingsContext, ValueContext, field_from_json

SQLITE = SQLiteDialect()
POSTGRES = PostgresDialect()


def collection(name: str = "posts", *, id: str = "", type: str = "base", fields=()) -> Collection:
    return Collection(id=id or f"pbc_{name}", name=name, type=type, fields=fields)


def value_ctx(*, original: Any = None, is_new: bool = True, lookup_ids=None) -> ValueContext:
    return ValueContext(collection(), lookup_ids=lookup_ids, original=original, is_new=is_new)


def rendered(error: FieldError | dict | None) -> Any:
    """An error (or a nested dict of them) as the API's JSON shows it."""
    if error is None:
        return None
    if isinstance(error, FieldError):
        return error.to_json()
    return {key: rendered(value) for key, value in error.items()}


def check(field: Field, raw: Any, ctx: ValueContext | None = None) -> dict | None:
    """Prepare `raw` like API input, validate it and return the rendered error (None when valid)."""
    return rendered(field.validate(field.prepare(raw), ctx or value_ctx()))


def settings_errors(field: Field, *others: Collection, owner: Collection | None = None) -> dict:
    """Rendered `validate_settings` errors of `field` inside `owner` (a base collection holding just it)."""
    owner = owner or collection("owner", fields=[field])
    everything = {c.id: c for c in (owner, *others)}
    return rendered(field.validate_settings(SettingsContext(owner, everything)))


def roundtrip(definition: dict) -> dict:
    """A definition loaded and written back, as the API would return it."""
    return field_from_json(definition).to_json()


REQUIRED = {"code": "validation_required", "message": "Cannot be blank."}


def below(threshold) -> dict:
    """The rendered error of an option under its allowed minimum."""
    return {
        "code": "validation_min_greater_equal_than_required",
        "message": f"Must be no less than {threshold}.",
        "params": {"threshold": threshold},
    }


def above(threshold) -> dict:
    """The rendered error of an option over its allowed maximum."""
    return {
        "code": "validation_max_less_equal_than_required",
        "message": f"Must be no greater than {threshold}.",
        "params": {"threshold": threshold},
    }
