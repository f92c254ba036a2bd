"""The official JS SDK (pocketbase@0.28.1) uploads and reads files unchanged against `baas serve`, with the
record files on the local disk and on S3 (moto's server on loopback): FormData uploads, pb.files.getURL,
a thumbnail's pixel size, modifiers, download, and a protected file read with a file token."""

from __future__ import annotations

import base64
import io
import json
import re
import urllib.request
import uuid

import pytest
from PIL import Image
from support.ci import hermetic_environ
from support.server import LiveServer

EMAIL = "sdk-files-admin@example.com"
PASSWORD = "Sdk-Passw0rd!23"

pytestmark = pytest.mark.node


def png(size=(80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "PNG")
    return out.getvalue()


def _settings(url: str, patch: dict) -> None:
    auth = urllib.request.Request(f"{url}/api/collections/_superusers/auth-with-password", method="POST",
                                  data=json.dumps({"identity": EMAIL, "password": PASSWORD}).encode(),
                                  headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(auth, timeout=30) as response:
        token = json.loads(response.read())["token"]
    update = urllib.request.Request(f"{url}/api/settings", method="PATCH", data=json.dumps(patch).encode(),
                                    headers={"Content-Type": "application/json", "Authorization": token})
    with urllib.request.urlopen(update, timeout=30) as response:
        assert response.status == 200


@pytest.fixture(scope="module", params=["local", "s3"])
def run(request, databases, redis_url, tmp_path_factory):
    """One scenario run per storage against one `baas serve` (started once per module and storage)."""
    data_dir = tmp_path_factory.mktemp(f"sdk_files_{request.param}") / "server"
    url = databases.empty(data_dir)
    env = hermetic_environ(BAAS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    if url:
        env["BAAS_DATABASE_URL"] = url
    if redis_url:
        env["BAAS_REDIS_URL"] = redis_url
    server = LiveServer(data_dir, env, ("--workers", "1")).start()
    try:
        server.cli("superuser", "upsert", EMAIL, PASSWORD)
        bucket = None
        if request.param == "s3":
            bucket = request.getfixturevalue("s3_server").settings(f"sdk-files-{uuid.uuid4().hex[:12]}")
            _settings(server.url, {"s3": bucket})
        result = server.run_js("files.mjs", SU_EMAIL=EMAIL, SU_PASSWORD=PASSWORD, PNG_B64=base64.b64encode(png()).decode())
        yield result, server, bucket
    finally:
        server.stop()
        databases.release(url)


def test_formdata_upload_gets_pocketbase_names(run):
    result, _, _ = run
    names = result["names"]
    assert re.fullmatch(r"photo_of_me_[a-z0-9]{10}\.png", names["image"])
    assert [name.split("_")[0][:1] for name in names["attachments"]] == ["a", "b"]
    assert re.fullmatch(r"secret_[a-z0-9]{10}\.txt", names["secret"])


def test_get_url_reads_the_file_back(run):
    result, server, _ = run
    assert result["imageURL"].startswith(f"{server.url}/api/files/")
    assert result["original"] == {"status": 200, "same": True, "type": "image/png",
                                  "disposition": f'inline; filename="{result["names"]["image"]}"'}


def test_thumbnails(run):
    result, _, _ = run
    assert result["thumb"]["status"] == 200 and result["thumb"]["size"] == [40, 20]
    assert result["thumb"]["disposition"] == f'inline; filename="40x20_{result["names"]["image"]}"'
    assert result["ratioThumb"] == [20, 10]
    assert result["defaultThumb"] == [100, 100]
    assert result["notAllowed"] == [80, 40]  # a size the field does not list: the original


def test_download(run):
    result, _, _ = run
    assert result["attachment"] == {"text": "second attachment",
                                    "disposition": f'attachment; filename="{result["names"]["attachments"][1]}"'}


def test_file_values_in_a_plain_object(run):
    result, _, _ = run
    assert result["objectFile"]["name"].startswith("object_") and result["objectFile"]["text"] == "object file"
    assert result["objectFile"]["title"] == "from an object"


def test_append_and_remove(run):
    result, _, _ = run
    first, second = result["names"]["attachments"]
    assert result["appended"][:2] == [first, second] and result["appended"][2].startswith("c")
    assert result["removed"] == [second, result["appended"][2]]
    assert result["removedFileStatus"] == 404


def test_protected_file_with_a_file_token(run):
    result, _, _ = run
    assert result["secret"] == {
        "withoutToken": 404,
        "withToken": {"status": 200, "text": "top secret"},
        "withStrangerToken": 404,
        "guestToken": 401,
        "tokenParts": 3,
    }


def test_the_files_are_in_the_chosen_storage(run):
    result, server, bucket = run
    names = {result["names"]["image"], result["names"]["secret"], *result["removed"]}
    if bucket is None:
        stored = {path.name for path in (server.data_dir / "storage").rglob("*") if path.is_file()}
    else:
        import boto3

        client = boto3.client("s3", endpoint_url=bucket["endpoint"], region_name=bucket["region"],
                              aws_access_key_id=bucket["accessKey"], aws_secret_access_key=bucket["secret"])
        stored = {item["Key"].rsplit("/", 1)[1] for item in client.list_objects_v2(Bucket=bucket["bucket"]).get("Contents", [])}
    assert names <= stored
    assert result["names"]["attachments"][0] not in stored  # removed after the commit
