"""OpenID Connect documents and id_tokens: discovery, JWKS, and the id_token checks (joserfc).

`id_token_claims` returns the claims of an id_token after checking `aud` (the client id), `iss` (one of
the expected issuers, when known), `exp`/`iat`/`nbf` (with `LEEWAY` seconds of clock skew) and, with a
JWKS URL, the signature (asymmetric algorithms only; the key is picked by `kid`, and an unknown `kid`
refetches the key set once, for key rotation). Without a JWKS URL the signature is not checked, as
PocketBase does: the token came straight from the provider's token endpoint.

Discovery documents and key sets are cached per URL for `CACHE_SECONDS`.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any, Iterable

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from .base import HTTP_TIMEOUT, ProfileError

LEEWAY = 300
CACHE_SECONDS = 300.0
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]

_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def fetch_document(url: str, *, timeout: float = HTTP_TIMEOUT, fresh: bool = False) -> dict[str, Any]:
    """The JSON object at `url` (cached); `ProfileError` when it cannot be had."""
    now = time.monotonic()
    if not fresh:
        with _cache_lock:
            cached = _cache.get(url)
        if cached is not None and cached[0] > now:
            return cached[1]
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProfileError(f"{url}: {error}") from error
    if not isinstance(document, dict):
        raise ProfileError(f"{url}: not a JSON object")
    with _cache_lock:
        _cache[url] = (now + CACHE_SECONDS, document)
    return document


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def discover(issuer: str, *, timeout: float = HTTP_TIMEOUT) -> dict[str, Any]:
    """The issuer's `/.well-known/openid-configuration`, which must name that same issuer."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = fetch_document(url, timeout=timeout)
    if document.get("issuer") and document["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise ProfileError(f"{url}: the document is for the issuer {document['issuer']!r}")
    return document


def _segment(id_token: str, index: int) -> dict[str, Any]:
    """One decoded JSON part of a compact JWS (0 the header, 1 the payload), not verified."""
    parts = id_token.split(".")
    if len(parts) != 3:
        raise ProfileError("the id_token is not a compact JWS")
    part = parts[index]
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError as error:
        raise ProfileError("the id_token is not valid JSON") from error
    if not isinstance(value, dict):
        raise ProfileError("the id_token is not a JSON object")
    return value


def _key_set(jwks_url: str, timeout: float, fresh: bool = False) -> KeySet:
    try:
        return KeySet.import_key_set(fetch_document(jwks_url, timeout=timeout, fresh=fresh))
    except (ValueError, JoseError) as error:
        raise ProfileError(f"{jwks_url}: not a usable key set: {error}") from error


def _verified_claims(id_token: str, jwks_url: str, timeout: float) -> dict[str, Any]:
    keys = _key_set(jwks_url, timeout)
    kid = _segment(id_token, 0).get("kid")
    if kid and all(key.kid != kid for key in keys.keys):  # the provider may have rotated its keys
        keys = _key_set(jwks_url, timeout, fresh=True)
    try:
        return dict(jwt.decode(id_token, keys, algorithms=ALGORITHMS).claims)
    except (ValueError, JoseError) as error:
        raise ProfileError(f"invalid id_token: {error}") from error


def id_token_claims(
    id_token: Any,
    *,
    client_id: str,
    issuers: Iterable[str] = (),
    jwks_url: str = "",
    require_exp: bool = False,
    timeout: float = HTTP_TIMEOUT,
) -> dict[str, Any]:
    if not isinstance(id_token, str) or not id_token:
        raise ProfileError("empty id_token")
    claims = _verified_claims(id_token, jwks_url, timeout) if jwks_url else _segment(id_token, 1)
    options: dict[str, Any] = {"aud": {"essential": True, "value": client_id}}
    issuers = [issuer for issuer in issuers if issuer]
    if issuers:
        options["iss"] = {"essential": True, "values": issuers}
    if require_exp:
        options["exp"] = {"essential": True}
    try:
        JWTClaimsRegistry(leeway=LEEWAY, **options).validate(claims)
    except JoseError as error:
        raise ProfileError(f"invalid id_token claims: {error}") from error
    return claims
