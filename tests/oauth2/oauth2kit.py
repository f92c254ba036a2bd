"""Helpers of the OAuth2 tests: configure a collection's providers, walk the code flow, read the links.

    kit = OAuth2Kit(client, su_headers, provider)
    kit.configure()                                   # users: OAuth2 on, the test provider as `oidc`
    response = kit.sign_in("alice")                   # auth-methods -> consent page -> auth-with-oauth2
"""

from __future__ import annotations

from typing import Any

REDIRECT = "http://127.0.0.1:9/oauth2-callback"
AUTH = "/api/collections/{}/auth-with-oauth2"


class OAuth2Kit:
    def __init__(self, client, su_headers, provider):
        self.client = client
        self.su_headers = su_headers
        self.provider = provider

    def configure(self, providers: list[dict] | None = None, *, collection: str = "users", enabled: bool = True, **options: Any) -> dict:
        oauth2 = {"enabled": enabled, "providers": providers if providers is not None else [self.provider.provider_options()]}
        oauth2.update(options)
        response = self.client.patch(f"/api/collections/{collection}", json={"oauth2": oauth2}, headers=self.su_headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def patch_collection(self, body: dict, collection: str = "users") -> dict:
        response = self.client.patch(f"/api/collections/{collection}", json=body, headers=self.su_headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def auth_methods(self, collection: str = "users") -> dict:
        response = self.client.get(f"/api/collections/{collection}/auth-methods")
        assert response.status_code == 200
        return response.get_json()

    def method(self, name: str = "oidc", collection: str = "users") -> dict:
        return next(p for p in self.auth_methods(collection)["oauth2"]["providers"] if p["name"] == name)

    def consent(self, sub: str, name: str = "oidc", collection: str = "users", redirect: str = REDIRECT) -> tuple[str, dict]:
        """As `sub`: open the consent page auth-methods gave; the code and the auth-methods entry."""
        self.provider.login_as(sub)
        entry = self.method(name, collection)
        code, state = self.provider.authorize(entry["authURL"] + redirect)
        assert state == entry["state"]
        return code, entry

    def sign_in(
        self, sub: str, *, name: str = "oidc", collection: str = "users", headers: dict | None = None,
        create_data: dict | None = None, query: str = "", **body: Any,
    ):
        code, entry = self.consent(sub, name, collection)
        payload = {"provider": name, "code": code, "codeVerifier": entry["codeVerifier"], "redirectURL": REDIRECT}
        if create_data is not None:
            payload["createData"] = create_data
        payload.update(body)
        return self.client.post(AUTH.format(collection) + query, json=payload, headers=headers or {})

    def links(self, **filters: str) -> list[dict]:
        response = self.client.get("/api/collections/_externalAuths/records?perPage=500", headers=self.su_headers)
        items = response.get_json()["items"]
        return [item for item in items if all(item.get(key) == value for key, value in filters.items())]

    def records(self, collection: str = "users") -> list[dict]:
        response = self.client.get(f"/api/collections/{collection}/records?perPage=500", headers=self.su_headers)
        return response.get_json()["items"]
