"""Google: OpenID Connect's userinfo (`sub`, `name`, `picture`, `email`, `email_verified`).

https://developers.google.com/identity/openid-connect/openid-connect#obtainuserinfo
"""

from __future__ import annotations

from typing import Any, Mapping

from ..base import Provider, monogram, text, truthy
from ..registry import register
from ..user import OAuth2User


@register
class Google(Provider):
    name = "google"
    display_name = "Google"
    logo = monogram("G", "#4285f4")
    order = 2
    scopes = ("https://www.googleapis.com/auth/userinfo.profile", "https://www.googleapis.com/auth/userinfo.email")
    auth_url = "https://accounts.google.com/o/oauth2/v2/auth"
    token_url = "https://oauth2.googleapis.com/token"
    user_info_url = "https://www.googleapis.com/oauth2/v3/userinfo"

    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        return OAuth2User(
            id=text(raw.get("sub")),
            name=text(raw.get("name")),
            avatar_url=text(raw.get("picture")),
            email=text(raw.get("email")) if truthy(raw.get("email_verified")) else "",
        )
