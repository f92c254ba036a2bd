"""Spotify: `GET /v1/me`. Spotify calls its `email` unverified, so it is not asked for (no
`user-read-email` scope) and never used.

https://developer.spotify.com/documentation/web-api/reference/get-current-users-profile
"""

from __future__ import annotations

from typing import Any, Mapping

from ..base import Provider, monogram, text
from ..registry import register
from ..user import OAuth2User


@register
class Spotify(Provider):
    name = "spotify"
    display_name = "Spotify"
    logo = monogram("S", "#1db954")
    order = 21
    scopes = ("user-read-private",)
    auth_url = "https://accounts.spotify.com/authorize"
    token_url = "https://accounts.spotify.com/api/token"
    user_info_url = "https://api.spotify.com/v1/me"

    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        images = [image for image in raw.get("images") or [] if isinstance(image, dict)]
        return OAuth2User(
            id=text(raw.get("id")),
            name=text(raw.get("display_name")),
            avatar_url=text(images[0].get("url")) if images else "",
        )
