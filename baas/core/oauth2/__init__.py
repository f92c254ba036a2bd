"""OAuth2 sign-in (PocketBase 0.40's `oauth2` auth option), built on authlib.

    base.py        Provider: the base class (authlib code exchange with PKCE, profile fetch) and errors
    user.py        OAuth2User: the normalized profile and the answer's `meta`
    registry.py    provider name -> class (`@register`); providers/ holds one module per provider
    idtoken.py     OpenID Connect discovery, JWKS and id_token checks (joserfc)
    config.py      a collection's configured providers; the `oauth2` part of auth-methods
    flow.py        auth-with-oauth2: exchange, account lookup, sign-up or link, hook, answer
    avatar.py      the new account's avatar, downloaded into the mapped file field
    redirect.py    /api/oauth2-redirect: the provider's answer to the SDK through realtime `@oauth2`

See docs/auth.md ("OAuth2") for the behaviour and the differences from PocketBase.
"""

from __future__ import annotations

from .base import HTTP_TIMEOUT, ProfileError, Provider, ProviderError, TokenError
from .config import all_providers, auth_methods
from .flow import auth_with_oauth2, install
from .redirect import deliver
from .registry import provider_class, provider_classes, register
from .user import OAuth2User

__all__ = [
    "HTTP_TIMEOUT",
    "OAuth2User",
    "ProfileError",
    "Provider",
    "ProviderError",
    "TokenError",
    "all_providers",
    "auth_methods",
    "auth_with_oauth2",
    "deliver",
    "install",
    "provider_class",
    "provider_classes",
    "register",
]
