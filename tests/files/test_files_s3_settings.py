"""S3 in the settings: POST /api/settings/test/s3 (messages checked against PocketBase 0.40.6) and switching
the record files' storage between the local disk and S3 by PATCHing the settings."""

from __future__ import annotations

import boto3
import pytest

from baas.storage.local import LocalStorage
from baas.storage.s3 import S3Storage
from files_support import PASSWORD, SU_EMAIL, SU_PASSWORD, multipart, unique

FAILED = "Failed to test the S3 filesystem."


@pytest.fixture(scope="module")
def world(databases, tmp_path_factory):
    """One app for the module (a new one per test costs seconds)."""
    from baas import create_app, load_config
    from baas.core import superusers

    data_dir = tmp_path_factory.mktemp("s3_settings")
    url = databases.fresh(data_dir)
    flask_app = create_app(load_config(data_dir, url, env={}), run_migrations=False)
    flask_app.config["TESTING"] = True
    superusers.upsert(flask_app.extensions["baas"], SU_EMAIL, SU_PASSWORD)
    yield flask_app
    flask_app.extensions["baas"].close()
    databases.release(url)


@pytest.fixture
def core(world):
    return world.extensions["baas"]


@pytest.fixture
def client(world):
    return world.test_client()


@pytest.fixture
def su_headers(client):
    """A superuser; S3 is switched off again after each test."""
    response = client.post("/api/collections/_superusers/auth-with-password", json={"identity": SU_EMAIL, "password": SU_PASSWORD})
    headers = {"Authorization": response.get_json()["token"]}
    yield headers
    off = {"enabled": False, "bucket": "", "endpoint": "", "accessKey": "", "secret": ""}
    response = client.patch("/api/settings", json={"s3": off, "backups": {"s3": off}}, headers=headers)
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def s3(client, su_headers, s3_settings):
    """Turns S3 on for record files; returns its settings."""
    response = client.patch("/api/settings", json={"s3": s3_settings}, headers=su_headers)
    assert response.status_code == 200, response.get_json()
    return s3_settings


def bucket_keys(settings) -> list[str]:
    client = boto3.client("s3", endpoint_url=settings["endpoint"], region_name=settings["region"],
                          aws_access_key_id=settings["accessKey"], aws_secret_access_key=settings["secret"])
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=settings["bucket"]).get("Contents", []))


def test_a_working_storage_bucket(client, su_headers, s3):
    response = client.post("/api/settings/test/s3", json={"filesystem": "storage"}, headers=su_headers)
    assert response.status_code == 204 and response.data == b""
    assert bucket_keys(s3) == []  # the probe file is gone again


def test_a_working_backups_bucket(client, su_headers, s3_settings):
    response = client.patch("/api/settings", json={"backups": {"s3": s3_settings}}, headers=su_headers)
    assert response.status_code == 200
    assert client.post("/api/settings/test/s3", json={"filesystem": "backups"}, headers=su_headers).status_code == 204
    # the record files' storage is still off
    response = client.post("/api/settings/test/s3", json={"filesystem": "storage"}, headers=su_headers)
    assert response.get_json()["message"] == f"{FAILED} Raw error: \nS3 storage filesystem is not enabled."


@pytest.mark.parametrize("filesystem", ["storage", "backups"])
def test_s3_that_is_off(client, su_headers, filesystem):
    response = client.post("/api/settings/test/s3", json={"filesystem": filesystem}, headers=su_headers)
    assert response.status_code == 400
    assert response.get_json() == {"status": 400, "message": f"{FAILED} Raw error: \nS3 storage filesystem is not enabled.", "data": {}}


def test_a_missing_bucket(client, su_headers, s3):
    client.patch("/api/settings", json={"s3": {**s3, "bucket": "no-such-bucket-here"}}, headers=su_headers)
    response = client.post("/api/settings/test/s3", json={"filesystem": "storage"}, headers=su_headers)
    assert response.status_code == 400
    message = response.get_json()["message"]
    assert message.startswith(f"{FAILED} Raw error: \n") and "NoSuchBucket" in message


def test_an_unreachable_endpoint(client, su_headers, s3):
    client.patch("/api/settings", json={"s3": {**s3, "endpoint": "http://127.0.0.1:9"}}, headers=su_headers)
    response = client.post("/api/settings/test/s3", json={"filesystem": "storage"}, headers=su_headers)
    assert response.status_code == 400
    assert response.get_json()["message"].startswith(f"{FAILED} Raw error: \n")


def test_wrong_credentials_are_reported_not_raised(client, su_headers, s3):
    client.patch("/api/settings", json={"s3": {**s3, "endpoint": "not a url"}}, headers=su_headers)
    response = client.post("/api/settings/test/s3", json={"filesystem": "storage"}, headers=su_headers)
    assert response.status_code == 400
    assert response.get_json()["message"].startswith(f"{FAILED} Raw error: \n")


@pytest.mark.parametrize(
    ("body", "data"),
    [
        ({}, {"filesystem": {"code": "validation_required", "message": "Cannot be blank."}}),
        ({"filesystem": ""}, {"filesystem": {"code": "validation_required", "message": "Cannot be blank."}}),
        ({"filesystem": "x"}, {"filesystem": {"code": "validation_in_invalid", "message": "Must be a valid value."}}),
    ],
)
def test_validation(client, su_headers, body, data):
    response = client.post("/api/settings/test/s3", json=body, headers=su_headers)
    assert response.get_json() == {"status": 400, "message": FAILED, "data": data}


@pytest.mark.parametrize("raw", [b"{not json", b"[1]", b'{"filesystem": 5}'])
def test_unreadable_bodies(client, su_headers, raw):
    response = client.post("/api/settings/test/s3", data=raw, content_type="application/json", headers=su_headers)
    assert response.get_json() == {"status": 400, "message": "An error occurred while loading the submitted data.", "data": {}}


def test_superusers_only(client, su_headers):
    assert client.post("/api/settings/test/s3", json={"filesystem": "storage"}).status_code == 401
    email = f"{unique('s3user')}@example.com"
    user = client.post("/api/collections/users/records", json={"email": email, "password": PASSWORD, "passwordConfirm": PASSWORD},
                       headers=su_headers)
    assert user.status_code == 200
    token = client.post("/api/collections/users/auth-with-password", json={"identity": email, "password": PASSWORD}).get_json()["token"]
    assert client.post("/api/settings/test/s3", json={"filesystem": "storage"}, headers={"Authorization": token}).status_code == 403


def test_switching_the_storage(core, client, su_headers, s3_settings):
    assert isinstance(core.files.storage, LocalStorage)
    response = client.post("/api/collections", json={"name": "switch", "fields": [{"name": "doc", "type": "file"}], "viewRule": ""},
                           headers=su_headers)
    assert response.status_code == 200, response.get_json()
    collection_id = response.get_json()["id"]

    def upload(text):
        body, content_type = multipart([("doc", "d.txt", text)])
        response = client.post("/api/collections/switch/records", data=body, content_type=content_type, headers=su_headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    local = upload(b"on disk")
    assert (core.config.storage_dir / collection_id / local["id"] / local["doc"]).read_bytes() == b"on disk"
    client.patch("/api/settings", json={"s3": s3_settings}, headers=su_headers)
    assert isinstance(core.files.storage, S3Storage)
    remote = upload(b"in the bucket")
    assert bucket_keys(s3_settings) == [f"{collection_id}/{remote['id']}/{remote['doc']}"]
    assert not (core.config.storage_dir / collection_id / remote["id"]).exists()
    assert client.get(f"/api/files/switch/{remote['id']}/{remote['doc']}").data == b"in the bucket"
    client.patch("/api/settings", json={"s3": {"enabled": False}}, headers=su_headers)
    assert isinstance(core.files.storage, LocalStorage)
    assert client.get(f"/api/files/switch/{local['id']}/{local['doc']}").data == b"on disk"
