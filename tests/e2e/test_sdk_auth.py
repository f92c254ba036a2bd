"""Auth against a live `baas serve`: the JS SDK's sign-up-to-password-change flow with mail through a real
SMTP server, and rate limits shared by two gunicorn workers through Redis."""

from __future__ import annotations

import concurrent.futures

import pytest
import redis
import requests
from auth.authkit import SMTPServer, link_token
from support.server import LiveServer

EMAIL = "sdk-user@example.com"
PASSWORD = "Sdk-user-pass-1"
SU_EMAIL = "sdk-admin@example.com"
SU_PASSWORD = "Sdk-Passw0rd!23"


def superuser_headers(server) -> dict[str, str]:
    server.cli("superuser", "upsert", SU_EMAIL, SU_PASSWORD)
    response = requests.post(
        f"{server.url}/api/collections/_superusers/auth-with-password", json={"identity": SU_EMAIL, "password": SU_PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {"Authorization": response.json()["token"]}


@pytest.fixture
def smtp():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.mark.node
def test_signup_verify_signin_refresh_and_password_change(live_server, smtp):
    headers = superuser_headers(live_server)
    settings = {"smtp": smtp.settings(), "meta": {"appName": "SDK", "appURL": live_server.url}}
    assert requests.patch(f"{live_server.url}/api/settings", json=settings, headers=headers, timeout=10).status_code == 200

    signed_up = live_server.run_js("auth.mjs", STEP="signup", EMAIL=EMAIL, PASSWORD=PASSWORD)
    assert signed_up["emailHidden"] is True
    mail = smtp.mailbox.wait(to=EMAIL, timeout=20)
    assert mail.subject == "Verify your SDK email" and f"{live_server.url}/_/#/auth/confirm-verification/" in mail.html

    result = live_server.run_js(
        "auth.mjs", STEP="verify", EMAIL=EMAIL, PASSWORD=PASSWORD, NEW_PASSWORD=PASSWORD + "-new",
        TOKEN=link_token(mail, "confirm-verification"),
    )
    assert result == {
        "verified": True,
        "email": EMAIL,
        "refreshedSameRecord": True,
        "oldTokenStatus": 401,
        "oldPasswordStatus": 400,
        "newTokenWorks": True,
        "isSuperuser": False,
    }


def burst(url: str, count: int) -> list[int]:
    """`count` concurrent requests, each on its own connection, so both workers take some."""

    def one(_):
        return requests.get(url, headers={"Connection": "close"}, timeout=10).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


@pytest.mark.redis
@pytest.mark.parametrize("live_server", [{"workers": 2}], indirect=True)
def test_a_rate_limit_holds_across_two_workers(live_server, redis_url):
    headers = superuser_headers(live_server)
    rules = [{"label": "GET /api/health", "audience": "@guest", "duration": 60, "maxRequests": 5}]
    response = requests.patch(
        f"{live_server.url}/api/settings", json={"rateLimits": {"enabled": True, "rules": rules}}, headers=headers, timeout=10
    )
    assert response.status_code == 200, response.text
    statuses = burst(f"{live_server.url}/api/health", 24)
    assert sorted(statuses) == [200] * 5 + [429] * 19
    assert requests.get(f"{live_server.url}/api/health", timeout=10).json() == {
        "status": 429, "message": "Too Many Requests.", "data": {}
    }
    assert requests.get(f"{live_server.url}/api/health", headers=headers, timeout=10).status_code == 200  # superusers
    counters = [key for key in redis.Redis.from_url(redis_url).scan_iter("baas:rl:*") if b"GET /api/health" in key]
    assert counters, "the counter should live in Redis"


@pytest.mark.redis
def test_two_nodes_on_one_database_share_the_limit(start_server, redis_url):
    first = start_server()
    second = LiveServer(first.data_dir, first.env, ("--workers", "1")).start()  # a second node, same database
    try:
        headers = superuser_headers(first)
        rules = [{"label": "/api/health", "audience": "", "duration": 60, "maxRequests": 5}]
        response = requests.patch(
            f"{first.url}/api/settings", json={"rateLimits": {"enabled": True, "rules": rules}}, headers=headers, timeout=10
        )
        assert response.status_code == 200, response.text
        statuses = [requests.get(f"{node.url}/api/health", timeout=10).status_code for node in (first, second) * 5]
        assert statuses == [200] * 5 + [429] * 5  # the second node saw the settings change and the first node's hits
    finally:
        second.stop()


@pytest.mark.parametrize("live_server", [{"workers": 2, "env": {"BAAS_REDIS_URL": ""}}], indirect=True)
def test_the_otp_attempt_limit_holds_across_workers_without_redis(live_server):
    headers = superuser_headers(live_server)
    requests.patch(f"{live_server.url}/api/collections/users", json={"otp": {"enabled": True}}, headers=headers, timeout=10)
    body = {"email": EMAIL, "password": PASSWORD, "passwordConfirm": PASSWORD}
    assert requests.post(f"{live_server.url}/api/collections/users/records", json=body, timeout=10).status_code == 200
    otp_id = requests.post(f"{live_server.url}/api/collections/users/request-otp", json={"email": EMAIL}, timeout=10).json()["otpId"]
    statuses = [
        requests.post(
            f"{live_server.url}/api/collections/users/auth-with-otp", json={"otpId": otp_id, "password": "00000000"},
            headers={"Connection": "close"}, timeout=10,
        ).status_code
        for _ in range(8)
    ]
    assert statuses == [400] * 5 + [429] * 3  # one count in the data dir's ratelimits.db, whichever worker answers
