"""Discord: `GET /api/users/@me`; the email counts when `verified`, the avatar URL is built from the
avatar hash (none without one).

https://discord.com/developers/docs/resources/user#get-current-user
"""

from __future__ import annotations

from typing import Any, Mapping

from ..base import Provider, monogram, text
from ..registry import register
from ..user import OAuth2User


@register
class Discord(Provider):
    name = "discord"
    display_name = "Discord"
    logo = monogram("D", "#5865f2")
    order = 12
    scopes = ("identify", "email")
    auth_url = "https://discord.com/api/oauth2/authorize"
    token_url = "https://discord.com/api/oauth2/token"
    user_info_url = "https://discord.com/api/users/@me"

    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        user_id, avatar = text(raw.get("id")), text(raw.get("avatar"))
        extension = "gif" if avatar.startswith("a_") else "png"
        return OAuth2User(
            id=user_id,
            name=text(raw.get("global_name")) or text(raw.get("username")),
            username=text(raw.get("username")),
            avatar_url=f"https://cdn.discordapp.com/avatars/{user_id}/{avatar}.{extension}" if avatar else "",
            email=text(raw.get("email")) if raw.get("verified") is True else "",
        )
