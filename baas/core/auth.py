"""Who is calling: tokens to records, identities to records, and password checks for any auth collection.

Password checks take the same time whether or not the account exists: an unknown identity is compared
against a dummy bcrypt hash of the default cost, so response times do not reveal which accounts exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func

from .. import errors
from ..schema.collection import Collection
from ..schema.fields.email import is_email as is_email_format
from ..schema.fields.password import PasswordValue
from ..schema.indexes import InvalidIndex, parse_index
from . import tokens
from .records.record import Record

if TYPE_CHECKING:
    from .app import App

AUTH_FAILED = "Failed to authenticate."
#: bcrypt ($2a$, cost 10) of a random string nobody knows; compared against when there is no account
_DUMMY_HASH = PasswordValue.from_hash("$2a$10$6QrPo7JZ5cAshQS98wMmEOfMct2pDNe8jvBhUDDztTt7UPf8qBGmC")


def find_record_by_token(app: "App", token: str, *types: str) -> Record:
    """The auth record a token of one of `types` belongs to; raise `tokens.InvalidToken` otherwise.

    The unverified claims only say which record and collection to look at; the signature is then checked
    with that record's `tokenKey` and the collection's secret for the token's type."""
    claims = tokens.peek(token)
    record_id, collection_id, token_type = (claims.get(key) for key in ("id", "collectionId", "type"))
    if not all(isinstance(value, str) and value for value in (record_id, collection_id, token_type)):
        raise tokens.InvalidToken("missing or invalid token claims")
    if types and token_type not in types:
        raise tokens.InvalidToken(f"invalid token type {token_type!r}")
    if token_type not in tokens.CONFIG_KEYS:
        raise tokens.InvalidToken(f"unknown token type {token_type!r}")
    collection = app.collections.get(collection_id)
    if collection is None or not collection.is_auth or collection.id != collection_id:
        raise tokens.InvalidToken("the token is not associated to an auth collection")
    record = app.records_repo.find(collection, record_id)
    if record is None:
        raise tokens.InvalidToken("missing auth record")
    tokens.verify(token, collection, record.get("tokenKey", ""), token_type)
    return record


def record_from_token(app: "App", token: str) -> Record | None:
    """The record an auth token belongs to, or None for any invalid, expired or foreign token."""
    try:
        return find_record_by_token(app, token, tokens.AUTH)
    except tokens.InvalidToken:
        return None


def auth_token(record: Record, *, duration: int | None = None, refreshable: bool = True) -> str:
    return tokens.for_record(record, tokens.AUTH, duration=duration, refreshable=refreshable)


def find_by_email(app: "App", collection: Collection, email: str) -> Record | None:
    """The record with exactly this email (PocketBase's `FindAuthRecordByEmail` is case-sensitive)."""
    if not email or collection.get_field("email") is None:
        return None
    table = collection.table(app.db.dialect)
    return app.records_repo.find_first(collection, table.c["email"] == email)


def unique_index_collation(collection: Collection, field_name: str) -> str | None:
    """The collation of the single-column UNIQUE index on `field_name` ("" for none), or None without one."""
    for sql in collection.indexes:
        try:
            index = parse_index(sql)
        except InvalidIndex:
            continue
        if not index.unique or len(index.columns) != 1:
            continue
        column = index.columns[0]
        if column.name.lower() == field_name.lower() and not getattr(column, "function", None):
            return (column.collate or "").upper()
    return None


def find_by_identity(app: "App", collection: Collection, identity: str, field_name: str) -> Record | None:
    """The record whose identity field equals `identity`, as PocketBase's password auth looks it up.

    The field must be backed by a single-column UNIQUE index (otherwise nothing is found); the match is
    case-insensitive only when that index uses `COLLATE NOCASE`."""
    collation = unique_index_collation(collection, field_name)
    if collation is None or collection.get_field(field_name) is None or not identity:
        return None
    column = collection.table(app.db.dialect).c[field_name]
    if collation == "NOCASE":
        return app.records_repo.find_first(collection, func.lower(column) == identity.lower())
    return app.records_repo.find_first(collection, column == identity)


def find_for_password_auth(app: "App", collection: Collection, identity: str, identity_field: str = "") -> Record | None:
    """PocketBase's lookup order: the forced `identityField`, else `email` first when the identity looks
    like an email, then the other identity fields in their configured order."""
    fields = list(collection.options.get("passwordAuth", {}).get("identityFields") or [])
    if identity_field:
        return find_by_identity(app, collection, identity, identity_field) if identity_field in fields else None
    is_email = is_email_format(identity)
    if is_email and "email" in fields:
        found = find_by_identity(app, collection, identity, "email")
        if found is not None:
            return found
    for name in fields:
        if name == "email" and not is_email:
            continue
        found = find_by_identity(app, collection, identity, name)
        if found is not None:
            return found
    return None


def password_matches(record: Record | None, password: str) -> bool:
    """Whether `password` is the record's, in constant time; without a record (or hash) a dummy compare
    keeps the timing the same."""
    stored = record.get("password") if record is not None else None
    if not isinstance(stored, PasswordValue) or not stored.hash:
        _DUMMY_HASH.matches(password)
        return False
    return stored.matches(password)


def password_sign_in(app: "App", collection: Collection, identity: str, password: str, identity_field: str = "") -> Record:
    """The record whose identity and password match; a 400 "Failed to authenticate." otherwise.

    No hooks, MFA or rules: the console's login uses it; the API goes through `baas.core.password_auth`."""
    options = collection.options.get("passwordAuth", {})
    if not options.get("enabled"):
        raise errors.forbidden("The collection is not configured to allow password authentication.")
    if identity_field and identity_field not in (options.get("identityFields") or []):
        raise errors.bad_request(
            "An error occurred while validating the submitted data.",
            {"identityField": errors.FieldError("validation_in_invalid", "Must be a valid value.")},
        )
    record = find_for_password_auth(app, collection, identity, identity_field)
    if not password_matches(record, password):
        raise errors.bad_request(AUTH_FAILED)
    return record
