"""Sign in with Apple: no userinfo endpoint; the profile is the id_token of the token response, checked
against Apple's keys (issuer `https://appleid.apple.com`, audience the client id, not expired). Apple
sends the person's name only once, to the redirect (form field `user`); `/api/oauth2-redirect` keeps it
for the sign-in that follows. The consent page answers with `response_mode=form_post`.

`extra.jwksURL` replaces Apple's key set URL (tests). The client secret is the JWT Apple asks for.

https://developer.apple.com/documentation/signinwithapple/authenticating-users-with-sign-in-with-apple
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from ..base import Provider, monogram, text, truthy
from ..idtoken import id_token_claims
from ..registry import register
from ..user import OAuth2User

ISSUER = "https://appleid.apple.com"


@register
class Apple(Provider):
    name = "apple"
    display_name = "Apple"
    logo = monogram("A", "#000000")
    order = 1
    scopes = ("name", "email")
    auth_url = "https://appleid.apple.com/auth/authorize"
    token_url = "https://appleid.apple.com/auth/token"
    jwks_url = "https://appleid.apple.com/auth/keys"
    auth_params = {"response_mode": "form_post"}
    token_auth_methods = ("client_secret_post",)

    def fetch_raw_user(self, token: Mapping[str, Any]) -> dict[str, Any]:
        claims = id_token_claims(
            token.get("id_token"), client_id=self.client_id, issuers=[ISSUER],
            jwks_url=text(self.extra.get("jwksURL")) or self.jwks_url, require_exp=True, timeout=self.timeout,
        )
        user = token.get("user")  # Apple's name object, when the token response carries it
        if isinstance(user, str) and user:
            try:
                claims["user"] = json.loads(user)
            except ValueError:
                pass
        return claims

    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        user = raw.get("user") if isinstance(raw.get("user"), dict) else {}
        names = user.get("name") if isinstance(user.get("name"), dict) else {}
        full_name = f"{text(names.get('firstName'))} {text(names.get('lastName'))}".strip()
        return OAuth2User(
            id=text(raw.get("sub")),
            name=text(raw.get("name")) or full_name,
            email=text(raw.get("email")) if truthy(raw.get("email_verified")) else "",
        )
