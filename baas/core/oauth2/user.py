"""`OAuth2User`: what a provider says about the person who signed in, in one shape for every provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class OAuth2User:
    """The profile of a provider account, normalized (PocketBase's `AuthUser`).

    `id` is the provider's stable account id (what `_externalAuths.providerId` stores). `email` is the
    address the provider reports; `email_verified` says whether the provider vouches for it (only then
    does baas link the sign-in to an existing account with that email, or mark a new account verified).
    Providers that cannot vouch for an address either leave `email` empty or set `email_verified=False`.
    `raw_user` is the provider's own profile JSON, untouched."""

    id: str
    name: str = ""
    username: str = ""
    email: str = ""
    avatar_url: str = ""
    raw_user: dict[str, Any] = field(default_factory=dict)
    access_token: str = ""
    refresh_token: str = ""
    expiry: str = ""  # PocketBase's datetime text, "" when the provider gave no expiry
    email_verified: bool = True

    def meta(self, *, is_new: bool) -> dict[str, Any]:
        """The `meta` of the auth answer, with PocketBase's keys (and the legacy `avatarUrl`)."""
        return {
            "id": self.id,
            "name": self.name,
            "username": self.username,
            "email": self.email,
            "avatarURL": self.avatar_url,
            "rawUser": self.raw_user,
            "accessToken": self.access_token,
            "refreshToken": self.refresh_token,
            "expiry": self.expiry,
            "avatarUrl": self.avatar_url,
            "isNew": is_new,
        }
