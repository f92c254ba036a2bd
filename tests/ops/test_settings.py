"""Settings: PocketBase's keys, validated, secrets write-only, applied by every process without a restart."""

from __future__ import annotations

from baas import create_app
from baas.config import Config


def test_defaults_have_pocketbase_keys_and_no_secrets(client, su_headers):
    settings = client.get("/api/settings", headers=su_headers).get_json()
    assert set(settings) == {"meta", "smtp", "s3", "backups", "batch", "rateLimits", "trustedProxy", "logs", "superuserIPs"}
    assert settings["batch"] == {"enabled": False, "maxRequests": 50, "timeout": 3, "maxBodySize": 0}
    assert settings["logs"]["maxDays"] == 5 and settings["rateLimits"]["enabled"] is False
    assert "password" not in settings["smtp"] and "secret" not in settings["s3"] and "secret" not in settings["backups"]["s3"]


def test_secrets_are_write_only_and_kept_when_not_resent(core, client, su_headers):
    changed = client.patch("/api/settings", headers=su_headers, json={
        "smtp": {"password": "smtp-pass", "host": "mail.local"},
        "s3": {"secret": "s3-secret", "bucket": "b"},
        "backups": {"s3": {"secret": "backup-secret"}},
    })
    assert changed.status_code == 200
    body = changed.get_data(as_text=True)
    assert "smtp-pass" not in body and "s3-secret" not in body and "backup-secret" not in body
    client.patch("/api/settings", headers=su_headers, json={"smtp": {"password": "", "port": 2525}})
    stored = core.settings.get()
    assert stored["smtp"]["password"] == "smtp-pass" and stored["smtp"]["port"] == 2525
    assert stored["s3"]["secret"] == "s3-secret" and stored["backups"]["s3"]["secret"] == "backup-secret"
    assert "smtp-pass" not in client.get("/api/settings", headers=su_headers).get_data(as_text=True)


def test_invalid_values_are_400_with_field_errors_and_change_nothing(core, client, su_headers):
    response = client.patch("/api/settings", headers=su_headers, json={
        "meta": {"appURL": "not a url", "senderAddress": "nope"},
        "smtp": {"port": "x"},
        "batch": {"maxRequests": 0},
        "rateLimits": {"rules": [{"label": "", "duration": 0, "maxRequests": 1}]},
    })
    assert response.status_code == 400
    data = response.get_json()["data"]
    assert data["meta"]["appURL"]["code"] == "validation_invalid_value"
    assert set(data["meta"]) == {"appURL", "senderAddress"}
    assert set(data["smtp"]) == {"port"} and set(data["batch"]) == {"maxRequests"}
    assert set(data["rateLimits"]["rules"]["0"]) == {"label", "duration"}
    assert core.settings.get()["smtp"]["port"] == 587


def test_non_object_bodies_and_non_superusers_are_refused(client, su_headers):
    assert client.patch("/api/settings", headers={**su_headers, "Content-Type": "application/json"},
                        data="[1,2]").status_code == 400
    assert client.get("/api/settings").status_code == 401
    assert client.patch("/api/settings", json={"meta": {"appName": "x"}}).status_code == 401


def test_a_change_reaches_another_process_on_its_next_request(app, client, su_headers):
    """A second App on the same database (another worker or node) sees the change without a restart."""
    config: Config = app.extensions["baas"].config
    other = create_app(config, run_migrations=False)
    try:
        other_client = other.test_client()
        assert other_client.post("/api/batch", json={"requests": []}).status_code == 403  # batch off
        client.patch("/api/settings", headers=su_headers, json={"batch": {"enabled": True}})
        assert other.extensions["baas"].settings.get()["batch"]["enabled"] is False  # nothing pushed...
        other_client.get("/api/health")  # ...the next request reloads
        assert other.extensions["baas"].settings.get()["batch"]["enabled"] is True
    finally:
        other.extensions["baas"].close()
