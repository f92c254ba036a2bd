"""X (Twitter): API v2 `GET /2/users/me` with `confirmed_email` (scope `users.email`), which X only
returns once the address is confirmed.

https://docs.x.com/x-api/users/user-lookup-me
"""

from __future__ import annotations

from typing import Any, Mapping

from ..base import Provider, monogram, text
from ..registry import register
from ..user import OAuth2User


@register
class Twitter(Provider):
    name = "twitter"
    display_name = "X/Twitter"
    logo = monogram("X", "#000000")
    order = 13
    scopes = ("users.read", "users.email", "tweet.read")
    auth_url = "https://x.com/i/oauth2/authorize"
    token_url = "https://api.x.com/2/oauth2/token"
    user_info_url = "https://api.x.com/2/users/me?user.fields=id,name,username,profile_image_url,confirmed_email"

    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
        return OAuth2User(
            id=text(data.get("id")),
            name=text(data.get("name")),
            username=text(data.get("username")),
            avatar_url=text(data.get("profile_image_url")),
            email=text(data.get("confirmed_email")),
        )
