"""GitLab: `GET /api/v4/user`; the email counts only once the account confirmed it (`confirmed_at`).

https://docs.gitlab.com/api/users/#get-the-current-user
"""

from __future__ import annotations

from typing import Any, Mapping

from ..base import Provider, monogram, text
from ..registry import register
from ..user import OAuth2User


@register
class GitLab(Provider):
    name = "gitlab"
    display_name = "GitLab"
    logo = monogram("GL", "#fc6d26")
    order = 8
    scopes = ("read_user",)
    auth_url = "https://gitlab.com/oauth/authorize"
    token_url = "https://gitlab.com/oauth/token"
    user_info_url = "https://gitlab.com/api/v4/user"

    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        return OAuth2User(
            id=text(raw.get("id")),
            name=text(raw.get("name")),
            username=text(raw.get("username")),
            avatar_url=text(raw.get("avatar_url")),
            email=text(raw.get("email")) if text(raw.get("confirmed_at")) else "",
        )
