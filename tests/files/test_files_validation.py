"""Bad uploads, on local disk and S3: too large, wrong type (taken from the content, never the client's
header), too many files, unusable names, truncated or malformed multipart bodies, bodies over the limit.
Each is a 400 (413 for the body limit) in PocketBase's error shape, and nothing is stored."""

from __future__ import annotations

import io

import pytest

from files_support import image, multipart

SIZE_LIMIT = 1000


@pytest.fixture(scope="module")
def strict(fx):
    return fx.collection([
        {"name": "title", "type": "text"},
        {"name": "img", "type": "file", "maxSize": SIZE_LIMIT, "mimeTypes": ["image/png"]},
        {"name": "two", "type": "file", "maxSelect": 2},
        {"name": "plain", "type": "file"},
    ])


def assert_nothing_stored(fx, collection):
    assert fx.keys(collection["id"]) == []
    rows = fx.client.get(f"/api/collections/{collection['name']}/records", headers=fx.su).get_json()
    assert rows["totalItems"] == 0


def error_of(response, status=400):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"status", "message", "data"} and body["status"] == status
    return body


def test_too_many_files(fx, strict, consistent):
    response = fx.create(strict["name"], [("two", "a.txt", b"a"), ("two", "b.txt", b"b"), ("two", "c.txt", b"c")])
    body = error_of(response)
    assert body["message"] == "Failed to create record."
    assert body["data"]["two"] == {"code": "validation_too_many_files", "message": "The maximum allowed files is 2.",
                                   "params": {"maxSelect": 2}}
    assert_nothing_stored(fx, strict)


def test_two_files_for_a_single_file_field_keep_the_last(fx, strict, consistent):
    """As PocketBase 0.40.6: a single file field takes the last upload; the other one is not stored."""
    record = fx.created(strict["name"], [("plain", "a.txt", b"a"), ("plain", "b.txt", b"b")])
    assert record["plain"].startswith("b")
    assert fx.keys(strict["id"], record["id"]) == [f"{strict['id']}/{record['id']}/{record['plain']}"]
    fx.client.delete(f"/api/collections/{strict['name']}/records/{record['id']}", headers=fx.su)


def test_too_many_files_by_appending(fx, strict, consistent):
    record = fx.created(strict["name"], [("two", "a.txt", b"a"), ("two", "b.txt", b"b")])
    response = fx.update(strict["name"], record["id"], [("two+", "c.txt", b"c")])
    assert error_of(response)["message"] == "Failed to update record."
    assert sorted(fx.keys(strict["id"], record["id"])) == sorted(f"{strict['id']}/{record['id']}/{n}" for n in record["two"])
    fx.client.delete(f"/api/collections/{strict['name']}/records/{record['id']}", headers=fx.su)


def test_too_large(fx, strict, consistent):
    big = image(size=(200, 200)) + b"\0" * SIZE_LIMIT
    body = error_of(fx.create(strict["name"], [("img", "big.png", big, "image/png")]))
    assert body["data"]["img"]["code"] == "validation_file_size_limit"
    assert body["data"]["img"]["params"] == {"file": "big.png", "maxSize": SIZE_LIMIT}
    assert_nothing_stored(fx, strict)


def test_the_default_limit_is_5_mb(fx, strict, consistent):
    at_limit = b"x" * (5 * 1024 * 1024)
    record = fx.created(strict["name"], [("plain", "ok.txt", at_limit)])
    assert fx.storage.stat(f"{strict['id']}/{record['id']}/{record['plain']}").size == len(at_limit)
    fx.client.delete(f"/api/collections/{strict['name']}/records/{record['id']}", headers=fx.su)
    body = error_of(fx.create(strict["name"], [("plain", "big.txt", at_limit + b"x")]))
    assert body["data"]["plain"]["params"] == {"file": "big.txt", "maxSize": 5 * 1024 * 1024}
    assert_nothing_stored(fx, strict)


def test_the_type_comes_from_the_content_not_the_header(fx, strict, consistent):
    body = error_of(fx.create(strict["name"], [("img", "fake.png", b"GIF89a not really a png", "image/png")]))
    assert body["data"]["img"]["code"] == "validation_invalid_mime_type"
    assert body["data"]["img"]["message"].endswith(" mime type must be one of: image/png.")
    assert_nothing_stored(fx, strict)
    # a real PNG passes whatever the client claims it is
    record = fx.created(strict["name"], [("img", "picture.txt", image(), "text/plain")])
    assert record["img"].endswith(".txt")
    fx.client.delete(f"/api/collections/{strict['name']}/records/{record['id']}", headers=fx.su)


@pytest.mark.parametrize("name", ["../../evil.txt", "dir/evil.txt", "..\\evil.txt", "C:\\temp\\evil.txt", "evil\x00.txt", ".."])
def test_names_holding_a_path_are_refused(fx, strict, consistent, name):
    body = error_of(fx.create(strict["name"], [("title", "x"), ("plain", name, b"evil")]))
    assert body["data"]["plain"]["code"] == "validation_invalid_file_name"
    assert_nothing_stored(fx, strict)
    if fx.kind == "local":
        assert not (fx.core.config.storage_dir.parent / "evil.txt").exists()


def test_a_dot_dot_inside_a_name_is_no_path(fx, strict, consistent):
    record = fx.created(strict["name"], [("plain", "notes..v2.txt", b"ok")])
    assert record["plain"].startswith("notes_") and record["plain"].endswith(".v2.txt")
    fx.client.delete(f"/api/collections/{strict['name']}/records/{record['id']}", headers=fx.su)


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(lambda body: body[:-len(b"--\r\n") - 30], id="no closing boundary"),
        pytest.param(lambda body: body[: len(body) // 2], id="cut inside the file"),
        pytest.param(lambda body: body[:40], id="cut inside the part headers"),
        pytest.param(lambda body: b"not multipart at all", id="garbage"),
    ],
)
def test_truncated_or_malformed_multipart_bodies(fx, strict, consistent, cut):
    body, content_type = multipart([("title", "x"), ("plain", "a.txt", b"A" * 4000)])
    response = fx.client.post(f"/api/collections/{strict['name']}/records", data=cut(body), content_type=content_type, headers=fx.su)
    assert error_of(response)["message"] == "Something went wrong while processing your request."
    assert_nothing_stored(fx, strict)


def test_an_empty_multipart_body(fx, strict, consistent):
    _, content_type = multipart([])
    response = fx.client.post(f"/api/collections/{strict['name']}/records", input_stream=io.BytesIO(b""), content_length=0,
                              content_type=content_type, headers=fx.su)
    assert error_of(response)["message"] == "Failed to read the submitted data."
    assert_nothing_stored(fx, strict)


def test_a_multipart_body_without_boundary(fx, strict, consistent):
    body, _ = multipart([("title", "x"), ("plain", "a.txt", b"A")])
    response = fx.client.post(f"/api/collections/{strict['name']}/records", data=body, content_type="multipart/form-data", headers=fx.su)
    error_of(response)
    assert_nothing_stored(fx, strict)


def test_a_body_over_the_collection_limit_is_413(fx, strict, consistent):
    """The limit is 32 MB plus what the collection's fields may hold (here 1000 B + 2 x 5 MB + 5 MB)."""
    limit = 32 * 1024 * 1024 + SIZE_LIMIT + 2 * 5 * 1024 * 1024 + 5 * 1024 * 1024
    body, content_type = multipart([("plain", "huge.bin", b"\0" * (limit + 1))])
    response = fx.client.post(f"/api/collections/{strict['name']}/records", data=body, content_type=content_type, headers=fx.su)
    assert error_of(response, 413)["message"] == "Request entity too large."
    assert_nothing_stored(fx, strict)


def test_a_bad_upload_among_good_ones_stores_nothing(fx, strict, consistent):
    response = fx.create(strict["name"], [
        ("two", "good.txt", b"good"), ("img", "bad.png", b"not an image", "image/png"), ("plain", "fine.txt", b"fine"),
    ])
    error_of(response)
    assert_nothing_stored(fx, strict)


def test_a_failed_update_keeps_the_old_files_and_stores_no_new_one(fx, strict, consistent):
    record = fx.created(strict["name"], [("img", "ok.png", image()), ("plain", "keep.txt", b"keep")])
    response = fx.update(strict["name"], record["id"], [("plain", "new.txt", b"new"), ("img", "bad.png", b"nope", "image/png")])
    error_of(response)
    assert fx.keys(strict["id"], record["id"]) == sorted(f"{strict['id']}/{record['id']}/{n}" for n in (record["img"], record["plain"]))
    assert fx.stored(record, record["plain"]) == b"keep"
    fx.client.delete(f"/api/collections/{strict['name']}/records/{record['id']}", headers=fx.su)


def test_the_size_message_is_pocketbases(fx, strict):
    body = error_of(fx.create(strict["name"], [("img", "a.png", image() + b"\0" * SIZE_LIMIT)]))
    assert body["data"]["img"]["message"] == f"Failed to upload a.png - the maximum allowed file size is {SIZE_LIMIT} bytes."
