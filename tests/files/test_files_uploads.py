"""Uploads through multipart/form-data, on local disk and S3: several files per field, repeated keys,
@jsonPayload, string coercion, append / prepend / remove / replace, and PocketBase's stored names."""

from __future__ import annotations

import json
import re

import pytest

from baas.core.files import check_client_name, detect_type, InvalidUpload, stored_name

from files_support import image

SUFFIXED = re.compile(r"^[a-z0-9_]+_[a-z0-9]{10}\.[A-Za-z0-9.]+$")

FIELDS = [
    {"name": "title", "type": "text"},
    {"name": "count", "type": "number"},
    {"name": "active", "type": "bool"},
    {"name": "tags", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3},
    {"name": "meta", "type": "json"},
    {"name": "one", "type": "file"},
    {"name": "docs", "type": "file", "maxSelect": 5},
]


@pytest.fixture(scope="module")
def docs(fx):
    return fx.collection(FIELDS)


def test_create_with_files_form_values_and_json_payload(fx, docs, consistent):
    record = fx.created(docs["name"], [
        ("title", "form title"),
        ("count", "5"),
        ("active", "true"),
        ("tags", "a"),
        ("tags", "c"),
        ("docs", "Hello World.png", image(), "image/png"),
        ("docs", "notes.txt", b"some notes"),
        ("one", "a.txt", b"single"),
        ("@jsonPayload", json.dumps({"title": "json title", "meta": {"x": 1}})),
    ])
    assert record["title"] == "json title"  # @jsonPayload is merged over the form values
    assert record["count"] == 5 and record["active"] is True and record["tags"] == ["a", "c"]
    assert record["meta"] == {"x": 1}
    first, second = record["docs"]
    assert first.startswith("hello_world_") and first.endswith(".png") and SUFFIXED.match(first)
    assert second.startswith("notes_") and second.endswith(".txt")
    assert re.fullmatch(r"a[a-z0-9]{10}_[a-z0-9]{10}\.txt", record["one"])  # short names are padded
    assert fx.stored(record, first) == image()
    assert fx.stored(record, second) == b"some notes"
    assert fx.stored(record, record["one"]) == b"single"
    assert fx.keys(docs["id"], record["id"]) == sorted(
        f"{docs['id']}/{record['id']}/{name}" for name in [first, second, record["one"]]
    )


def test_the_same_name_twice_gets_two_stored_files(fx, docs, consistent):
    record = fx.created(docs["name"], [("docs", "same.txt", b"one"), ("docs", "same.txt", b"two")])
    assert len(set(record["docs"])) == 2
    assert sorted(fx.stored(record, name) for name in record["docs"]) == [b"one", b"two"]


def test_append_prepend_and_remove(fx, docs, consistent):
    record = fx.created(docs["name"], [("docs", "a.txt", b"a"), ("docs", "b.txt", b"b")])
    a, b = record["docs"]
    appended = fx.update(docs["name"], record["id"], [("docs+", "c.txt", b"c")]).get_json()
    assert appended["docs"][:2] == [a, b] and len(appended["docs"]) == 3
    c = appended["docs"][2]
    prepended = fx.update(docs["name"], record["id"], [("+docs", "d.txt", b"d")]).get_json()
    d = prepended["docs"][0]
    assert prepended["docs"] == [d, a, b, c]
    removed = fx.update(docs["name"], record["id"], [("docs-", a), ("docs-", c)]).get_json()
    assert removed["docs"] == [d, b]
    assert fx.stored(record, a) is None and fx.stored(record, c) is None
    assert fx.stored(record, b) == b"b" and fx.stored(record, d) == b"d"


def test_remove_through_json(fx, docs, consistent):
    record = fx.created(docs["name"], [("docs", "a.txt", b"a"), ("docs", "b.txt", b"b")])
    a, b = record["docs"]
    response = fx.client.patch(f"/api/collections/{docs['name']}/records/{record['id']}", json={"docs-": [a]}, headers=fx.su)
    assert response.get_json()["docs"] == [b]
    assert fx.stored(record, a) is None


def test_an_empty_value_removes_everything(fx, docs, consistent):
    record = fx.created(docs["name"], [("docs", "a.txt", b"a"), ("docs", "b.txt", b"b"), ("one", "c.txt", b"c")])
    cleared = fx.update(docs["name"], record["id"], [("docs", ""), ("one", "")]).get_json()
    assert cleared["docs"] == [] and cleared["one"] == ""
    assert fx.keys(docs["id"], record["id"]) == []


def test_a_plain_key_replaces_and_kept_names_are_resent(fx, docs, consistent):
    record = fx.created(docs["name"], [("docs", "a.txt", b"a"), ("docs", "b.txt", b"b")])
    a, b = record["docs"]
    replaced = fx.update(docs["name"], record["id"], [("docs", b), ("docs", "e.txt", b"e")]).get_json()
    assert replaced["docs"][0] == b and len(replaced["docs"]) == 2
    assert fx.stored(record, a) is None
    only_new = fx.update(docs["name"], record["id"], [("docs", "f.txt", b"f")]).get_json()
    assert len(only_new["docs"]) == 1 and only_new["docs"][0].startswith("f")
    assert [fx.stored(record, name) for name in only_new["docs"]] == [b"f"]


def test_a_single_file_field_replaced_by_a_new_upload(fx, docs, consistent):
    record = fx.created(docs["name"], [("one", "first.txt", b"1")])
    updated = fx.update(docs["name"], record["id"], [("one", "second.txt", b"2")]).get_json()
    assert updated["one"].startswith("second_") and updated["one"] != record["one"]
    assert fx.stored(record, record["one"]) is None
    assert fx.stored(record, updated["one"]) == b"2"
    removed = fx.update(docs["name"], record["id"], [("one-", updated["one"])]).get_json()
    assert removed["one"] == ""
    assert fx.keys(docs["id"], record["id"]) == []


def test_names_cannot_be_invented(fx, docs, consistent):
    response = fx.client.post(f"/api/collections/{docs['name']}/records", json={"docs": ["made_up.txt"]}, headers=fx.su)
    assert response.status_code == 400
    assert response.get_json()["data"]["docs"]["code"] == "validation_invalid_file"


def test_a_file_part_for_a_field_that_is_no_file_field_is_ignored(fx, docs, consistent):
    record = fx.created(docs["name"], [("title", "t.txt", b"abc"), ("nosuchfield", "n.txt", b"abc")])
    assert record["title"] == ""
    assert fx.keys(docs["id"], record["id"]) == []


def test_an_empty_file_input_is_no_upload(fx, docs, consistent):
    """Browsers send an empty part without a file name for an empty <input type=file>."""
    record = fx.created(docs["name"], [("title", "x"), ("docs", "", b"")])
    assert record["docs"] == []


def test_an_empty_file_is_a_file(fx, docs, consistent):
    record = fx.created(docs["name"], [("docs", "empty.txt", b"")])
    assert record["docs"][0].startswith("empty_")
    assert fx.stored(record, record["docs"][0]) == b""


def test_urlencoded_bodies_still_work(fx, docs, consistent):
    response = fx.client.post(f"/api/collections/{docs['name']}/records", data={"title": "form", "count": "2"}, headers=fx.su)
    assert response.status_code == 200 and response.get_json()["count"] == 2


# ---- stored names: verified against PocketBase 0.40.6 ------------------------------------------------


@pytest.mark.parametrize(
    ("original", "content_type", "pattern"),
    [
        ("archive.tar.gz", "application/gzip", r"archive_R\.tar\.gz"),
        ("a.b.c.d.txt", "text/plain", r"a_b_c_R\.d\.txt"),
        ("My File (1).JPG", "image/jpeg", r"my_file_1_R\.JPG"),
        ("with space .PnG", "image/png", r"with_space_R\.PnG"),
        ("UPPER.TXT", "text/plain", r"upper_R\.TXT"),
        ("CamelCaseName.txt", "text/plain", r"camel_case_name_R\.txt"),
        ("myTestDB.txt", "text/plain", r"my_test_db_R\.txt"),
        ("file1Name.txt", "text/plain", r"file1_name_R\.txt"),
        ("ÄÖü Ünïcode.txt", "text/plain", r"n_code_R\.txt"),
        ("tést@é.txt", "text/plain", r"t_st_R\.txt"),
        ("a_b__c.txt", "text/plain", r"a_b_c_R\.txt"),
        ("__init__.py", "text/plain", r"init_R\.py"),
        ("a b.c d.txt", "text/plain", r"a_b_R\.cd\.txt"),
        ("e.t-x+t=#*", "text/plain", r"eR_R\.t-x\+t=#\*"),
        ("x.verylongextension123456789012345", "text/plain", r"xR_R\.nsion123456789012345"),
        ("photo", "image/png", r"photo_R\.png"),
        ("name.", "text/plain", r"name_R\.txt"),
        ("blob", "application/octet-stream", r"blob_R"),
        (".hidden", "text/plain", r"R_R\.hidden"),
        ("-.txt", "text/plain", r"R_R\.txt"),
        ("ab.txt", "text/plain", r"abR_R\.txt"),
        ("abc.txt", "text/plain", r"abc_R\.txt"),
        ("日本語.txt", "text/plain", r"R_R\.txt"),
        ("notes..v2.txt", "text/plain", r"notes_R\.v2\.txt"),
        ("x" * 150 + ".txt", "text/plain", "x" * 100 + r"_R\.txt"),
    ],
)
def test_stored_names_follow_pocketbase(original, content_type, pattern):
    assert re.fullmatch(pattern.replace("R", "[a-z0-9]{10}"), stored_name(original, content_type)), stored_name(original, content_type)


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b.txt", "a\\b.txt", "a\x00b.txt", "..", ".", "", "..."])
def test_unusable_client_names_are_refused(name):
    with pytest.raises(InvalidUpload):
        check_client_name(name)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (image("PNG"), "image/png"),
        (image("JPEG"), "image/jpeg"),
        (image("GIF"), "image/gif"),
        (image("WEBP"), "image/webp"),
        (image("BMP"), "image/bmp"),
        (b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        (b'{"a": 1}', "application/json"),
        (b"<!DOCTYPE html><p>x", "text/html"),
        (b"  <p>just a paragraph</p>", "text/html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        (b'<?xml version="1.0"?><a/>', "text/xml"),
        (b"a,b\n1,2\n", "text/csv"),
        (b"hello", "text/plain"),
        ("café".encode("latin-1"), "text/plain"),
        (b"", "text/plain"),
        (b"\x00asm\x01\x00\x00\x00", "application/octet-stream"),
        (bytes(range(256)), "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_content(head, expected):
    assert detect_type(head) == expected
