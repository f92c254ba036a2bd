"""PocketBase-compatible JWTs (HS256).

A token is signed with the record's `tokenKey` plus the collection's secret for that token type, so
changing the password or the email (both rotate `tokenKey`) or the collection's secret invalidates every
token of that kind. Only HS256 is accepted: `alg: none` and any other algorithm fail before the signature
check, and a token of one type never passes as another (each type has its own secret *and* the `type`
claim is checked).

Claims, as PocketBase writes them (keys sorted, no `iat`):

    auth           {collectionId, exp, id, refreshable, type}
    file           {collectionId, exp, id, type}
    verification   {collectionId, email, exp, id, type}
    passwordReset  {collectionId, email, exp, id, type}
    emailChange    {collectionId, email, exp, id, newEmail, type}
"""

from __future__ import annotations

import base64
import time
from typing import TYPE_CHECKING, Any

import orjson

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from ..schema.collection import Collection

if TYPE_CHECKING:
    from .records.record import Record

AUTH = "auth"
FILE = "file"
VERIFICATION = "verification"
PASSWORD_RESET = "passwordReset"
EMAIL_CHANGE = "emailChange"

#: token type -> the auth collection option holding its duration and secret
CONFIG_KEYS = {
    AUTH: "authToken",
    FILE: "fileToken",
    VERIFICATION: "verificationToken",
    PASSWORD_RESET: "passwordResetToken",
    EMAIL_CHANGE: "emailChangeToken",
}

ALGORITHMS = ["HS256"]


class InvalidToken(Exception):
    pass


def signing_key(collection: Collection, token_key: str, token_type: str) -> OctKey:
    return OctKey.import_key((token_key + collection.token_secret(CONFIG_KEYS[token_type])).encode())


def issue(
    collection: Collection,
    record_id: str,
    token_key: str,
    token_type: str = AUTH,
    *,
    duration: int | None = None,
    refreshable: bool = True,
    extra: dict[str, Any] | None = None,
) -> str:
    """A signed token; `duration` (seconds) defaults to the collection's setting for the type."""
    config = collection.options[CONFIG_KEYS[token_type]]
    seconds = duration or int(config.get("duration") or 0)
    claims: dict[str, Any] = {
        "collectionId": collection.id,
        "exp": int(time.time()) + seconds,
        "id": record_id,
        "type": token_type,
    }
    if token_type == AUTH:
        claims["refreshable"] = refreshable
    claims.update(extra or {})
    claims = dict(sorted(claims.items()))
    return jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, signing_key(collection, token_key, token_type), algorithms=ALGORITHMS)


def for_record(record: "Record", token_type: str, *, duration: int | None = None, refreshable: bool = True, **extra: Any) -> str:
    """A token of `token_type` for an auth record, signed with its current `tokenKey`."""
    return issue(
        record.collection, record.id, record.get("tokenKey", ""), token_type,
        duration=duration, refreshable=refreshable, extra=extra,
    )


def verification_token(record: "Record") -> str:
    return for_record(record, VERIFICATION, email=record.get("email", ""))


def password_reset_token(record: "Record") -> str:
    return for_record(record, PASSWORD_RESET, email=record.get("email", ""))


def email_change_token(record: "Record", new_email: str) -> str:
    return for_record(record, EMAIL_CHANGE, email=record.get("email", ""), newEmail=new_email)


def file_token(record: "Record") -> str:
    return for_record(record, FILE)


def peek(token: str) -> dict[str, Any]:
    """The unverified claims, only to learn which record and collection to verify the token against."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("malformed token")
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, orjson.JSONDecodeError) as error:
        raise InvalidToken("malformed token") from error
    if not isinstance(claims, dict):
        raise InvalidToken("malformed token claims")
    return claims


def peek_or_empty(token: str) -> dict[str, Any]:
    try:
        return peek(token)
    except InvalidToken:
        return {}


def verify(token: str, collection: Collection, token_key: str, token_type: str) -> dict[str, Any]:
    """Check signature, algorithm, expiry, type and collection; return the claims or raise InvalidToken."""
    try:
        claims = jwt.decode(token, signing_key(collection, token_key, token_type), algorithms=ALGORITHMS).claims
    except (JoseError, ValueError) as error:
        raise InvalidToken(str(error)) from error
    expiry = claims.get("exp")
    if not isinstance(expiry, (int, float)) or isinstance(expiry, bool) or expiry <= time.time():
        raise InvalidToken("expired or missing expiry")
    if claims.get("type") != token_type or claims.get("collectionId") != collection.id:
        raise InvalidToken("wrong token type or collection")
    return dict(claims)
