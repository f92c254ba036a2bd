"""Facebook: Graph API `GET /me?fields=name,email,picture.type(large)` (Facebook only returns a
confirmed address as `email`).

https://developers.facebook.com/docs/graph-api/reference/user/
"""

from __future__ import annotations

from typing import Any, Mapping

from ..base import Provider, monogram, text
from ..registry import register
from ..user import OAuth2User


@register
class Facebook(Provider):
    name = "facebook"
    display_name = "Facebook"
    logo = monogram("f", "#1877f2")
    order = 5
    scopes = ("email",)
    auth_url = "https://www.facebook.com/v3.2/dialog/oauth"
    token_url = "https://graph.facebook.com/v3.2/oauth/access_token"
    user_info_url = "https://graph.facebook.com/me?fields=name,email,picture.type(large)"
    token_auth_methods = ("client_secret_post", "client_secret_basic")

    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        picture = raw.get("picture") if isinstance(raw.get("picture"), dict) else {}
        data = picture.get("data") if isinstance(picture.get("data"), dict) else {}
        return OAuth2User(
            id=text(raw.get("id")),
            name=text(raw.get("name")),
            email=text(raw.get("email")),
            avatar_url=text(data.get("url")),
        )
