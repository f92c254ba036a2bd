"""`Provider`: the base class of every OAuth2 provider, and its small contract.

A provider module subclasses `Provider`, sets the class attributes (`name`, `display_name`, `logo`,
`scopes`, `auth_url`, `token_url`, `user_info_url`, `pkce`) and implements `map_user(raw, token)`, which
turns the provider's profile JSON into an `OAuth2User`. Everything else has a default:

* `build_auth_url(state, code_challenge)` - the consent page URL, query keys sorted and ending with
  `redirect_uri=` (PocketBase's shape: the client appends its own redirect URL);
* `fetch_token(code, code_verifier)` - the code exchange through authlib's `OAuth2Session`, with the PKCE
  verifier; client authentication tries each of `token_auth_methods` in turn when the provider refuses the
  client (like Go's oauth2 auto-detection);
* `fetch_raw_user(token)` - GET `user_info_url` with the access token;
* `fetch_user(token)` - the two above plus the token's values (access/refresh token, expiry).

A collection's provider options (`authURL`, `tokenURL`, `userInfoURL`, `displayName`, `pkce`, `extra`)
override the class defaults per instance. Every call to a provider gives up after `HTTP_TIMEOUT` seconds.
Failures raise `TokenError` (the exchange) or `ProfileError` (anything after it); their messages name the
URL and status for the log, never for the client.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime, timezone
from typing import Any, ClassVar, Mapping
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from ...dates import format_datetime
from .user import OAuth2User

#: seconds each call to a provider (token, profile, keys, discovery, avatar) may take
HTTP_TIMEOUT = 10.0
_ALPHANUMERIC = string.ascii_letters + string.digits


class ProviderError(Exception):
    """A provider could not be used: misconfigured, unreachable, or it refused."""


class TokenError(ProviderError):
    """The authorization code could not be exchanged for a token."""


class ProfileError(ProviderError):
    """The token did not lead to a usable profile; `status` is the provider's HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def random_text(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def s256_challenge(verifier: str) -> str:
    return create_s256_code_challenge(verifier)


def text(value: Any) -> str:
    """A profile value as text: strings as they are, numbers (ids) in decimal, anything else ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def truthy(value: Any) -> bool:
    """A boolean claim that some providers send as a string (`"true"`), as Go's `cast.ToBool` reads it."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "t", "true")
    return value is True or (isinstance(value, (int, float)) and value != 0)


def monogram(letters: str, color: str) -> str:
    """A small square SVG logo with the provider's initials (baas draws its own, see docs/auth.md)."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="14" fill="{color}"/>'
        '<text x="32" y="42" font-family="Arial,Helvetica,sans-serif" font-size="26" font-weight="700" '
        f'fill="#fff" text-anchor="middle">{letters}</text></svg>'
    )


class Provider:
    #: the name collections use in `oauth2.providers[].name`
    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    logo: ClassVar[str] = ""
    #: position in `meta/oauth2-providers` (PocketBase's order)
    order: ClassVar[int] = 100
    pkce: ClassVar[bool] = True
    scopes: ClassVar[tuple[str, ...]] = ()
    auth_url: ClassVar[str] = ""
    token_url: ClassVar[str] = ""
    user_info_url: ClassVar[str] = ""
    #: extra query parameters of the consent page URL
    auth_params: ClassVar[dict[str, str]] = {}
    #: client authentication at the token endpoint, tried in this order
    token_auth_methods: ClassVar[tuple[str, ...]] = ("client_secret_basic", "client_secret_post")

    def __init__(self, config: Mapping[str, Any] | None = None):
        config = config or {}
        cls = type(self)
        self.client_id = str(config.get("clientId") or "")
        self.client_secret = str(config.get("clientSecret") or "")
        self.display_name = str(config.get("displayName") or cls.display_name or cls.name)
        self.auth_url = str(config.get("authURL") or cls.auth_url)
        self.token_url = str(config.get("tokenURL") or cls.token_url)
        self.user_info_url = str(config.get("userInfoURL") or cls.user_info_url)
        pkce = config.get("pkce")
        self.pkce = cls.pkce if pkce is None else bool(pkce)
        extra = config.get("extra")
        self.extra: dict[str, Any] = dict(extra) if isinstance(extra, Mapping) else {}
        self.redirect_url = ""
        self.timeout = HTTP_TIMEOUT

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    # ---- the contract ----------------------------------------------------------------------------------
    def map_user(self, raw: dict[str, Any], token: Mapping[str, Any]) -> OAuth2User:
        """The normalized profile of `raw` (the provider's profile JSON); `token` is the token response."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Finish the configuration before use (e.g. OIDC discovery); raise `ProviderError` if impossible."""

    # ---- consent page ----------------------------------------------------------------------------------
    def build_auth_url(self, state: str, code_challenge: str = "") -> str:
        params = {"client_id": self.client_id, "response_type": "code", "state": state}
        if self.scopes:
            params["scope"] = " ".join(self.scopes)
        if code_challenge:
            params["code_challenge"] = code_challenge
            params["code_challenge_method"] = "S256"
        params.update(self.auth_params)
        separator = "&" if "?" in self.auth_url else "?"
        return f"{self.auth_url}{separator}{urlencode(sorted(params.items()))}&redirect_uri="

    # ---- code exchange ---------------------------------------------------------------------------------
    def session(self, token: Mapping[str, Any] | None = None, auth_method: str | None = None) -> OAuth2Session:
        return OAuth2Session(
            self.client_id, self.client_secret,
            token_endpoint_auth_method=auth_method or self.token_auth_methods[0],
            scope=" ".join(self.scopes) or None,
            redirect_uri=self.redirect_url or None,
            token=dict(token) if token is not None else None,
            leeway=0,
        )

    def fetch_token(self, code: str, code_verifier: str = "") -> dict[str, Any]:
        if not self.token_url:
            raise TokenError(f"{self.name}: no token URL")
        options: dict[str, Any] = {"code": code, "timeout": self.timeout}
        if self.pkce and code_verifier:
            options["code_verifier"] = code_verifier
        methods = self.token_auth_methods
        for index, method in enumerate(methods):
            with self.session(auth_method=method) as session:
                try:
                    return dict(session.fetch_token(self.token_url, grant_type="authorization_code", **options))
                except OAuthError as error:
                    if index + 1 < len(methods) and error.error in ("invalid_client", "unauthorized_client"):
                        continue
                    raise TokenError(f"{self.token_url}: {error.error}: {error.description or ''}") from error
                except requests.HTTPError as error:
                    if index + 1 < len(methods) and error.response is not None and error.response.status_code == 401:
                        continue
                    raise TokenError(f"{self.token_url}: {error}") from error
                except (requests.RequestException, ValueError) as error:
                    raise TokenError(f"{self.token_url}: {error}") from error
        raise TokenError(f"{self.token_url}: no client authentication method")  # pragma: no cover

    # ---- profile ----------------------------------------------------------------------------------------
    def get_json(self, url: str, token: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Any:
        """GET `url` with the access token; the JSON answer (a 4xx/5xx or non-JSON answer raises)."""
        with self.session(token) as session:
            try:
                response = session.get(url, headers=dict(headers or {}), timeout=self.timeout)
            except (requests.RequestException, OAuthError) as error:
                raise ProfileError(f"{url}: {error}") from error
        if response.status_code >= 400:
            raise ProfileError(
                f"failed to fetch OAuth2 user profile via {url} ({response.status_code}): {response.text[:500]}",
                response.status_code,
            )
        try:
            return response.json()
        except ValueError as error:
            raise ProfileError(f"{url}: the answer is not JSON") from error

    def fetch_raw_user(self, token: Mapping[str, Any]) -> dict[str, Any]:
        if not self.user_info_url:
            raise ProfileError(f"{self.name}: no user info URL")
        raw = self.get_json(self.user_info_url, token)
        if not isinstance(raw, dict):
            raise ProfileError(f"{self.user_info_url}: the profile is not a JSON object")
        return raw

    def fetch_user(self, token: Mapping[str, Any]) -> OAuth2User:
        raw = self.fetch_raw_user(token)
        user = self.map_user(raw, token)
        user.raw_user = user.raw_user or raw
        user.access_token = text(token.get("access_token"))
        user.refresh_token = text(token.get("refresh_token"))
        user.expiry = expiry_of(token)
        return user

    # ---- description -----------------------------------------------------------------------------------
    @classmethod
    def describe(cls) -> dict[str, str]:
        """`{name, displayName, logo}` as `meta/oauth2-providers` lists it."""
        return {"name": cls.name, "displayName": cls.display_name or cls.name, "logo": cls.logo}


def expiry_of(token: Mapping[str, Any]) -> str:
    expires_at = token.get("expires_at")
    if not isinstance(expires_at, (int, float)) or isinstance(expires_at, bool) or expires_at <= 0:
        return ""
    return format_datetime(datetime.fromtimestamp(expires_at, timezone.utc))
