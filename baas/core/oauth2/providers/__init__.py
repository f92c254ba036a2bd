"""The built-in OAuth2 providers, one module each; importing the package registers them all.

    apple      id_token (Apple's keys)            google     OpenID userinfo
    microsoft  Graph /me (email not vouched)      facebook   Graph /me
    github     /user + /user/emails               gitlab     /api/v4/user
    discord    /users/@me                         twitter    X API v2 /users/me
    spotify    /v1/me (no email)                  twitch     Helix /users
    oidc, oidc2, oidc3   any OpenID Connect provider (discovery, id_token against the JWKS)
"""

from __future__ import annotations

from . import apple, discord, facebook, github, gitlab, google, microsoft, oidc, spotify, twitch, twitter

__all__ = ["apple", "discord", "facebook", "github", "gitlab", "google", "microsoft", "oidc", "spotify", "twitch", "twitter"]
