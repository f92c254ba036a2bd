"""The official JS SDK (pocketbase@0.28.1) drives every `pb.collections.*` call against a live server
(tests/js/collections.mjs), unchanged from how it talks to PocketBase 0.40."""

from __future__ import annotations

import pytest

EMAIL = "sdk-collections@example.com"
PASSWORD = "Sdk-Passw0rd!23"


@pytest.fixture(scope="module")
def result(request):
    """One scenario run per module (a live server costs seconds); each test checks one part of it."""
    start = request.getfixturevalue("start_server")
    server = start()
    server.cli("superuser", "upsert", EMAIL, PASSWORD)
    return server.run_js("collections.mjs", SU_EMAIL=EMAIL, SU_PASSWORD=PASSWORD)


@pytest.fixture(scope="module")
def start_server(databases, redis_url, tmp_path_factory):
    """A module-scoped variant of conftest's `start_server`."""
    from support.ci import hermetic_environ
    from support.server import LiveServer

    started = []

    def start() -> LiveServer:
        data_dir = tmp_path_factory.mktemp("sdk_collections") / "data"
        url = databases.empty(data_dir)
        env = hermetic_environ(BAAS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
        if url:
            env["BAAS_DATABASE_URL"] = url
        if redis_url:
            env["BAAS_REDIS_URL"] = redis_url
        server = LiveServer(data_dir, env, ("--workers", "1"))
        started.append((server, url))
        return server.start()

    yield start
    for server, url in started:
        server.stop()
        databases.release(url)


pytestmark = pytest.mark.node


def test_scaffolds(result):
    assert result["scaffoldTypes"] == ["base", "auth", "view"]
    assert result["authScaffoldFields"] == ["id", "password", "tokenKey", "email", "emailVisibility", "verified"]


def test_create_every_kind(result):
    assert result["createdFields"] == [
        "id:text", "title:text", "n:number", "ok:bool", "mail:email", "site:url", "body:editor", "when:date",
        "created:autodate", "tag:select", "doc:file", "owner:relation", "meta:json", "secret:password", "loc:geoPoint",
    ]
    assert result["membersIndexes"] == 2
    assert result["viewFields"] == ["id:text", "title:text", "n:number"]


def test_list_calls(result):
    assert result["page"] == {"items": ["sdk_members", "sdk_posts"], "totalItems": 3, "perPage": 2}
    assert result["fullList"] == ["users", "sdk_titles", "sdk_posts", "sdk_members"]
    assert result["firstItem"] == "sdk_titles"
    assert result["getOneById"] == "sdk_posts"
    assert result["fieldsParam"] == ["id", "name"]


def test_update_keeps_ids_and_data(result):
    assert result["updatedFieldIds"] is True
    assert result["readBack"] == {"heading": "hello", "n": 5, "ok": True, "tag": ["b"], "meta": {"k": [1, 2]},
                                  "loc": {"lon": 1.5, "lat": 2.5}, "extra": 0}
    assert result["viewAfterRename"] == [5]
    assert (result["renamed"], result["recordAfterRename"]) == ("sdk_articles", "hello")


def test_dry_run(result):
    assert result["dryRun"] == {"fields": ["id", "heading"], "sample": ["hello"]}


def test_import_truncate_delete(result):
    assert result["imported"] is True and result["importedFields"] == ["id", "t"]
    assert (result["truncated"], result["afterTruncate"]) == (True, 0)
    assert (result["deleteView"], result["deleted"]) == (True, True)
    assert result["missing"]["status"] == 404


def test_errors(result):
    assert result["badName"] == {"status": 400, "message": "Failed to create collection.",
                                 "data": {"name": {"code": "validation_match_invalid", "message": "Must be in a valid format."}}}
    assert result["referenced"]["message"] == "Failed to delete collection probably due to existing reference in sdk_articles."
    assert result["systemDelete"] == {"status": 400, "message": "Failed to delete collection.", "data": {}}
    assert result["asUser"]["status"] == 403
    assert result["asGuest"]["status"] == 401
