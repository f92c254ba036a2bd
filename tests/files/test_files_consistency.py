"""Files and transactions, on local disk and S3: a create or update that fails leaves no new file behind;
replaced and removed files, and every file of a deleted record (cascades included), go only once the
transaction has committed; a file the API names is always there (`consistent` checks it after each test)."""

from __future__ import annotations

import io
import json

import pytest

from baas.core.auth import record_from_token
from baas.core.context import RequestContext
from baas.storage import StorageError
from baas.storage.paths import thumb_key
from files_support import image, multipart, unique


@pytest.fixture(scope="module")
def docs(fx):
    name = unique("cdocs_")
    return fx.collection(
        [
            {"name": "title", "type": "text"},
            {"name": "code", "type": "text"},
            {"name": "docs", "type": "file", "maxSelect": 5},
        ],
        name=name,
        indexes=[f"CREATE UNIQUE INDEX idx_{name}_code ON {name} (code) WHERE code != ''"],
    )


@pytest.fixture(scope="module")
def superuser_ctx(fx):
    return RequestContext(auth=record_from_token(fx.core, fx.su["Authorization"]), method="PATCH")


def key(record, name):
    return f"{record['collectionId']}/{record['id']}/{name}"


def test_a_create_failing_its_create_rule_after_the_insert_keeps_no_file(fx, consistent):
    collection = fx.collection([{"name": "title", "type": "text"}, {"name": "docs", "type": "file", "maxSelect": 2}],
                               createRule="title = 'allowed'")
    guest = {}
    response = fx.create(collection["name"], [("title", "refused"), ("docs", "a.txt", b"a")], headers=guest)
    assert response.status_code == 400 and response.get_json()["message"] == "Failed to create record."
    assert fx.keys(collection["id"]) == []
    allowed = fx.created(collection["name"], [("title", "allowed"), ("docs", "a.txt", b"a")], headers=guest)
    assert fx.stored(allowed, allowed["docs"][0]) == b"a"


def test_a_create_failing_on_a_unique_index_keeps_no_file(fx, docs, consistent):
    code = unique("code")
    fx.created(docs["name"], [("code", code), ("docs", "first.txt", b"1")])
    before = fx.keys(docs["id"])
    response = fx.create(docs["name"], [("code", code), ("docs", "second.txt", b"2"), ("docs", "third.txt", b"3")])
    assert response.status_code == 400
    assert response.get_json()["data"]["code"]["code"] == "validation_not_unique"
    assert fx.keys(docs["id"]) == before


def test_an_update_failing_on_a_unique_index_keeps_the_old_files(fx, docs, consistent):
    taken = unique("code")
    fx.created(docs["name"], [("code", taken)])
    record = fx.created(docs["name"], [("docs", "keep.txt", b"keep")])
    response = fx.update(docs["name"], record["id"], [("code", taken), ("docs", "new.txt", b"new")])
    assert response.status_code == 400
    assert fx.keys(docs["id"], record["id"]) == [key(record, record["docs"][0])]


def test_a_storage_failure_midway_rolls_back_the_files_already_stored(fx, docs, consistent, monkeypatch):
    storage = fx.storage
    real_save = storage.save
    calls = []

    def failing_save(key, source, content_type=""):
        calls.append(key)
        if len(calls) == 2:
            raise StorageError("the disk is full")
        return real_save(key, source, content_type)

    monkeypatch.setattr(storage, "save", failing_save)
    title = unique("title")
    response = fx.create(docs["name"], [("title", title), ("docs", "a.txt", b"a"), ("docs", "b.txt", b"b"), ("docs", "c.txt", b"c")])
    monkeypatch.undo()
    assert response.status_code == 400
    assert response.get_json() == {"status": 400, "message": "Failed to create record.", "data": {}}
    assert len(calls) == 2 and not storage.exists(calls[0])
    rows = fx.client.get(f"/api/collections/{docs['name']}/records", query_string={"filter": f"title = '{title}'"}, headers=fx.su)
    assert rows.get_json()["totalItems"] == 0


def test_removed_and_replaced_files_go_only_after_the_commit(fx, docs, superuser_ctx, consistent):
    record = fx.created(docs["name"], [("docs", "a.txt", b"a"), ("docs", "b.txt", b"b")])
    a, b = record["docs"]
    collection = fx.core.collections.get(docs["name"])
    with fx.core.db.transaction():
        fx.core.records.update(collection, record["id"], superuser_ctx, {"docs-": [a]})
        assert fx.storage.exists(key(record, a)), "removed before the commit"
    assert not fx.storage.exists(key(record, a))
    assert fx.storage.exists(key(record, b))


def test_a_rolled_back_update_keeps_the_old_files_and_drops_the_new(fx, docs, superuser_ctx, consistent):
    from baas.core.files import Upload

    record = fx.created(docs["name"], [("docs", "a.txt", b"a")])
    (a,) = record["docs"]
    collection = fx.core.collections.get(docs["name"])
    upload = Upload.from_stream("new.txt", io.BytesIO(b"new"))
    with pytest.raises(RuntimeError):
        with fx.core.db.transaction():
            saved = fx.core.records.update(collection, record["id"], superuser_ctx, {"docs": [upload]})
            assert fx.storage.exists(key(record, saved.get("docs")[0]))  # stored inside the transaction
            raise RuntimeError("something later in the same transaction fails")
    assert fx.storage.exists(key(record, a))
    assert fx.keys(docs["id"], record["id"]) == [key(record, a)]


def test_a_removed_files_thumbs_go_with_it(fx, consistent):
    collection = fx.collection([{"name": "pics", "type": "file", "maxSelect": 2}])
    record = fx.created(collection["name"], [("pics", "a.png", image()), ("pics", "b.png", image())])
    a, b = record["pics"]
    assert fx.file(record, a, thumb="100x100").status_code == 200
    assert fx.file(record, b, thumb="100x100").status_code == 200
    fx.update(collection["name"], record["id"], [("pics-", a)])
    assert not fx.storage.exists(thumb_key(collection["id"], record["id"], a, "100x100"))
    assert fx.storage.exists(thumb_key(collection["id"], record["id"], b, "100x100"))


def test_deleting_a_record_removes_its_files_and_thumbs_after_the_commit(fx, superuser_ctx, consistent):
    collection = fx.collection([{"name": "pics", "type": "file", "maxSelect": 2}])
    record = fx.created(collection["name"], [("pics", "a.png", image()), ("pics", "b.txt", b"b")])
    fx.file(record, record["pics"][0], thumb="100x100")
    assert len(fx.keys(collection["id"], record["id"])) == 3
    found = fx.core.records_repo.find(fx.core.collections.get(collection["name"]), record["id"])
    with fx.core.db.transaction():
        fx.core.records.remove(found, superuser_ctx)
        assert len(fx.keys(collection["id"], record["id"])) == 3, "removed before the commit"
    assert fx.keys(collection["id"], record["id"]) == []
    assert fx.file(record, record["pics"][1]).status_code == 404


def test_a_delete_through_the_api(fx, consistent):
    collection = fx.collection([{"name": "doc", "type": "file"}])
    record = fx.created(collection["name"], [("doc", "d.txt", b"d")])
    response = fx.client.delete(f"/api/collections/{collection['name']}/records/{record['id']}", headers=fx.su)
    assert response.status_code == 204
    assert fx.keys(collection["id"]) == []


def test_a_failed_delete_keeps_the_files(fx, consistent):
    parents = fx.collection([{"name": "doc", "type": "file"}])
    children = fx.collection([{"name": "parent", "type": "relation", "collectionId": parents["id"], "required": True}])
    parent = fx.created(parents["name"], [("doc", "p.txt", b"p")])
    child = fx.client.post(f"/api/collections/{children['name']}/records", json={"parent": parent["id"]}, headers=fx.su)
    assert child.status_code == 200
    response = fx.client.delete(f"/api/collections/{parents['name']}/records/{parent['id']}", headers=fx.su)
    assert response.status_code == 400
    assert fx.stored(parent, parent["doc"]) == b"p"


def test_cascade_deletes_remove_the_files_of_every_deleted_record(fx, consistent):
    parents = fx.collection([{"name": "doc", "type": "file"}])
    children = fx.collection([
        {"name": "parent", "type": "relation", "collectionId": parents["id"], "cascadeDelete": True},
        {"name": "att", "type": "file", "maxSelect": 2},
    ])
    grandchildren = fx.collection([
        {"name": "child", "type": "relation", "collectionId": children["id"], "cascadeDelete": True},
        {"name": "att", "type": "file"},
    ])
    parent = fx.created(parents["name"], [("doc", "p.txt", b"p")])
    kids = [fx.created(children["name"], [("parent", parent["id"]), ("att", f"c{n}.txt", b"c")]) for n in range(2)]
    grandkid = fx.created(grandchildren["name"], [("child", kids[0]["id"]), ("att", "g.txt", b"g")])
    survivor = fx.created(children["name"], [("att", "s.txt", b"s")])
    response = fx.client.delete(f"/api/collections/{parents['name']}/records/{parent['id']}", headers=fx.su)
    assert response.status_code == 204
    assert fx.keys(parents["id"]) == [] and fx.keys(grandchildren["id"]) == []
    assert fx.keys(children["id"]) == [key(survivor, survivor["att"][0])]
    assert fx.file(grandkid, grandkid["att"]).status_code == 404


def test_a_failed_batch_stores_nothing_and_a_committed_one_removes_what_it_replaced(fx, docs, consistent):
    response = fx.client.patch("/api/settings", json={"batch": {"enabled": True, "maxRequests": 50, "timeout": 3, "maxBodySize": 0}}, headers=fx.su)
    assert response.status_code == 200
    record = fx.created(docs["name"], [("docs", "old.txt", b"old")])
    url = f"/api/collections/{docs['name']}/records"
    taken = unique("code")
    fx.created(docs["name"], [("code", taken)])

    def batch(requests, parts):
        body, content_type = multipart([("@jsonPayload", json.dumps({"requests": requests})), *parts])
        return fx.client.post("/api/batch", data=body, content_type=content_type, headers=fx.su)

    failed = batch(
        [{"method": "PATCH", "url": f"{url}/{record['id']}", "body": {}}, {"method": "POST", "url": url, "body": {"code": taken}}],
        [("requests.0.docs", "replacement.txt", b"new"), ("requests.1.docs", "other.txt", b"other")],
    )
    assert failed.status_code == 400
    assert fx.keys(docs["id"], record["id"]) == [key(record, record["docs"][0])]
    done = batch([{"method": "PATCH", "url": f"{url}/{record['id']}", "body": {}}], [("requests.0.docs", "replacement.txt", b"new")])
    assert done.status_code == 200, done.get_json()
    (new,) = done.get_json()[0]["body"]["docs"]
    assert fx.keys(docs["id"], record["id"]) == [key(record, new)]


def test_deleting_a_collection_removes_its_files(fx):
    collection = fx.collection([{"name": "doc", "type": "file"}])
    fx.created(collection["name"], [("doc", "d.txt", b"d")])
    assert fx.client.delete(f"/api/collections/{collection['name']}", headers=fx.su).status_code == 204
    assert fx.keys(collection["id"]) == []


# ---- the storage contract, where the API depends on it ---------------------------------------------------


def test_empty_files_and_ranges_past_the_end(fx):
    fx.storage.save("contract/r/empty.txt", io.BytesIO(b""))
    assert fx.storage.stat("contract/r/empty.txt").size == 0
    assert b"".join(fx.storage.read("contract/r/empty.txt")) == b""
    assert b"".join(fx.storage.read("contract/r/empty.txt", 0, 511)) == b""
    fx.storage.save("contract/r/short.txt", io.BytesIO(b"abc"))
    assert b"".join(fx.storage.read("contract/r/short.txt", 0, 511)) == b"abc"
    fx.storage.delete_prefix("contract/")
    assert list(fx.storage.list("contract/")) == []
