"""Each built-in provider: its profile mapping against recorded profile shapes (tests/oauth2/profiles/,
written from the providers' public API docs), its endpoints and scopes (PocketBase 0.40.6's, read from a
live server's auth-methods), and the special cases (GitHub's emails, Apple's id_token)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt

from baas.core.oauth2 import ProfileError, provider_class, provider_classes
from baas.core.oauth2.base import ProfileError as BaseProfileError

PROFILES = Path(__file__).parent / "profiles"
TOKEN = {"access_token": "at", "refresh_token": "rt", "token_type": "Bearer", "expires_at": 1_900_000_000}


def profile(name: str):
    return json.loads((PROFILES / f"{name}.json").read_text())


def mapped(name: str, raw=None, **config) -> dict:
    provider = provider_class(name)({"clientId": "cid", "clientSecret": "secret", **config})
    user = provider.map_user(raw if raw is not None else profile(name), TOKEN)
    return {
        "id": user.id, "name": user.name, "username": user.username, "email": user.email,
        "avatarURL": user.avatar_url, "emailVerified": user.email_verified,
    }


EXPECTED = {
    "google": {
        "id": "110169484474386276334", "name": "Ada Lovelace", "username": "", "email": "ada.lovelace@gmail.com",
        "avatarURL": "https://lh3.googleusercontent.com/a/ACg8ocK-example=s96-c", "emailVerified": True,
    },
    "github": {
        "id": "583231", "name": "The Octocat", "username": "octocat", "email": "",
        "avatarURL": "https://avatars.githubusercontent.com/u/583231?v=4", "emailVerified": True,
    },
    "gitlab": {
        "id": "1", "name": "John Smith", "username": "john_smith", "email": "john@example.com",
        "avatarURL": "https://gitlab.com/uploads/-/system/user/avatar/1/cd8.jpeg", "emailVerified": True,
    },
    "microsoft": {
        "id": "48d31887-5fad-4d73-a9f5-3c356e68a038", "name": "Megan Bowen", "username": "", "email": "MeganB@contoso.com",
        "avatarURL": "", "emailVerified": False,
    },
    "discord": {
        "id": "80351110224678912", "name": "Nelly", "username": "nelly", "email": "nelly@discord.com",
        "avatarURL": "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png",
        "emailVerified": True,
    },
    "facebook": {
        "id": "10158123456789012", "name": "Mark Example", "username": "", "email": "mark@example.com",
        "avatarURL": "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10158&height=200&width=200",
        "emailVerified": True,
    },
    "apple": {
        "id": "001234.56789abcdef0123456789abcdef0123.4567", "name": "Jane Appleseed", "username": "",
        "email": "k7x2yq8mzp@privaterelay.appleid.com", "avatarURL": "", "emailVerified": True,
    },
    "twitter": {
        "id": "2244994945", "name": "X Dev", "username": "XDevelopers", "email": "devs@x.example",
        "avatarURL": "https://pbs.twimg.com/profile_images/1683325380441128960/yRsRRjGO_normal.jpg", "emailVerified": True,
    },
    "twitch": {
        "id": "141981764", "name": "TwitchDev", "username": "twitchdev", "email": "not-real@email.com",
        "avatarURL": "https://static-cdn.jtvnw.net/jtv_user_pictures/8a6381c7-d0c0-4576-b179-38bd5ce1d6af-profile_image-300x300.png",
        "emailVerified": True,
    },
    "spotify": {
        "id": "wizzler", "name": "Example Listener", "username": "", "email": "",
        "avatarURL": "https://i.scdn.co/image/ab6775700000ee85example", "emailVerified": True,
    },
    "oidc": {
        "id": "248289761001", "name": "Jane Doe", "username": "j.doe", "email": "janedoe@example.com",
        "avatarURL": "http://example.com/janedoe/me.jpg", "emailVerified": True,
    },
}

#: PocketBase 0.40.6's auth-methods for each provider: the consent page and the scope it asks for
POCKETBASE = {
    "apple": ("https://appleid.apple.com/auth/authorize", "name email"),
    "google": (
        "https://accounts.google.com/o/oauth2/v2/auth",
        "https://www.googleapis.com/auth/userinfo.profile https://www.googleapis.com/auth/userinfo.email",
    ),
    "microsoft": ("https://login.microsoftonline.com/common/oauth2/v2.0/authorize", "User.Read"),
    "facebook": ("https://www.facebook.com/v3.2/dialog/oauth", "email"),
    "github": ("https://github.com/login/oauth/authorize", "read:user user:email"),
    "gitlab": ("https://gitlab.com/oauth/authorize", "read_user"),
    "discord": ("https://discord.com/api/oauth2/authorize", "identify email"),
    "twitter": ("https://x.com/i/oauth2/authorize", "users.read users.email tweet.read"),
    "spotify": ("https://accounts.spotify.com/authorize", "user-read-private"),
    "twitch": ("https://id.twitch.tv/oauth2/authorize", "user:read:email"),
}
POCKETBASE_DISPLAY = {"twitter": "X/Twitter", "github": "GitHub", "gitlab": "GitLab", "oidc": "OIDC"}


def test_there_are_at_least_ten_named_providers_plus_oidc():
    names = [cls.name for cls in provider_classes()]
    assert set(POCKETBASE) <= set(names) and {"oidc", "oidc2", "oidc3"} <= set(names)
    assert len(set(names) - {"oidc", "oidc2", "oidc3"}) >= 10


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_profile_mapping(name):
    assert mapped(name) == EXPECTED[name]


def test_every_named_provider_has_a_recorded_profile():
    assert {cls.name for cls in provider_classes()} - {"oidc2", "oidc3"} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(POCKETBASE))
def test_endpoints_and_scopes_are_pocketbases(name):
    url, scope = POCKETBASE[name]
    provider = provider_class(name)({"clientId": "cid", "clientSecret": "s"})
    built = urlsplit(provider.build_auth_url("state123", "c" * 43))
    assert f"{built.scheme}://{built.netloc}{built.path}" == url
    assert parse_qs(built.query)["scope"] == [scope]
    assert provider.token_url.startswith("https://") and (provider.user_info_url.startswith("https://") or name == "apple")
    assert provider.pkce is True
    if name in POCKETBASE_DISPLAY:
        assert provider.display_name == POCKETBASE_DISPLAY[name]


def test_options_override_the_defaults():
    provider = provider_class("google")({
        "clientId": "cid", "authURL": "http://idp.test/a?tenant=x", "tokenURL": "http://idp.test/t",
        "userInfoURL": "http://idp.test/u", "displayName": "Work Google", "pkce": False,
    })
    assert (provider.auth_url, provider.token_url, provider.user_info_url) == ("http://idp.test/a?tenant=x", "http://idp.test/t", "http://idp.test/u")
    assert (provider.display_name, provider.pkce) == ("Work Google", False)
    assert provider.build_auth_url("s").startswith("http://idp.test/a?tenant=x&client_id=cid&")


def test_microsoft_tenant():
    provider = provider_class("microsoft")({"clientId": "cid", "extra": {"tenant": "contoso.onmicrosoft.com"}})
    assert provider.auth_url == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
    assert provider.token_url == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"


@pytest.mark.parametrize(
    "name, change, field, value",
    [
        ("google", {"email_verified": False}, "email", ""),
        ("gitlab", {"confirmed_at": None}, "email", ""),
        ("discord", {"verified": False}, "email", ""),
        ("discord", {"avatar": None}, "avatarURL", ""),
        ("discord", {"avatar": "a_animated", "global_name": None}, "avatarURL", "https://cdn.discordapp.com/avatars/80351110224678912/a_animated.gif"),
        ("discord", {"global_name": None}, "name", "nelly"),
        ("apple", {"email_verified": False}, "email", ""),
        ("apple", {"email_verified": True}, "email", "k7x2yq8mzp@privaterelay.appleid.com"),
        ("apple", {"user": None}, "name", ""),
        ("oidc", {"email_verified": False}, "email", ""),
        ("oidc", {"email_verified": "false"}, "email", ""),
        ("spotify", {"images": []}, "avatarURL", ""),
    ],
)
def test_mapping_edge_cases(name, change, field, value):
    raw = {**profile(name), **change}
    assert mapped(name, raw)[field] == value


def test_twitter_without_a_confirmed_email():
    raw = profile("twitter")
    del raw["data"]["confirmed_email"]
    assert mapped("twitter", raw)["email"] == ""


def test_twitch_without_users_is_an_error():
    with pytest.raises(ProfileError):
        mapped("twitch", {"data": []})


def test_fetch_user_adds_the_token_values():
    provider = provider_class("google")({"clientId": "cid"})
    provider.fetch_raw_user = lambda token: profile("google")
    user = provider.fetch_user(TOKEN)
    assert (user.access_token, user.refresh_token, user.expiry) == ("at", "rt", "2030-03-17 17:46:40.000Z")
    assert user.raw_user == profile("google")
    assert provider.fetch_user({"access_token": "x"}).expiry == ""


# ---- GitHub: the primary verified address when the profile keeps it private ---------------------------
def github_with(answers: dict):
    provider = provider_class("github")({"clientId": "cid"})

    def get_json(url, token, headers=None):
        answer = answers[url]
        if isinstance(answer, Exception):
            raise answer
        return answer

    provider.get_json = get_json
    return provider


def test_github_asks_the_emails_endpoint_for_a_private_address():
    provider = github_with({"https://api.github.com/user": profile("github"), "https://api.github.com/user/emails": profile("github_emails")})
    assert provider.fetch_user(TOKEN).email == "octocat@github.com"


def test_github_uses_the_public_address_without_asking():
    public = {**profile("github"), "email": "octocat@public.example"}
    provider = github_with({"https://api.github.com/user": public})
    assert provider.fetch_user(TOKEN).email == "octocat@public.example"


def test_github_without_the_email_scope_has_no_email():
    provider = github_with({
        "https://api.github.com/user": profile("github"),
        "https://api.github.com/user/emails": BaseProfileError("forbidden", 403),
    })
    assert provider.fetch_user(TOKEN).email == ""
    failing = github_with({"https://api.github.com/user": profile("github"), "https://api.github.com/user/emails": BaseProfileError("boom", 500)})
    with pytest.raises(ProfileError):
        failing.fetch_user(TOKEN)


def test_github_ignores_unverified_or_secondary_addresses():
    emails = [{"email": "a@x", "verified": False, "primary": True}, {"email": "b@x", "verified": True, "primary": False}]
    provider = github_with({"https://api.github.com/user": profile("github"), "https://api.github.com/user/emails": emails})
    assert provider.fetch_user(TOKEN).email == ""


# ---- Apple: the profile is the id_token, checked against the key set ------------------------------------
def apple_token(provider, **claims) -> str:
    now = int(time.time())
    payload = {
        "iss": "https://appleid.apple.com", "aud": "com.example.web", "exp": now + 600, "iat": now,
        "sub": "001234.abc", "email": "jane@privaterelay.appleid.com", "email_verified": "true", **claims,
    }
    return jwt.encode({"alg": "RS256", "kid": provider.key.kid}, payload, provider.key)


def apple(provider):
    return provider_class("apple")({"clientId": "com.example.web", "clientSecret": "jwt", "extra": {"jwksURL": f"{provider.url}/jwks"}})


def test_apple_reads_a_signed_id_token(provider):
    token = {"id_token": apple_token(provider), "user": json.dumps({"name": {"firstName": "Jane", "lastName": "Doe"}})}
    user = apple(provider).fetch_user(token)
    assert (user.id, user.email, user.name) == ("001234.abc", "jane@privaterelay.appleid.com", "Jane Doe")


@pytest.mark.parametrize(
    "claims",
    [{"aud": "another.app"}, {"iss": "https://evil.example"}, {"exp": int(time.time()) - 3600}, {"exp": None}],
)
def test_apple_refuses_a_bad_id_token(provider, claims):
    token = apple_token(provider, **claims)
    if claims.get("exp", 0) is None:
        payload = {key: value for key, value in jwt.decode(token, provider.key).claims.items() if key != "exp"}
        token = jwt.encode({"alg": "RS256", "kid": provider.key.kid}, payload, provider.key)
    with pytest.raises(ProfileError):
        apple(provider).fetch_user({"id_token": token})


def test_apple_refuses_an_unsigned_or_missing_id_token(provider):
    unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."  # {"alg":"none"} {"sub":"x"}, no signature
    for token in ({}, {"id_token": ""}, {"id_token": unsigned}, {"id_token": "not-a-jwt"}):
        with pytest.raises(ProfileError):
            apple(provider).fetch_user(token)


def test_apple_asks_for_a_form_post():
    url = provider_class("apple")({"clientId": "cid"}).build_auth_url("s")
    assert parse_qs(urlsplit(url).query)["response_mode"] == ["form_post"]
