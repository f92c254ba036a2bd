"""Request logs: every API request is logged apart from the records, and superusers query them."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from baas.core.records.listing import ListQuery


def logged(core, client, headers, query: str = ""):
    core.logs.flush()
    response = client.get(f"/api/logs{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_api_request_is_logged_with_status_time_and_error(core, client, su_headers):
    client.get("/api/collections/users/records?perPage=5", headers={"User-Agent": "probe/1"})
    client.get("/api/collections/users/records?filter=nope=", headers={"User-Agent": "probe/1"})
    items = logged(core, client, su_headers, "?filter=" + quote("data.userAgent = 'probe/1'") + "&sort=created")["items"]
    assert [item["data"]["status"] for item in items] == [200, 400]
    ok, failed = items
    assert ok["message"] == "GET /api/collections/users/records?perPage=5"
    assert ok["level"] == 0 and failed["level"] == 4
    assert ok["data"]["method"] == "GET" and ok["data"]["execTime"] >= 0
    assert ok["data"]["auth"] == "" and ok["data"]["remoteIP"] == "127.0.0.1"
    assert failed["data"]["error"] == "Something went wrong while processing your request."


def test_the_auth_collection_is_logged_and_the_id_only_when_configured(core, client, superuser, su_headers):
    client.get("/api/collections", headers=su_headers)
    entry = logged(core, client, su_headers, "?filter=" + quote("data.url = '/api/collections'"))["items"][0]
    assert entry["data"]["auth"] == "_superusers" and "authId" not in entry["data"]
    client.patch("/api/settings", json={"logs": {"logAuthId": True, "logIP": False}}, headers=su_headers)
    client.get("/api/collections?perPage=1", headers=su_headers)
    entry = logged(core, client, su_headers, "?filter=" + quote("data.url = '/api/collections?perPage=1'"))["items"][0]
    assert entry["data"]["authId"] == superuser[0].id
    assert "remoteIP" not in entry["data"]


def test_trusted_proxy_headers_give_the_user_ip(core, client, su_headers):
    client.patch("/api/settings", json={"trustedProxy": {"headers": ["X-Forwarded-For"], "useLeftmostIP": True}},
                 headers=su_headers)
    client.get("/api/health?probe=1", headers={"X-Forwarded-For": "203.0.113.7, 10.0.0.1"})
    entry = logged(core, client, su_headers, "?filter=" + quote("data.url = '/api/health?probe=1'"))["items"][0]
    assert entry["data"]["userIP"] == "203.0.113.7"
    assert entry["data"]["remoteIP"] == "127.0.0.1"


def test_one_entry_stats_and_truncate(core, client, su_headers):
    client.get("/api/health")
    first = logged(core, client, su_headers, "?perPage=1&sort=created")["items"][0]
    assert client.get(f"/api/logs/{first['id']}", headers=su_headers).get_json()["id"] == first["id"]
    assert client.get("/api/logs/nope", headers=su_headers).status_code == 404
    stats = client.get("/api/logs/stats", headers=su_headers).get_json()
    assert all(bucket["date"].endswith(":00:00.000Z") for bucket in stats)
    assert sum(bucket["total"] for bucket in stats) >= 2
    assert client.delete("/api/logs", headers=su_headers).status_code == 204
    core.logs.flush()
    assert core.logs.list(ListQuery(filter="message != 'DELETE /api/logs'")).total_items == 0


def test_bad_filter_and_guests_are_refused(client, su_headers):
    assert client.get("/api/logs?filter=nope=", headers=su_headers).status_code == 400
    assert client.get("/api/logs").status_code == 401


def test_retention_deletes_entries_older_than_max_days(core, client, su_headers):
    client.get("/api/health")
    core.logs.flush()
    with core.logs.engine.begin() as connection:
        connection.execute(core.logs.table.update().values(created="2001-01-01 00:00:00.000Z"))
    client.get("/api/health")
    core.logs.flush()
    assert core.logs.apply_retention() >= 1
    remaining = core.logs.list(ListQuery()).items
    assert remaining and all(item["created"] > "2001" for item in remaining)


@pytest.mark.parametrize("level,kept", [(0, True), (5, False)])
def test_min_level_drops_quieter_entries(core, client, su_headers, level, kept):
    client.patch("/api/settings", json={"logs": {"minLevel": level}}, headers=su_headers)
    client.get("/api/health?level-probe=1")
    found = logged(core, client, su_headers, "?filter=" + quote("data.url = '/api/health?level-probe=1'"))
    assert (found["totalItems"] == 1) is kept


def test_logs_live_apart_from_the_records(core):
    if core.db.dialect.name == "sqlite":
        assert str(core.logs.engine.url).endswith("auxiliary.db")
    assert core.logs.engine is not core.db.engine
