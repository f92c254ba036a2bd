"""A collection's `oauth2` options: its providers, as configured objects, and what `auth-methods` shows.

`oauth2.providers[]` entries are `{name, clientId, clientSecret, authURL, tokenURL, userInfoURL,
displayName, pkce, extra}`; a name the registry does not know, or a provider that cannot be prepared
(e.g. OIDC discovery fails), is left out of `auth-methods`, as PocketBase skips providers it cannot
initialize.
"""

from __future__ import annotations

import logging
from typing import Any

from ...schema.collection import Collection
from .base import Provider, ProviderError, random_text, s256_challenge
from .registry import provider_class, provider_classes

log = logging.getLogger("baas.auth.oauth2")

STATE_LENGTH = 30
VERIFIER_LENGTH = 43


def options(collection: Collection) -> dict[str, Any]:
    value = collection.options.get("oauth2")
    return value if isinstance(value, dict) else {}


def enabled(collection: Collection) -> bool:
    return collection.is_auth and bool(options(collection).get("enabled"))


def provider_configs(collection: Collection) -> list[dict[str, Any]]:
    return [entry for entry in options(collection).get("providers") or [] if isinstance(entry, dict)]


def find_config(collection: Collection, name: str) -> dict[str, Any] | None:
    """The collection's options for provider `name`, if it lists one the registry knows."""
    if not name:
        return None
    for entry in provider_configs(collection):
        if entry.get("name") == name and provider_class(name) is not None:
            return entry
    return None


def build(entry: dict[str, Any]) -> Provider:
    """A configured provider for one `oauth2.providers[]` entry (its name must be registered)."""
    cls = provider_class(str(entry.get("name") or ""))
    if cls is None:
        raise ProviderError(f"unknown OAuth2 provider {entry.get('name')!r}")
    return cls(entry)


def all_providers() -> list[dict[str, str]]:
    """`GET /api/collections/meta/oauth2-providers`: every built-in provider."""
    return [cls.describe() for cls in provider_classes()]


def auth_methods(collection: Collection) -> dict[str, Any]:
    """The `oauth2` part of `auth-methods`: per usable provider a fresh state and PKCE pair and the consent
    page URL (ending with `redirect_uri=`), plus the legacy `authUrl` duplicate."""
    if not enabled(collection):
        return {"providers": [], "enabled": False}
    found = []
    for entry in provider_configs(collection):
        try:
            provider = build(entry)
            provider.prepare()
        except ProviderError as error:
            log.debug("OAuth2 provider %r of %s left out: %s", entry.get("name"), collection.name, error)
            continue
        state = random_text(STATE_LENGTH)
        verifier = challenge = method = ""
        if provider.pkce:
            verifier = random_text(VERIFIER_LENGTH)
            challenge, method = s256_challenge(verifier), "S256"
        url = provider.build_auth_url(state, challenge)
        found.append({
            "name": entry["name"],
            "displayName": provider.display_name,
            "logo": type(provider).logo,
            "state": state,
            "authURL": url,
            "authUrl": url,
            "codeVerifier": verifier,
            "codeChallenge": challenge,
            "codeChallengeMethod": method,
        })
    return {"providers": found, "enabled": True}
