"""Backups: taken while the server writes, restored into another deployment with everything intact."""

from __future__ import annotations

import io
import threading
import zipfile

import pytest


@pytest.fixture
def notes(client, su_headers):
    response = client.post(
        "/api/collections",
        json={"name": "notes", "listRule": "", "viewRule": "", "createRule": "",
              "fields": [{"name": "title", "type": "text"}, {"name": "n", "type": "number"}]},
        headers=su_headers,
    )
    assert response.status_code == 200, response.get_json()


def titles(client) -> list[str]:
    items = client.get("/api/collections/notes/records?perPage=1000&sort=n").get_json()["items"]
    return [item["title"] for item in items]


def test_backup_while_writing_then_restore_into_a_fresh_deployment(app_factory, notes, app, client, su_headers):
    core = app.extensions["baas"]
    for n in range(20):
        client.post("/api/collections/notes/records", json={"title": f"before {n}", "n": n})
    core.files.storage.save("pbc_x/rec/photo.png", io.BytesIO(b"\x89PNG fake image bytes"))

    stop = threading.Event()

    def keep_writing():
        writer = app.test_client()
        n = 100
        while not stop.is_set():
            writer.post("/api/collections/notes/records", json={"title": f"during {n}", "n": n})
            n += 1

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        assert client.post("/api/backups", json={"name": "snapshot.zip"}, headers=su_headers).status_code == 204
    finally:
        stop.set()
        thread.join()

    listed = client.get("/api/backups", headers=su_headers).get_json()
    assert [item["key"] for item in listed] == ["snapshot.zip"] and listed[0]["size"] > 0
    token = client.post("/api/files/token", headers=su_headers).get_json()["token"]
    archive = client.get(f"/api/backups/snapshot.zip?token={token}").data
    assert zipfile.ZipFile(io.BytesIO(archive)).testzip() is None

    fresh = app_factory()
    fresh_client = fresh.test_client()
    fresh_core = fresh.extensions["baas"]
    from baas.core import superusers

    superusers.upsert(fresh_core, "other@example.com", "Other-Passw0rd")
    other_token = fresh_client.post("/api/collections/_superusers/auth-with-password",
                                    json={"identity": "other@example.com", "password": "Other-Passw0rd"}).get_json()["token"]
    upload = fresh_client.post("/api/backups/upload", headers={"Authorization": other_token},
                               data={"file": (io.BytesIO(archive), "snapshot.zip")}, content_type="multipart/form-data")
    assert upload.status_code == 204
    assert fresh_client.post("/api/backups/snapshot.zip/restore", headers={"Authorization": other_token}).status_code == 204

    restored = titles(fresh_client)
    assert restored[:20] == [f"before {n}" for n in range(20)]
    assert all(title.startswith("during") for title in restored[20:])  # a consistent prefix of the writes
    assert fresh_core.files.storage.read_all("pbc_x/rec/photo.png") == b"\x89PNG fake image bytes"
    # the restored superusers replace the fresh deployment's ones
    sign_in = fresh_client.post("/api/collections/_superusers/auth-with-password",
                                json={"identity": "admin@example.com", "password": "Passw0rd!23"})
    assert sign_in.status_code == 200


def test_restore_brings_back_deleted_collections_and_files(notes, app, client, su_headers):
    core = app.extensions["baas"]
    client.post("/api/collections/notes/records", json={"title": "kept", "n": 1})
    core.files.storage.save("c/r/a.txt", io.BytesIO(b"a"))
    assert client.post("/api/backups", json={"name": "b1.zip"}, headers=su_headers).status_code == 204
    assert client.delete("/api/collections/notes", headers=su_headers).status_code == 204
    core.files.storage.save("c/r/new.txt", io.BytesIO(b"new"))
    core.files.storage.delete("c/r/a.txt")
    assert client.post("/api/backups/b1.zip/restore", headers=su_headers).status_code == 204
    assert titles(client) == ["kept"]
    assert sorted(core.files.storage.list()) == ["c/r/a.txt"]


def test_names_are_validated_and_missing_backups_are_404(client, su_headers):
    bad = client.post("/api/backups", json={"name": "Bad Name.zip"}, headers=su_headers)
    assert bad.status_code == 400 and bad.get_json()["data"]["name"]["code"] == "validation_match_invalid"
    assert client.post("/api/backups/nope.zip/restore", headers=su_headers).status_code == 404
    assert client.delete("/api/backups/nope.zip", headers=su_headers).status_code == 404
    not_zip = client.post("/api/backups/upload", headers=su_headers,
                          data={"file": (io.BytesIO(b"not a zip"), "x.zip")}, content_type="multipart/form-data")
    assert not_zip.status_code == 400


def test_auto_named_backup_delete_and_access_control(client, su_headers):
    assert client.post("/api/backups", headers=su_headers).status_code == 204
    key = client.get("/api/backups", headers=su_headers).get_json()[0]["key"]
    assert key.startswith("baas_backup_") and key.endswith(".zip")
    assert client.get("/api/backups").status_code == 401
    assert client.get(f"/api/backups/{key}").status_code == 403
    assert client.get(f"/api/backups/{key}?token=forged").status_code == 403
    assert client.delete(f"/api/backups/{key}", headers=su_headers).status_code == 204
    assert client.get("/api/backups", headers=su_headers).get_json() == []


def test_backups_can_live_on_s3(client, su_headers, s3_settings):
    assert client.patch("/api/settings", json={"backups": {"s3": s3_settings}}, headers=su_headers).status_code == 200
    assert client.post("/api/backups", json={"name": "on-s3.zip"}, headers=su_headers).status_code == 204
    assert [item["key"] for item in client.get("/api/backups", headers=su_headers).get_json()] == ["on-s3.zip"]
    assert client.post("/api/backups/on-s3.zip/restore", headers=su_headers).status_code == 204


def test_scheduled_backups_follow_the_setting_and_keep_cron_max_keep(core, client, su_headers):
    bad = client.patch("/api/settings", json={"backups": {"cron": "not a cron"}}, headers=su_headers)
    assert bad.status_code == 400 and "cron" in bad.get_json()["data"]["backups"]
    client.patch("/api/settings", json={"backups": {"cron": "0 3 * * *", "cronMaxKeep": 2}}, headers=su_headers)
    client.get("/api/health")  # any request brings the schedule up to date
    jobs = {job["id"]: job["expression"] for job in client.get("/api/crons", headers=su_headers).get_json()}
    assert jobs["__baasAutoBackup__"] == "0 3 * * *"
    client.post("/api/backups", json={"name": "manual.zip"}, headers=su_headers)
    made = []
    for second in range(3):
        made.append(core.backups.create(f"auto_baas_backup_2026010100000{second}.zip"))
    core.backups.auto_backup()
    keys = sorted(item["key"] for item in client.get("/api/backups", headers=su_headers).get_json())
    assert "manual.zip" in keys  # manual backups are never pruned
    assert len([key for key in keys if key.startswith("auto_baas_backup_")]) == 2
    client.patch("/api/settings", json={"backups": {"cron": ""}}, headers=su_headers)
    client.get("/api/health")
    assert "__baasAutoBackup__" not in {job["id"] for job in client.get("/api/crons", headers=su_headers).get_json()}
