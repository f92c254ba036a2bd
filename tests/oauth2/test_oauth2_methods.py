"""auth-methods' `oauth2` part as the JS SDK reads it, and `GET /api/collections/meta/oauth2-providers`."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge

#: PocketBase 0.40.6's `meta/oauth2-providers` order, of the names baas has
POCKETBASE_ORDER = [
    "apple", "google", "microsoft", "facebook", "github", "gitlab", "discord", "twitter", "spotify", "twitch",
    "oidc", "oidc2", "oidc3",
]
KEYS = ["name", "displayName", "logo", "state", "authURL", "authUrl", "codeVerifier", "codeChallenge", "codeChallengeMethod"]


def test_disabled_means_no_providers(oauth2, provider):
    oauth2.configure(enabled=False)
    body = oauth2.auth_methods()
    assert body["oauth2"] == {"providers": [], "enabled": False}
    assert body["authProviders"] == []


def test_each_configured_provider_with_state_and_pkce(oauth2, provider):
    oauth2.configure([
        {"name": "google", "clientId": "g-id", "clientSecret": "g-secret"},
        {"name": "gitlab", "clientId": "gl-id", "clientSecret": "gl-secret", "pkce": False, "displayName": "Our GitLab"},
        provider.provider_options(),
    ])
    body = oauth2.auth_methods()
    google, gitlab, oidc = body["oauth2"]["providers"]
    assert body["oauth2"]["enabled"] is True
    assert list(google) == KEYS
    assert (google["name"], google["displayName"], gitlab["displayName"], oidc["displayName"]) == ("google", "Google", "Our GitLab", "OIDC")
    assert google["logo"].startswith("<svg") and google["authUrl"] == google["authURL"]

    base, _, query = google["authURL"].partition("?")
    assert base == "https://accounts.google.com/o/oauth2/v2/auth"
    assert query.endswith("&redirect_uri=")  # the SDK appends its redirect URL
    pairs = parse_qsl(query, keep_blank_values=True)
    assert [key for key, _ in pairs] == [
        "client_id", "code_challenge", "code_challenge_method", "response_type", "scope", "state", "redirect_uri",
    ]
    values = dict(pairs)
    assert (values["client_id"], values["response_type"], values["state"]) == ("g-id", "code", google["state"])
    assert re.fullmatch(r"[A-Za-z0-9]{30}", google["state"])
    assert re.fullmatch(r"[A-Za-z0-9]{43}", google["codeVerifier"])
    assert google["codeChallenge"] == values["code_challenge"] == create_s256_code_challenge(google["codeVerifier"])
    assert google["codeChallengeMethod"] == values["code_challenge_method"] == "S256"

    assert (gitlab["codeVerifier"], gitlab["codeChallenge"], gitlab["codeChallengeMethod"]) == ("", "", "")
    assert "code_challenge" not in gitlab["authURL"]
    assert oidc["authURL"].startswith(f"{provider.url}/authorize?client_id=baas-test-client&")
    assert "secret" not in str(body)

    again = oauth2.auth_methods()["oauth2"]["providers"][0]
    assert again["state"] != google["state"] and again["codeVerifier"] != google["codeVerifier"]


def test_the_legacy_list_mirrors_the_providers_without_logos(oauth2, provider):
    oauth2.configure()
    body = oauth2.auth_methods()
    legacy, current = body["authProviders"], body["oauth2"]["providers"]
    assert [{**item, "logo": current[0]["logo"]} for item in legacy] == current
    assert legacy[0]["logo"] == ""


def test_apple_answers_with_a_form_post(oauth2):
    oauth2.configure([{"name": "apple", "clientId": "com.example.web", "clientSecret": "a-jwt"}])
    url = oauth2.auth_methods()["oauth2"]["providers"][0]["authURL"]
    assert dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))["response_mode"] == "form_post"


def test_providers_that_cannot_work_are_left_out(oauth2):
    oauth2.configure([
        {"name": "oidc", "clientId": "a", "clientSecret": "b"},  # no URLs and no issuer to discover them
        {"name": "google", "clientId": "g", "clientSecret": "s"},
    ])
    assert [item["name"] for item in oauth2.auth_methods()["oauth2"]["providers"]] == ["google"]


def test_meta_oauth2_providers(client, su_headers, oauth2, provider):
    url = "/api/collections/meta/oauth2-providers"
    assert client.get(url).status_code == 401
    oauth2.configure()
    user = client.post("/api/collections/users/records", json={"email": "m@example.com", "password": "Passw0rd!!", "passwordConfirm": "Passw0rd!!"})
    assert user.status_code == 200
    token = client.post("/api/collections/users/auth-with-password", json={"identity": "m@example.com", "password": "Passw0rd!!"}).get_json()["token"]
    assert client.get(url, headers={"Authorization": token}).status_code == 403
    listed = client.get(url, headers=su_headers).get_json()
    assert [item["name"] for item in listed] == POCKETBASE_ORDER
    assert all(list(item) == ["name", "displayName", "logo"] and item["logo"].startswith("<svg") for item in listed)
    assert {item["name"]: item["displayName"] for item in listed}["twitter"] == "X/Twitter"
