"""A real OpenID Connect provider on loopback, built from authlib's server classes, for the OAuth2 tests.

    provider = OIDCProvider().start()         # werkzeug server in a thread on a free 127.0.0.1 port
    provider.add_user("alice", email="alice@example.com", name="Alice")
    provider.login_as("alice")                # who "signs in" at /authorize (consent is automatic)
    code, state = provider.authorize(auth_url + redirect_url)
    ...
    provider.stop()

Endpoints: `/.well-known/openid-configuration` (authlib's `OpenIDProviderMetadata`, validated),
`/authorize` and `/token` (authlib's `AuthorizationServer`, `AuthorizationCodeGrant` with the
`CodeChallenge` (PKCE) and `OpenIDCode` (id_token) extensions), `/userinfo` (authlib's
`ResourceProtector` with a bearer token validator), `/jwks` (the session's RSA key, made with joserfc)
and `/avatar.png` (a small PNG, each user's `picture`).

Test knobs, back to normal after `reset()`: `token_delay` (seconds the token endpoint sleeps),
`token_status` / `userinfo_status` (answer with that HTTP error instead), `id_token_audience` (sign
id_tokens for another client), `signing_key` (sign them with a key the key set does not hold), `avatar` (the bytes `/avatar.png` serves). Every token
request's form and auth method lands in `token_requests`.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.discovery import OpenIDProviderMetadata
from flask import Flask, Response, jsonify, request
from joserfc.jwk import KeySet, RSAKey
from PIL import Image
from werkzeug.serving import make_server

CLIENT_ID = "baas-test-client"
CLIENT_SECRET = "baas-test-secret"
KEY_ID = "baas-test-key"


def png_bytes(color=(200, 30, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, format="PNG")
    return out.getvalue()


@dataclass
class User:
    sub: str
    email: str = ""
    name: str = ""
    username: str = ""
    email_verified: bool = True
    picture: bool | str = True  # True: the provider's /avatar.png; a string: that URL


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return scope

    def check_redirect_uri(self, redirect_uri):
        return urlsplit(redirect_uri).hostname in ("127.0.0.1", "localhost")

    def check_client_secret(self, client_secret):
        return client_secret == self.client_secret

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: User
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    created: float = field(default_factory=time.time)

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return int(self.created)

    def get_acr(self):
        return None

    def get_amr(self):
        return None

    def is_expired(self):
        return time.time() - self.created > 300


@dataclass
class Token(TokenMixin):
    client: Client
    user: User
    scope: str
    access_token: str
    expires_in: int
    issued_at: float = field(default_factory=time.time)

    def check_client(self, client):
        return client.client_id == self.client.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self):
        return False

    def get_user(self):
        return self.user

    def get_client(self):
        return self.client


class OIDCProvider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"}, private=True)
        self.clients = {CLIENT_ID: Client(CLIENT_ID, CLIENT_SECRET)}
        self.users: dict[str, User] = {}
        self.current: str | None = None
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Token] = {}
        self.token_requests: list[dict] = []
        self.userinfo_calls = 0
        self.lock = threading.Lock()
        self.reset()
        self.app = self._build_app()
        self._server = None
        self._thread = None
        self.url = ""

    # ---- knobs ------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.token_delay = 0.0
        self.token_status = 0
        self.userinfo_status = 0
        self.id_token_audience = ""
        self.signing_key = None
        self.avatar = png_bytes()
        self.current = None
        self.token_requests.clear()
        self.userinfo_calls = 0

    def add_user(self, sub: str, **profile) -> User:
        user = User(sub, **profile)
        self.users[sub] = user
        return user

    def login_as(self, sub: str) -> None:
        self.current = sub

    @property
    def issuer(self) -> str:
        return self.url

    def provider_options(self, name: str = "oidc", **overrides) -> dict:
        """A collection's `oauth2.providers[]` entry pointing at this provider's endpoints."""
        options = {
            "name": name, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET,
            "authURL": f"{self.url}/authorize", "tokenURL": f"{self.url}/token", "userInfoURL": f"{self.url}/userinfo",
            "displayName": "", "pkce": None, "extra": {"jwksURL": f"{self.url}/jwks", "issuers": [self.issuer]},
        }
        options.update(overrides)
        return options

    def authorize(self, url: str) -> tuple[str, str]:
        """Visit a consent page URL as the current user; the `(code, state)` the redirect carries."""
        response = requests.get(url, allow_redirects=False, timeout=10)
        assert response.status_code == 302, (response.status_code, response.text)
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert "code" in query, query
        return query["code"][0], query.get("state", [""])[0]

    # ---- server -----------------------------------------------------------------------------------------
    def start(self) -> "OIDCProvider":
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="oidc-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)

    def _user_info(self, user: User, scope: str) -> UserInfo:
        info = UserInfo(sub=user.sub)
        if "profile" in scope:
            info.update(name=user.name, preferred_username=user.username)
            if user.picture:
                info["picture"] = user.picture if isinstance(user.picture, str) else f"{self.url}/avatar.png"
        if "email" in scope and user.email:
            info.update(email=user.email, email_verified=user.email_verified)
        return info

    def _build_app(self) -> Flask:
        provider = self
        app = Flask("oidc-provider")

        def save_token(token, req):
            with provider.lock:
                provider.tokens[token["access_token"]] = Token(
                    req.client, req.user, token.get("scope", ""), token["access_token"], token["expires_in"]
                )

        server = AuthorizationServer(app, query_client=provider.clients.get, save_token=save_token)

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, req):
                payload = req.payload
                with provider.lock:
                    provider.codes[code] = Code(
                        code, req.client.client_id, payload.redirect_uri, req.scope, req.user,
                        nonce=payload.data.get("nonce"),
                        code_challenge=payload.data.get("code_challenge"),
                        code_challenge_method=payload.data.get("code_challenge_method"),
                    )

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found is not None and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                with provider.lock:
                    provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, req):
                return any(code.nonce == nonce for code in provider.codes.values())

            def resolve_client_private_key(self, client):
                return provider.signing_key or provider.key

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": KEY_ID}

            def get_client_claims(self, client):
                return {"iss": provider.issuer, "aud": [provider.id_token_audience or client.get_client_id()], "exp": int(time.time()) + 600}

            def generate_user_info(self, user, scope):
                return provider._user_info(user, scope)

        server.register_grant(CodeGrant, [CodeChallenge(required=False), IdToken(require_nonce=False)])

        class Validator(BearerTokenValidator):
            def authenticate_token(self, token_string):
                return provider.tokens.get(token_string)

        protect = ResourceProtector()
        protect.register_token_validator(Validator())

        @app.get("/.well-known/openid-configuration")
        def discovery():
            metadata = OpenIDProviderMetadata(
                issuer=provider.issuer,
                authorization_endpoint=f"{provider.url}/authorize",
                token_endpoint=f"{provider.url}/token",
                userinfo_endpoint=f"{provider.url}/userinfo",
                jwks_uri=f"{provider.url}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                scopes_supported=["openid", "email", "profile"],
                token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
                code_challenge_methods_supported=["S256"],
            )
            metadata.validate()
            return jsonify(dict(metadata))

        @app.get("/jwks")
        def jwks():
            return jsonify(KeySet([provider.key]).as_dict(private=False))

        @app.get("/authorize")
        def authorize():
            user = provider.users.get(provider.current or "")
            if user is None:
                return Response("nobody is signed in at the test provider", 403)
            try:
                grant = server.get_consent_grant(end_user=user)
            except OAuth2Error as error:
                return server.handle_error_response(None, error)
            return server.create_authorization_response(grant_user=user, grant=grant)

        @app.post("/token")
        def token():
            form = request.form.to_dict()
            provider.token_requests.append({**form, "basic": request.authorization is not None})
            if provider.token_delay:
                time.sleep(provider.token_delay)
            if provider.token_status:
                return Response("provider failure", provider.token_status)
            return server.create_token_response()

        @app.get("/userinfo")
        @protect("openid")
        def userinfo():
            provider.userinfo_calls += 1
            if provider.userinfo_status:
                return jsonify(error="server_error"), provider.userinfo_status
            return jsonify(dict(provider._user_info(current_token.user, current_token.scope)))

        @app.get("/avatar.png")
        def avatar():
            return Response(provider.avatar, mimetype="image/png")

        return app


def new_sub() -> str:
    return uuid.uuid4().hex
