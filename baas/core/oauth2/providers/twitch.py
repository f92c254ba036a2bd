"""Twitch: Helix `GET /helix/users` (needs the `Client-Id` header); `email` is the verified address.

https://dev.twitch.tv/docs/api/reference/#get-users
"""

from __future__ import annotations

from typing import Any, Mapping

from ..base import ProfileError, Provider, monogram, text
from ..registry import register
from ..user import OAuth2User


@register
class Twitch(Provider):
    name = "twitch"
    display_name = "Twitch"
    logo = monogram("T", "#9146ff")
    order = 23
    scopes = ("user:read:email",)
    auth_url = "https://id.twitch.tv/oauth2/authorize"
    token_url = "https://id.twitch.tv/oauth2/token"
    user_info_url = "https://api.twitch.tv/helix/users"
    token_auth_methods = ("client_secret_post", "client_secret_basic")

    def fetch_raw_user(self, token: Mapping[str, Any]) -> dict[str, Any]:
        raw = self.get_json(self.user_info_url, token, headers={"Client-Id": self.client_id})
        if not isinstance(raw, dict):
            raise ProfileError(f"{self.user_info_url}: the profile is not a JSON object")
        return raw

    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        users = raw.get("data") if isinstance(raw.get("data"), list) else []
        if not users or not isinstance(users[0], dict):
            raise ProfileError("twitch: the answer holds no user")
        user = users[0]
        return OAuth2User(
            id=text(user.get("id")),
            name=text(user.get("display_name")),
            username=text(user.get("login")),
            email=text(user.get("email")),
            avatar_url=text(user.get("profile_image_url")),
        )
