"""Microsoft (Entra ID / personal accounts): Microsoft Graph `GET /v1.0/me`.

Graph's `mail` is an attribute a tenant administrator may set to any address, so Microsoft does not
vouch for it: it is reported (and used as a new account's email) but never links to an existing account
or marks one verified. `extra.tenant` replaces `common` in the default endpoints.

https://learn.microsoft.com/en-us/graph/api/user-get
"""

from __future__ import annotations

from typing import Any, Mapping

from ..base import Provider, monogram, text
from ..registry import register
from ..user import OAuth2User

ENDPOINT = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/"


@register
class Microsoft(Provider):
    name = "microsoft"
    display_name = "Microsoft"
    logo = monogram("M", "#00a4ef")
    order = 3
    scopes = ("User.Read",)
    auth_url = ENDPOINT.format(tenant="common") + "authorize"
    token_url = ENDPOINT.format(tenant="common") + "token"
    user_info_url = "https://graph.microsoft.com/v1.0/me"
    token_auth_methods = ("client_secret_post", "client_secret_basic")

    def __init__(self, config: Mapping[str, Any] | None = None):
        super().__init__(config)
        tenant = text(self.extra.get("tenant"))
        if tenant and not (config or {}).get("authURL"):
            self.auth_url = ENDPOINT.format(tenant=tenant) + "authorize"
        if tenant and not (config or {}).get("tokenURL"):
            self.token_url = ENDPOINT.format(tenant=tenant) + "token"

    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        return OAuth2User(
            id=text(raw.get("id")),
            name=text(raw.get("displayName")),
            email=text(raw.get("mail")),
            email_verified=False,
        )
