"""The official JS SDK (pocketbase@0.28.1) runs the records API and batches unchanged against `baas serve`."""

from __future__ import annotations

import pytest
from support.ci import hermetic_environ
from support.server import LiveServer

EMAIL = "sdk-records@example.com"
PASSWORD = "Sdk-Passw0rd!23"
NOT_FOUND = "The requested resource wasn't found."


@pytest.fixture(scope="module")
def result(databases, redis_url, tmp_path_factory):
    """One scenario run against one `baas serve`, shared by the assertions below (as conftest's
    `start_server` does it, but once per module: starting a server costs seconds)."""
    data_dir = tmp_path_factory.mktemp("sdk_records") / "server"
    url = databases.empty(data_dir)
    env = hermetic_environ(BAAS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    if url:
        env["BAAS_DATABASE_URL"] = url
    if redis_url:
        env["BAAS_REDIS_URL"] = redis_url
    server = LiveServer(data_dir, env, ("--workers", "1")).start()
    try:
        server.cli("superuser", "upsert", EMAIL, PASSWORD)
        yield server.run_js("records.mjs", SU_EMAIL=EMAIL, SU_PASSWORD=PASSWORD)
    finally:
        server.stop()
        databases.release(url)


pytestmark = pytest.mark.node


def test_create_returns_the_record_with_expand_and_fields(result):
    assert result["created"][0] == {"title": "post 1", "n": 1, "author": "Ann"}
    assert len(result["created"]) == 5


def test_get_list(result):
    assert result["page"] == {"page": 2, "perPage": 2, "totalItems": 5, "totalPages": 3, "titles": ["post 3", "post 4"]}


def test_get_full_list_pages_through_everything(result):
    assert result["full"] == [5, 4, 3, 2, 1]
    assert result["filtered"] == ["post 3", "post 4", "post 5"]


def test_get_first_list_item(result):
    assert result["first"] == {"title": "post 2", "author": "Ann"}


def test_get_first_list_item_synthetic_404(result):
    assert result["missingFirst"] == {"status": 404, "response": {"code": 404, "message": NOT_FOUND, "data": {}}}


def test_get_one(result):
    assert result["one"] == {"id": result["oneId"], "title": "post 1"}


def test_update(result):
    assert result["updated"] == {"title": "renamed", "n": 11}
    assert result["badUpdate"] == {
        "status": 400,
        "response": {"status": 400, "message": "Failed to update record.",
                     "data": {"title": {"code": "validation_required", "message": "Cannot be blank."}}},
    }


def test_delete(result):
    assert result["deleted"] is True
    assert result["missingOne"] == {"status": 404, "response": {"status": 404, "message": NOT_FOUND, "data": {}}}


def test_create_batch_send(result):
    statuses = [item["status"] for item in result["batchResults"]]
    titles = [item["title"] for item in result["batchResults"]]
    assert statuses == [200, 200, 200, 200, 204]
    assert titles == ["batched", "batch updated", "batch upserted", "batch upsert created", None]
    assert result["batchResults"][3]["id"] == "sdkupsert000001"


def test_a_failing_batch_is_rolled_back(result):
    failure = result["batchFailure"]
    assert failure["status"] == 400
    assert failure["response"]["message"] == "Batch transaction failed."
    item = failure["response"]["data"]["requests"]["1"]
    assert item["code"] == "batch_request_failed"
    assert item["response"]["data"] == {"title": {"code": "validation_required", "message": "Cannot be blank."}}
    assert "never stored" not in [row["title"] for row in result["afterBatch"]]


def test_the_data_after_everything(result):
    assert result["afterBatch"] == [
        {"title": "batch upsert created", "n": 0},
        {"title": "batch updated", "n": 2},
        {"title": "batch upserted", "n": 3},
        {"title": "renamed", "n": 11},
        {"title": "batched", "n": 100},
    ]
