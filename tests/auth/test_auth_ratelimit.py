"""Rate limits: PocketBase's rule matching, the 429 answer, audiences, exemptions, live settings, Redis."""

from __future__ import annotations

import pytest
from authkit import create_user, token_of

from baas.core import ratelimit
from baas.core.ratelimit import MemoryBackend, RedisBackend, SQLiteBackend, find_rule, ip_excluded

TOO_MANY = {"status": 429, "message": "Too Many Requests.", "data": {}}
RULES = [
    {"label": "*:auth", "audience": "", "duration": 3, "maxRequests": 2},
    {"label": "users:auth", "audience": "@guest", "duration": 3, "maxRequests": 5},
    {"label": "/api/batch", "audience": "", "duration": 1, "maxRequests": 3},
    {"label": "POST /api/collections/", "audience": "", "duration": 1, "maxRequests": 4},
    {"label": "/api/", "audience": "", "duration": 10, "maxRequests": 300},
]


@pytest.mark.parametrize(
    ("labels", "audiences", "expected"),
    [
        (["users:authWithPassword", "users:auth", "*:authWithPassword", "*:auth"], ("", "@guest"), "users:auth"),
        (["users:authWithPassword", "users:auth", "*:authWithPassword", "*:auth"], ("", "@auth"), "*:auth"),
        (["posts:list", "*:list", "GET /api/collections/posts/records", "/api/collections/posts/records"], ("",), "/api/"),
        (["POST /api/collections/posts/records", "/api/collections/posts/records"], ("",), "POST /api/collections/"),
        (["GET /api/batch", "/api/batch"], ("",), "/api/batch"),
        (["GET /other", "/other"], ("",), None),
    ],
)
def test_find_rule(labels, audiences, expected):
    rule = find_rule(RULES, labels, audiences)
    assert (rule["label"] if rule else None) == expected


def test_excluded_ips_and_networks():
    assert ip_excluded("10.1.2.3", ["10.0.0.0/8"])
    assert ip_excluded("192.168.0.5", ["192.168.0.5"])
    assert not ip_excluded("192.168.0.6", ["192.168.0.5", "not an ip"])


def test_memory_windows_open_with_the_first_hit(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    backend = MemoryBackend()
    assert [backend.incr("k", 10) for _ in range(3)] == [1, 2, 3]
    clock[0] = 109.9
    assert backend.incr("k", 10) == 4
    clock[0] = 110.0
    assert backend.incr("k", 10) == 1 and backend.count("k") == 1
    assert backend.add_once("once", 5) and not backend.add_once("once", 5)
    clock[0] = 115.0
    assert backend.add_once("once", 5)


def test_the_sqlite_file_is_shared_by_every_process(tmp_path, monkeypatch):
    path = tmp_path / "ratelimits.db"
    first, second = SQLiteBackend(path), SQLiteBackend(path)  # two workers of one node
    assert [first.incr("k", 10), second.incr("k", 10), first.incr("k", 10)] == [1, 2, 3]
    assert second.count("k") == 3
    assert first.add_once("o", 60) and not second.add_once("o", 60)
    second.delete("o")
    assert first.add_once("o", 60)
    now = ratelimit.time.time()
    monkeypatch.setattr(ratelimit.time, "time", lambda: now + 11)
    assert second.count("k") == 0 and first.incr("k", 10) == 1


def test_built_in_limits_are_shared_without_redis(core, redis_url):
    if redis_url:
        assert core.rate_limits.shared is core.rate_limits.backend
    else:
        assert isinstance(core.rate_limits.backend, MemoryBackend)
        assert isinstance(core.rate_limits.shared, SQLiteBackend)
        assert core.rate_limits.shared.path == str(core.config.data_dir / "ratelimits.db")


def enable(core, *rules, **options):
    core.settings.update({"rateLimits": {"enabled": True, "excludedIPs": [], "rules": list(rules), **options}})


def rule(label, max_requests, duration=60, audience=""):
    return {"label": label, "audience": audience, "duration": duration, "maxRequests": max_requests}


def test_a_collection_action_rule(client, core):
    create_user(client, "rl@example.com")
    enable(core, rule("*:authWithPassword", 2))
    body = {"identity": "rl@example.com", "password": "wrong-password"}
    statuses = [client.post("/api/collections/users/auth-with-password", json=body).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert client.post("/api/collections/users/auth-with-password", json=body).get_json() == TOO_MANY
    # every collection counts on its own, as in PocketBase
    assert client.post("/api/collections/_superusers/auth-with-password", json=body).status_code == 400
    # other routes are not limited by this rule
    assert client.get("/api/collections/users/records").status_code == 200


def test_record_routes_use_their_collection_and_action(client, core, su_headers):
    client.post("/api/collections", json={"name": "posts", "type": "base", "listRule": "", "viewRule": ""}, headers=su_headers)
    enable(core, rule("posts:list", 1), rule("*:view", 1))
    assert [client.get("/api/collections/posts/records").status_code for _ in range(2)] == [200, 429]
    assert client.get("/api/collections/users/records").status_code == 200  # another collection
    assert [client.get("/api/collections/posts/records/missing").status_code for _ in range(2)] == [404, 429]


def test_path_rules_audiences_and_superusers(client, core, su_headers):
    create_user(client, "aud@example.com")
    user = {"Authorization": token_of(client, "aud@example.com")}
    enable(core, rule("GET /api/health", 1, audience="@guest"), rule("/api/", 2, audience="@auth"))
    assert [client.get("/api/health").status_code for _ in range(2)] == [200, 429]
    assert [client.get("/api/health", headers=user).status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get("/api/health", headers=su_headers).status_code for _ in range(5)] == [200] * 5


def test_clients_are_counted_apart_and_excluded_ips_skip(client, core):
    enable(core, rule("/api/", 1), excludedIPs=["10.9.0.0/16"])
    assert [client.get("/api/health").status_code for _ in range(2)] == [200, 429]
    other = {"REMOTE_ADDR": "10.1.1.1"}
    assert client.get("/api/health", environ_base=other).status_code == 200
    excluded = {"REMOTE_ADDR": "10.9.1.1"}
    assert [client.get("/api/health", environ_base=excluded).status_code for _ in range(3)] == [200] * 3


def test_a_trusted_proxy_header_names_the_client(client, core):
    enable(core, rule("/api/", 1))
    core.settings.update({"trustedProxy": {"headers": ["X-Forwarded-For"], "useLeftmostIP": False}})
    first = {"X-Forwarded-For": "203.0.113.9, 198.51.100.1"}
    second = {"X-Forwarded-For": "203.0.113.9, 198.51.100.2"}
    assert [client.get("/api/health", headers=first).status_code for _ in range(2)] == [200, 429]
    assert client.get("/api/health", headers=second).status_code == 200


def test_settings_changes_apply_without_restart(client, core, su_headers):
    enable(core, rule("/api/health", 1))
    assert [client.get("/api/health").status_code for _ in range(2)] == [200, 429]
    response = client.patch("/api/settings", json={"rateLimits": {"rules": [rule("/api/health", 3)]}}, headers=su_headers)
    assert response.status_code == 200
    assert [client.get("/api/health").status_code for _ in range(4)] == [200, 200, 200, 429]
    client.patch("/api/settings", json={"rateLimits": {"enabled": False}}, headers=su_headers)
    assert [client.get("/api/health").status_code for _ in range(5)] == [200] * 5


def test_the_default_rules_when_enabled(client, core, su_headers):
    create_user(client, "def@example.com")
    client.patch("/api/settings", json={"rateLimits": {"enabled": True}}, headers=su_headers)
    body = {"identity": "def@example.com", "password": "wrong-password"}
    statuses = [client.post("/api/collections/users/auth-with-password", json=body).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]  # *:auth allows 2 per 3 seconds


@pytest.mark.redis
def test_redis_counters_are_shared_by_every_process(redis_url):
    first, second = RedisBackend(redis_url, "test-shared"), RedisBackend(redis_url, "test-shared")
    apart = RedisBackend(redis_url, "test-apart")
    for backend in (first, second, apart):
        backend.delete("k")
    assert [first.incr("k", 5), second.incr("k", 5), first.incr("k", 5)] == [1, 2, 3]
    assert apart.incr("k", 5) == 1
    assert 0 < first.client.pttl(first.prefix + "k") <= 5000
    assert first.add_once("o", 5) and not second.add_once("o", 5)
    for backend in (first, apart):
        backend.delete("k")
    first.delete("o")


@pytest.mark.redis
def test_the_app_uses_redis_when_configured(core, client):
    assert isinstance(core.rate_limits.backend, RedisBackend)
    enable(core, rule("/api/health", 1))
    assert [client.get("/api/health").status_code for _ in range(2)] == [200, 429]


def test_redis_down_fails_open(core, client):
    backend = RedisBackend("redis://127.0.0.1:1/0", "down")
    assert backend.incr("k", 5) == 0 and backend.count("k") == 0 and backend.add_once("k", 5)
    core.rate_limits.backend = core.rate_limits.shared = backend
    assert core.rate_limits.attempt("k", limit=1, duration=5) and core.rate_limits.attempt("k", limit=1, duration=5)
    enable(core, rule("/api/health", 1))
    assert [client.get("/api/health").status_code for _ in range(2)] == [200, 200]


def test_a_malformed_label_is_refused(client, su_headers):
    response = client.patch(
        "/api/settings", json={"rateLimits": {"rules": [rule("bad label!", 2)]}}, headers=su_headers
    )
    assert response.status_code == 400
    assert response.get_json()["data"]["rateLimits"]["rules"]["0"]["label"]["code"] == "validation_match_invalid"


def test_conflicting_rules_are_refused(client, su_headers):
    response = client.patch(
        "/api/settings", json={"rateLimits": {"rules": [rule("/api/", 2), rule("/api/", 3)]}}, headers=su_headers
    )
    assert response.status_code == 400
    assert response.get_json()["data"]["rateLimits"]["rules"]["1"]["label"]["code"] == "validation_conflicting_rate_limit_rule"
