"""GET /api/files/{collection}/{record}/{filename} on local disk and S3: headers (PocketBase's, checked
against 0.40.6), thumbs, download=1, Range requests, ETag / Last-Modified and conditional requests."""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime

import pytest

from baas.storage.paths import thumb_key
from files_support import image, picture_of

CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
CACHE = "max-age=2592000, stale-while-revalidate=86400"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
PAYLOAD = bytes(range(256)) * 40  # 10240 bytes


@pytest.fixture(scope="module")
def gallery(fx):
    collection = fx.collection([
        {"name": "pics", "type": "file", "maxSelect": 10, "thumbs": ["50x50", "60x30t", "60x30b", "30x30f", "0x10", "20x0", "80x40", "40x40t", "40x40b", "40x40"]},
        {"name": "other", "type": "file", "maxSelect": 10},
    ])
    record = fx.created(collection["name"], [
        ("pics", "wide.png", image("PNG", (200, 100), ("red", "blue"))),
        ("pics", "tall.png", image("PNG", (100, 200), ("red", "lime", "lime", "blue"))),
        ("pics", "photo.jpg", image("JPEG", (90, 60))),
        ("pics", "anim.gif", image("GIF", (40, 40))),
        ("pics", "pic.webp", image("WEBP", (40, 20))),
        ("pics", "page.html", HTML),
        ("pics", "drawing.svg", SVG),
        ("other", "data.bin", PAYLOAD),
        ("other", "notes.txt", b"plain text"),
        ("other", "doc.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
        ("other", "empty.txt", b""),
        ("other", "style.css", b"body { color: red }"),
    ])
    names = {name.split("_")[0]: name for name in record["pics"] + record["other"]}
    return collection, record, names


def test_the_file_and_pocketbases_headers(fx, gallery):
    _, record, names = gallery
    response = fx.file(record, names["wide"])
    assert response.status_code == 200
    assert response.data == image("PNG", (200, 100), ("red", "blue"))
    headers = response.headers
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"] == f'inline; filename="{names["wide"]}"'
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == CACHE
    assert headers["Accept-Ranges"] == "bytes"
    assert int(headers["Content-Length"]) == len(response.data)
    assert headers["ETag"].startswith('"') and headers["Last-Modified"].endswith(" GMT")


@pytest.mark.parametrize(
    ("file", "content_type", "disposition"),
    [
        ("photo", "image/jpeg", "inline"),
        ("anim", "image/gif", "inline"),
        ("pic", "image/webp", "inline"),
        ("doc", "application/pdf", "inline"),
        ("page", "text/html; charset=utf-8", "attachment"),
        ("drawing", "image/svg+xml", "attachment"),
        ("notes", "text/plain; charset=utf-8", "attachment"),
        ("empty", "text/plain", "attachment"),
        ("style", "text/css", "attachment"),
        ("data", "application/octet-stream", "attachment"),
    ],
)
def test_content_type_and_disposition(fx, gallery, file, content_type, disposition):
    _, record, names = gallery
    response = fx.file(record, names[file])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == f'{disposition}; filename="{names[file]}"'


@pytest.mark.parametrize("file", ["page", "drawing"])
def test_html_and_svg_cannot_run_as_a_page_of_the_site(fx, gallery, file):
    _, record, names = gallery
    for query in ({}, {"download": "0"}, {"thumb": "100x100"}):
        headers = fx.file(record, names[file], **query).headers
        assert headers["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in headers["Content-Security-Policy"] and "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("value", "disposition"), [("1", "attachment"), ("true", "attachment"), ("t", "attachment"),
                                                    ("0", "inline"), ("false", "inline"), ("yes", "inline")])
def test_download_forces_an_attachment(fx, gallery, value, disposition):
    _, record, names = gallery
    response = fx.file(record, names["wide"], download=value)
    assert response.headers["Content-Disposition"] == f'{disposition}; filename="{names["wide"]}"'


def test_head(fx, gallery):
    _, record, names = gallery
    response = fx.client.head(f"/api/files/{record['collectionName']}/{record['id']}/{names['data']}")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["Content-Length"] == str(len(PAYLOAD))


def test_by_collection_id_too(fx, gallery):
    collection, record, names = gallery
    response = fx.get(f"/api/files/{collection['id']}/{record['id']}/{names['notes']}")
    assert response.status_code == 200 and response.data == b"plain text"


# ---- thumbs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "pixels"),
    [("100x100", (100, 100)), ("50x50", (50, 50)), ("60x30t", (60, 30)), ("60x30b", (60, 30)),
     ("30x30f", (30, 15)), ("0x10", (20, 10)), ("20x0", (20, 10)), ("80x40", (80, 40))],
)
def test_thumb_sizes(fx, gallery, size, pixels):
    collection, record, names = gallery
    response = fx.file(record, names["wide"], thumb=size)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"] == f'inline; filename="{size}_{names["wide"]}"'
    assert picture_of(response.data).size == pixels
    assert fx.storage.exists(thumb_key(collection["id"], record["id"], names["wide"], size))


def test_thumb_crops_keep_the_top_the_middle_or_the_bottom(fx, gallery):
    _, record, names = gallery  # tall.png, 100x200: a red quarter on top, green in the middle, a blue quarter below
    def colors(size):
        picture = picture_of(fx.file(record, names["tall"], thumb=size).data).convert("RGB")
        assert picture.size == (40, 40)
        return picture.getpixel((20, 1)), picture.getpixel((20, 38))
    assert colors("40x40t") == ((255, 0, 0), (0, 255, 0))
    assert colors("40x40") == ((0, 255, 0), (0, 255, 0))
    assert colors("40x40b") == ((0, 255, 0), (0, 0, 255))


def test_sizes_not_allowed_serve_the_original(fx, gallery):
    _, record, names = gallery
    for size in ("10x10", "100x100x", "abc", "0x0", "50x50z"):
        response = fx.file(record, names["wide"], thumb=size)
        assert response.status_code == 200
        assert response.data == image("PNG", (200, 100), ("red", "blue"))
        assert response.headers["Content-Disposition"] == f'inline; filename="{names["wide"]}"'


@pytest.mark.parametrize(("file", "content_type"), [("photo", "image/jpeg"), ("anim", "image/gif"), ("pic", "image/png")])
def test_thumbs_of_other_image_types(fx, gallery, file, content_type):
    """JPEG and GIF thumbs keep their format; webp thumbs are PNG."""
    _, record, names = gallery
    response = fx.file(record, names[file], thumb="100x100")
    assert response.headers["Content-Type"] == content_type
    assert picture_of(response.data).size == (100, 100)


def test_no_thumbs_of_files_that_are_no_images(fx, gallery):
    collection, record, names = gallery
    for file in ("page", "drawing", "data"):
        response = fx.file(record, names[file], thumb="100x100")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == f'attachment; filename="{names[file]}"'
        assert not fx.storage.exists(thumb_key(collection["id"], record["id"], names[file], "100x100"))


def test_a_thumb_is_made_once(fx, gallery, monkeypatch):
    collection, record, names = gallery
    first = fx.file(record, names["photo"], thumb="50x50")
    key = thumb_key(collection["id"], record["id"], names["photo"], "50x50")
    made = fx.storage.stat(key)
    from baas.core import thumbs

    monkeypatch.setattr(thumbs, "render", lambda *args: pytest.fail("the thumb was made again"))
    second = fx.file(record, names["photo"], thumb="50x50")
    assert second.data == first.data
    assert fx.storage.stat(key).modified == made.modified


def test_a_broken_image_serves_the_original(fx, gallery):
    collection, _, _ = gallery
    broken = image("PNG", (50, 50))[:60]  # a PNG signature, then nothing usable
    record = fx.created(collection["name"], [("pics", "broken.png", broken)])
    response = fx.file(record, record["pics"][0], thumb="100x100")
    assert response.status_code == 200 and response.data == broken
    fx.client.delete(f"/api/collections/{collection['name']}/records/{record['id']}", headers=fx.su)


# ---- Range ----------------------------------------------------------------------------------------------


def _range(fx, gallery, value, **headers):
    _, record, names = gallery
    return fx.file(record, names["data"], headers={"Range": value, **headers})


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-9", 0, 9), ("bytes=100-", 100, len(PAYLOAD) - 1), ("bytes=-20", len(PAYLOAD) - 20, len(PAYLOAD) - 1),
     ("bytes=10000-99999", 10000, len(PAYLOAD) - 1), ("bytes=5-5", 5, 5), ("bytes=-99999", 0, len(PAYLOAD) - 1)],
)
def test_a_single_range(fx, gallery, header, start, end):
    response = _range(fx, gallery, header)
    assert response.status_code == 206
    assert response.data == PAYLOAD[start:end + 1]
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/{len(PAYLOAD)}"
    assert response.headers["Content-Length"] == str(end - start + 1)
    assert response.headers["Content-Type"] == "application/octet-stream"


def test_several_ranges_are_multipart_byteranges(fx, gallery):
    response = _range(fx, gallery, "bytes=0-1, 100-104,-3")
    assert response.status_code == 206
    content_type = response.headers["Content-Type"]
    assert content_type.startswith("multipart/byteranges; boundary=")
    boundary = content_type.split("boundary=")[1]
    body = response.data
    assert int(response.headers["Content-Length"]) == len(body)
    parts = body.split(f"--{boundary}".encode())
    assert parts[-1] == b"--\r\n"
    payloads = []
    for part in parts[1:-1]:
        head, _, data = part.partition(b"\r\n\r\n")
        assert b"Content-Type: application/octet-stream" in head
        payloads.append((head.split(b"Content-Range: ")[1].decode(), data.removesuffix(b"\r\n")))
    size = len(PAYLOAD)
    assert payloads == [
        (f"bytes 0-1/{size}", PAYLOAD[0:2]), (f"bytes 100-104/{size}", PAYLOAD[100:105]), (f"bytes {size - 3}-{size - 1}/{size}", PAYLOAD[-3:]),
    ]


def test_ranges_adding_up_to_more_than_the_file_get_it_whole(fx, gallery):
    response = _range(fx, gallery, "bytes=0-,0-")
    assert response.status_code == 200 and response.data == PAYLOAD


@pytest.mark.parametrize("header", ["bytes=99999-", "bytes=20-10", "items=0-5", "bytes=abc", "bytes=", "bytes=-0"])
def test_unsatisfiable_or_malformed_ranges_are_416(fx, gallery, header):
    response = _range(fx, gallery, header)
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(PAYLOAD)}"


def test_if_range(fx, gallery):
    current = _range(fx, gallery, "bytes=0-3")
    etag, modified = current.headers["ETag"], current.headers["Last-Modified"]
    assert _range(fx, gallery, "bytes=0-3", **{"If-Range": etag}).status_code == 206
    assert _range(fx, gallery, "bytes=0-3", **{"If-Range": modified}).status_code == 206
    stale = _range(fx, gallery, "bytes=0-3", **{"If-Range": '"someotheretag"'})
    assert stale.status_code == 200 and stale.data == PAYLOAD
    assert _range(fx, gallery, "bytes=0-3", **{"If-Range": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200


# ---- conditional requests -----------------------------------------------------------------------------


def test_etag_and_last_modified_give_304(fx, gallery):
    _, record, names = gallery
    first = fx.file(record, names["wide"])
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert fx.file(record, names["wide"]).headers["ETag"] == etag  # stable
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"x", {etag}'}, {"If-None-Match": "*"},
                    {"If-Modified-Since": modified}):
        response = fx.file(record, names["wide"], headers=headers)
        assert response.status_code == 304, headers
        assert response.data == b"" and response.headers["ETag"] == etag
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2001), usegmt=True)
    assert fx.file(record, names["wide"], headers={"If-Modified-Since": earlier}).status_code == 200
    assert fx.file(record, names["wide"], headers={"If-None-Match": '"other"'}).status_code == 200
    assert fx.file(record, names["wide"], headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_each_file_and_thumb_has_its_own_etag(fx, gallery):
    _, record, names = gallery
    tags = {fx.file(record, names["wide"]).headers["ETag"], fx.file(record, names["photo"]).headers["ETag"],
            fx.file(record, names["wide"], thumb="50x50").headers["ETag"]}
    assert len(tags) == 3


def test_if_match_and_if_unmodified_since_give_412(fx, gallery):
    _, record, names = gallery
    current = fx.file(record, names["notes"])
    assert fx.file(record, names["notes"], headers={"If-Match": '"other"'}).status_code == 412
    assert fx.file(record, names["notes"], headers={"If-Match": current.headers["ETag"]}).status_code == 200
    assert fx.file(record, names["notes"], headers={"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 412


# ---- not found --------------------------------------------------------------------------------------------


def test_missing_things_are_404(fx, gallery):
    collection, record, names = gallery
    for path in (
        f"/api/files/nosuchcollection/{record['id']}/{names['notes']}",
        f"/api/files/{collection['name']}/nosuchrecord123/{names['notes']}",
        f"/api/files/{collection['name']}/{record['id']}/not_a_file_of_this_record.txt",
        f"/api/files/{collection['name']}/{record['id']}/..%2F..%2Fdata.db",
        f"/api/files/{collection['name']}/{record['id']}/..",
        f"/api/files/users/{record['id']}/{names['notes']}",
    ):
        response = fx.get(path)
        assert response.status_code == 404, path
        assert response.get_json() == {"status": 404, "message": "The requested resource wasn't found.", "data": {}}


def test_a_name_in_another_record_is_not_served_from_this_one(fx, gallery):
    collection, record, names = gallery
    other = fx.created(collection["name"], [("other", "x.txt", b"x")])
    assert fx.get(f"/api/files/{collection['name']}/{other['id']}/{names['notes']}").status_code == 404
    fx.client.delete(f"/api/collections/{collection['name']}/records/{other['id']}", headers=fx.su)


# ---- view collections -------------------------------------------------------------------------------------


def test_files_of_view_records_are_served_from_the_source_record(fx):
    source = fx.collection([{"name": "doc", "type": "file"}, {"name": "docs", "type": "file", "maxSelect": 3, "protected": True}],
                           viewRule="@request.auth.id != ''")
    view = fx.collection([], type="view", viewQuery=f"SELECT id, doc, docs AS attachments FROM {source['name']}",
                         viewRule="@request.auth.id != ''", createRule=None, updateRule=None, deleteRule=None)
    view_of_view = fx.collection([], type="view", viewQuery=f"select id, attachments from {view['name']}",
                                 viewRule="", createRule=None, updateRule=None, deleteRule=None)
    record = fx.created(source["name"], [("doc", "single.png", image()), ("docs", "a.txt", b"a"), ("docs", "b.txt", b"b")])
    other = fx.created(source["name"], [("doc", "other.txt", b"other")])
    as_view = fx.client.get(f"/api/collections/{view['name']}/records/{record['id']}", headers=fx.su).get_json()
    assert as_view["doc"] == record["doc"] and as_view["attachments"] == record["docs"]
    ann = f"{view['name']}@example.com"
    fx.user(ann)
    token = fx.client.post("/api/files/token", headers=fx.login(ann)).get_json()["token"]

    response = fx.file(as_view, as_view["doc"])
    assert response.status_code == 200 and response.data == image()
    assert picture_of(fx.file(as_view, as_view["doc"], thumb="100x100").data).size == (100, 100)
    assert fx.file(as_view, as_view["attachments"][1]).status_code == 404  # protected: needs a token
    assert fx.file(as_view, as_view["attachments"][1], token=token).data == b"b"
    # through a view of the view, whose viewRule is public
    nested = fx.client.get(f"/api/collections/{view_of_view['name']}/records/{record['id']}", headers=fx.su).get_json()
    assert fx.file(nested, nested["attachments"][0]).data == b"a"
    # a name of another source record is not served under this view record
    assert fx.get(f"/api/files/{view['name']}/{record['id']}/{other['doc']}").status_code == 404
