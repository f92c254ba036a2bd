"""Who is calling: auth tokens to records, and password sign-in for any auth collection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func

from .. import errors
from ..schema.collection import Collection
from . import tokens
from .records.record import Record

if TYPE_CHECKING:
    from .app import App

AUTH_FAILED = "Failed to authenticate."


def record_from_token(app: "App", token: str) -> Record | None:
    """The record an auth token belongs to, or None for any invalid, expired or foreign token."""
    try:
        claims = tokens.peek(token)
    except tokens.InvalidToken:
        return None
    collection = app.collections.get(str(claims.get("collectionId", "")))
    if collection is None or not collection.is_auth or claims.get("type") != tokens.AUTH:
        return None
    record = app.records_repo.find(collection, str(claims.get("id", "")))
    if record is None:
        return None
    try:
        tokens.verify(token, collection, record.get("tokenKey", ""), tokens.AUTH)
    except tokens.InvalidToken:
        return None
    return record


def auth_token(record: Record, *, duration: int | None = None, refreshable: bool = True) -> str:
    return tokens.issue(
        record.collection, record.id, record.get("tokenKey", ""), tokens.AUTH, duration=duration, refreshable=refreshable
    )


def find_by_identity(app: "App", collection: Collection, identity: str, field_name: str) -> Record | None:
    table = collection.table(app.db.dialect)
    column = table.c[field_name]
    if field_name == "email":  # PocketBase matches emails case-insensitively
        return app.records_repo.find_first(collection, func.lower(column) == identity.lower())
    return app.records_repo.find_first(collection, column == identity)


def password_sign_in(app: "App", collection: Collection, identity: str, password: str, identity_field: str = "") -> Record:
    """The record whose identity and password match; a 400 "Failed to authenticate." otherwise."""
    options = collection.options.get("passwordAuth", {})
    if not options.get("enabled"):
        raise errors.forbidden("The collection is not configured to allow password authentication.")
    fields = list(options.get("identityFields") or [])
    if identity_field:
        if identity_field not in fields:
            raise errors.bad_request(
                "An error occurred while validating the submitted data.",
                {"identityField": errors.FieldError("validation_in_invalid", "Must be a valid value.")},
            )
        fields = [identity_field]
    for field_name in fields:
        if collection.get_field(field_name) is None:
            continue
        record = find_by_identity(app, collection, identity, field_name)
        if record is not None:
            stored = record.get("password")
            if stored is not None and stored.matches(password):
                return record
            break
    raise errors.bad_request(AUTH_FAILED)
