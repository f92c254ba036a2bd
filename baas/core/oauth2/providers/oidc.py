"""Any OpenID Connect provider (`oidc`, and `oidc2`/`oidc3` for a second and third one).

Endpoints come from the options (`authURL`, `tokenURL`, `userInfoURL`) or, for those left empty, from
the discovery document of `extra.issuer` (`<issuer>/.well-known/openid-configuration`, which also gives
the key set and the expected issuer). `extra.jwksURL` and `extra.issuers` set those explicitly.

The profile is the userinfo answer when there is a userinfo URL, otherwise the id_token's claims. An
id_token is checked (audience, issuer, expiry; signature against the key set when one is known) whenever
it is used for the profile or a key set is known, and then its `sub` must match the userinfo's.
The email counts when `email_verified` is true.

https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
"""

from __future__ import annotations

from typing import Any, Mapping

from ..base import ProfileError, Provider, ProviderError, monogram, text, truthy
from ..idtoken import discover, id_token_claims
from ..registry import register
from ..user import OAuth2User


@register
class OIDC(Provider):
    name = "oidc"
    display_name = "OIDC"
    logo = monogram("ID", "#ff6200")
    order = 30
    scopes = ("openid", "email", "profile")

    def __init__(self, config: Mapping[str, Any] | None = None):
        super().__init__(config)
        self.issuer = text(self.extra.get("issuer"))
        self.jwks_url = text(self.extra.get("jwksURL"))
        issuers = self.extra.get("issuers")
        self.issuers = [text(item) for item in issuers if text(item)] if isinstance(issuers, list) else []

    def prepare(self) -> None:
        if self.issuer and not (self.auth_url and self.token_url and self.user_info_url and self.jwks_url and self.issuers):
            try:
                document = discover(self.issuer, timeout=self.timeout)
            except ProfileError as error:
                raise ProviderError(f"{self.name}: discovery failed: {error}") from error
            self.auth_url = self.auth_url or text(document.get("authorization_endpoint"))
            self.token_url = self.token_url or text(document.get("token_endpoint"))
            self.user_info_url = self.user_info_url or text(document.get("userinfo_endpoint"))
            self.jwks_url = self.jwks_url or text(document.get("jwks_uri"))
            self.issuers = self.issuers or [text(document.get("issuer")) or self.issuer]
        if not self.auth_url or not self.token_url:
            raise ProviderError(f"{self.name}: set authURL and tokenURL, or extra.issuer for discovery")

    def fetch_raw_user(self, token: Mapping[str, Any]) -> dict[str, Any]:
        id_token = token.get("id_token")
        claims = None
        if id_token and (self.jwks_url or not self.user_info_url):
            claims = id_token_claims(
                id_token, client_id=self.client_id, issuers=self.issuers, jwks_url=self.jwks_url, timeout=self.timeout
            )
        if not self.user_info_url:
            if claims is None:
                raise ProfileError(f"{self.name}: no userinfo URL and no id_token")
            return claims
        raw = super().fetch_raw_user(token)
        if claims is not None and text(raw.get("sub")) != text(claims.get("sub")):
            raise ProfileError(f"{self.name}: the userinfo `sub` differs from the id_token's")
        return raw

    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        return OAuth2User(
            id=text(raw.get("sub")),
            name=text(raw.get("name")),
            username=text(raw.get("preferred_username")),
            avatar_url=text(raw.get("picture")),
            email=text(raw.get("email")) if truthy(raw.get("email_verified")) else "",
        )


@register
class OIDC2(OIDC):
    name = "oidc2"
    order = 31


@register
class OIDC3(OIDC):
    name = "oidc3"
    order = 32
