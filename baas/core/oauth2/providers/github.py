"""GitHub: `GET /user`, and the primary verified address of `GET /user/emails` when the profile's
public email is empty (an account that keeps its address private).

https://docs.github.com/en/rest/users/users#get-the-authenticated-user
https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
"""

from __future__ import annotations

from typing import Any, Mapping

from ..base import Provider, ProfileError, monogram, text
from ..registry import register
from ..user import OAuth2User


def primary_verified_email(emails: Any) -> str:
    """The address marked both primary and verified in GitHub's `/user/emails` answer, or ""."""
    for entry in emails if isinstance(emails, list) else ():
        if isinstance(entry, dict) and entry.get("primary") is True and entry.get("verified") is True:
            return text(entry.get("email"))
    return ""


@register
class GitHub(Provider):
    name = "github"
    display_name = "GitHub"
    logo = monogram("GH", "#24292f")
    order = 7
    scopes = ("read:user", "user:email")
    auth_url = "https://github.com/login/oauth/authorize"
    token_url = "https://github.com/login/oauth/access_token"
    user_info_url = "https://api.github.com/user"
    token_auth_methods = ("client_secret_post", "client_secret_basic")

    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        # a public profile email is one of the account's verified addresses (GitHub only shows those)
        return OAuth2User(
            id=text(raw.get("id")),
            name=text(raw.get("name")),
            username=text(raw.get("login")),
            email=text(raw.get("email")),
            avatar_url=text(raw.get("avatar_url")),
        )

    def fetch_user(self, token: Mapping[str, Any]) -> OAuth2User:
        user = super().fetch_user(token)
        if not user.email:
            try:
                user.email = primary_verified_email(self.get_json(self.user_info_url.rstrip("/") + "/emails", token))
            except ProfileError as error:  # no `user:email` scope: the profile stays without an email
                if error.status not in (401, 403, 404):
                    raise
        return user
