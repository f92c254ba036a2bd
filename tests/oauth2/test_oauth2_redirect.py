"""`/api/oauth2-redirect`: the provider's answer reaches the realtime client named by `state` (topic
`@oauth2`), then the popup goes on to the console's success or failure page (307 after GET, 303 after POST)."""

from __future__ import annotations

import json
from urllib.parse import urljoin

import pytest
from oauth2kit import AUTH, REDIRECT

from baas.core.context import RequestContext
from baas.core.oauth2 import redirect

SUCCESS = "../_/#/auth/oauth2-redirect-success"
FAILURE = "../_/#/auth/oauth2-redirect-failure"


@pytest.fixture
def realtime_client(core):
    """A realtime client of this process subscribed to `@oauth2`, as the SDK's all-in-one flow makes."""
    event = core.realtime.connect(RequestContext(), ip="127.0.0.1")
    core.realtime.subscribe(event.client.id, ["@oauth2"], RequestContext(method="POST"), ip="127.0.0.1")
    yield event.client
    core.realtime.unregister(event.client)


def received(client) -> list[tuple[str, dict]]:
    out = []
    while (message := client.take()) is not None:
        out.append((message.name, json.loads(message.data)))
    return out


def test_get_delivers_the_code_and_redirects_to_success(client, realtime_client):
    response = client.get(f"/api/oauth2-redirect?state={realtime_client.id}&code=abc123")
    assert (response.status_code, response.headers["Location"]) == (307, SUCCESS)
    assert urljoin("http://127.0.0.1:8090/api/oauth2-redirect", SUCCESS) == "http://127.0.0.1:8090/_/#/auth/oauth2-redirect-success"
    assert received(realtime_client) == [("@oauth2", {"state": realtime_client.id, "code": "abc123"})]


def test_a_provider_error_is_delivered_and_fails(client, realtime_client):
    response = client.get(f"/api/oauth2-redirect?state={realtime_client.id}&error=access_denied")
    assert (response.status_code, response.headers["Location"]) == (307, FAILURE)
    assert received(realtime_client) == [("@oauth2", {"state": realtime_client.id, "code": "", "error": "access_denied"})]


@pytest.mark.parametrize("query", ["", "?code=abc", "?state=unknown-client&code=abc"])
def test_a_missing_or_wrong_state_fails_and_delivers_nothing(client, realtime_client, query):
    response = client.get(f"/api/oauth2-redirect{query}")
    assert (response.status_code, response.headers["Location"]) == (307, FAILURE)
    assert received(realtime_client) == []


def test_a_client_without_the_subscription_gets_nothing(client, core):
    event = core.realtime.connect(RequestContext(), ip="127.0.0.1")
    core.realtime.subscribe(event.client.id, ["news"], RequestContext(method="POST"), ip="127.0.0.1")
    try:
        response = client.get(f"/api/oauth2-redirect?state={event.client.id}&code=abc")
        assert response.headers["Location"] == FAILURE
        assert received(event.client) == []
    finally:
        core.realtime.unregister(event.client)


def test_post_answers_303(client, realtime_client):
    response = client.post("/api/oauth2-redirect", data={"state": realtime_client.id, "code": "c0de"})
    assert (response.status_code, response.headers["Location"]) == (303, SUCCESS)
    assert received(realtime_client) == [("@oauth2", {"state": realtime_client.id, "code": "c0de"})]
    assert client.post("/api/oauth2-redirect", json={"state": realtime_client.id, "code": "json"}).status_code == 303
    assert received(realtime_client)[0][1]["code"] == "json"
    failed = client.post("/api/oauth2-redirect", data={"code": "c0de"})
    assert (failed.status_code, failed.headers["Location"]) == (303, FAILURE)


def test_apples_posted_name_reaches_the_sign_up(oauth2, users, provider, client, realtime_client):
    """Apple sends the name once, in the form it posts to the redirect; the sign-in that follows uses it."""
    provider.add_user("nameless", email="nameless@example.com", name="")
    code, entry = oauth2.consent("nameless")
    user = json.dumps({"name": {"firstName": "Jane", "lastName": "Doe"}, "email": "nameless@example.com"})
    posted = client.post("/api/oauth2-redirect", data={"state": realtime_client.id, "code": code, "user": user})
    assert posted.headers["Location"] == SUCCESS
    body = {"provider": "oidc", "code": code, "codeVerifier": entry["codeVerifier"], "redirectURL": REDIRECT}
    record = client.post(AUTH.format("users"), json=body).get_json()["record"]
    assert record["name"] == "Jane Doe"
    assert redirect.take_name(code) == ""  # used once


def test_remembered_names_are_bounded():
    redirect.remember_name("c1", "not json")
    redirect.remember_name("c2", json.dumps({"name": {"firstName": "A" * 400}}))
    assert redirect.take_name("c1") == "" and redirect.take_name("c2") == "A" * 150
