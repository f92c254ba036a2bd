"""Helpers for the file storage tests (the fixtures are in conftest.py).

Every module here runs twice, once per storage: the local disk and S3 (moto's standalone server on
loopback, reached by boto3 over real HTTP, switched on by PATCHing `{"s3": ...}` into /api/settings).
Each run shares one app per module (a database per test costs up to a second on PostgreSQL); tests work on
collections they create themselves. Both databases: set BAAS_TEST_DATABASE_URL for PostgreSQL.

    fx             (module, local|s3) Files: .client, .core, .kind, .su
    Files.collection(fields, **rules)          a new collection -> its JSON (name unique in the session)
    Files.send(method, path, parts, headers)   a multipart request built by `multipart()`
    Files.create(collection, parts) / .update(collection, id, parts)   -> response
    Files.get(path, **query|headers)           a GET through the test client
    Files.keys(collection_id)                  the storage keys under a collection
    Files.assert_consistent()                  every file a record names is stored, and nothing else is
    multipart(parts) -> (body, content type);  parts: ("key", "value") or ("key", "name", bytes[, type])
    image(fmt, size, colors)                   encoded image bytes
"""

from __future__ import annotations

import io
import itertools
import uuid
from typing import Any

from PIL import Image

SU_EMAIL = "admin@example.com"
SU_PASSWORD = "Passw0rd!23"
PASSWORD = "Us3r-Passw0rd"
OPEN = {"listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": ""}
BOUNDARY = "baasTestBoundary7MA4YWxkTrZu0gW"

_names = itertools.count(1)


def unique(prefix: str = "f") -> str:
    return f"{prefix}{next(_names)}_{uuid.uuid4().hex[:6]}"


def multipart(parts: list[tuple], boundary: str = BOUNDARY) -> tuple[bytes, str]:
    """A multipart/form-data body; the server reads back each file name exactly as given (nothing cleans it up)."""
    out = io.BytesIO()
    for part in parts:
        out.write(f"--{boundary}\r\n".encode())
        if len(part) == 2:
            key, value = part
            out.write(f'Content-Disposition: form-data; name="{key}"\r\n\r\n'.encode())
            out.write(value.encode() if isinstance(value, str) else value)
        else:
            key, filename, content, *rest = part
            content_type = rest[0] if rest else "application/octet-stream"
            quoted = filename.replace("\\", "\\\\").replace('"', '\\"')  # the server unquotes it back to `filename`
            head = f'Content-Disposition: form-data; name="{key}"; filename="{quoted}"\r\nContent-Type: {content_type}\r\n\r\n'
            out.write(head.encode("utf-8", "surrogateescape"))
            out.write(content)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def image(fmt: str = "PNG", size: tuple[int, int] = (40, 20), colors: tuple = ("red",)) -> bytes:
    """An image in horizontal bands of `colors` (top to bottom)."""
    picture = Image.new("RGB", size, colors[0])
    band = size[1] // len(colors)
    for index, color in enumerate(colors[1:], start=1):
        picture.paste(Image.new("RGB", (size[0], size[1] - band * index), color), (0, band * index))
    out = io.BytesIO()
    picture.save(out, fmt)
    return out.getvalue()


def picture_of(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


class Files:
    def __init__(self, flask_app, kind: str):
        self.flask_app = flask_app
        self.kind = kind
        self.core = flask_app.extensions["baas"]
        self.client = flask_app.test_client()
        self.su: dict[str, str] = {}

    @property
    def storage(self):
        return self.core.files.storage

    def collection(self, fields: list[dict[str, Any]], name: str | None = None, **options: Any) -> dict[str, Any]:
        body = {"name": name or unique("files_"), "fields": fields, **OPEN, **options}
        response = self.client.post("/api/collections", json=body, headers=self.su)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def send(self, method: str, path: str, parts: list[tuple], headers: dict | None = None):
        body, content_type = multipart(parts)
        return self.client.open(path, method=method, data=body, content_type=content_type,
                                headers=self.su if headers is None else headers)

    def create(self, collection: str, parts: list[tuple], headers: dict | None = None):
        return self.send("POST", f"/api/collections/{collection}/records", parts, headers)

    def update(self, collection: str, record_id: str, parts: list[tuple], headers: dict | None = None):
        return self.send("PATCH", f"/api/collections/{collection}/records/{record_id}", parts, headers)

    def created(self, collection: str, parts: list[tuple], headers: dict | None = None) -> dict[str, Any]:
        response = self.create(collection, parts, headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def get(self, path: str, headers: dict | None = None, **query: Any):
        return self.client.get(path, query_string=query, headers=headers or {})

    def file(self, record: dict[str, Any], name: str, headers: dict | None = None, **query: Any):
        return self.get(f"/api/files/{record['collectionName']}/{record['id']}/{name}", headers, **query)

    def keys(self, collection_id: str, record_id: str = "") -> list[str]:
        prefix = f"{collection_id}/{record_id}/" if record_id else f"{collection_id}/"
        return sorted(self.storage.list(prefix))

    def stored(self, record: dict[str, Any], name: str) -> bytes | None:
        key = f"{record['collectionId']}/{record['id']}/{name}"
        return self.storage.read_all(key) if self.storage.exists(key) else None

    def user(self, email: str, **extra: Any) -> dict[str, Any]:
        response = self.client.post(
            "/api/collections/users/records",
            json={"email": email, "password": PASSWORD, "passwordConfirm": PASSWORD, **extra}, headers=self.su,
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def login(self, email: str, collection: str = "users", password: str = PASSWORD) -> dict[str, str]:
        response = self.client.post(f"/api/collections/{collection}/auth-with-password",
                                    json={"identity": email, "password": password})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": response.get_json()["token"]}

    def assert_consistent(self) -> None:
        """Every file a record names is in storage, and storage holds nothing else (thumbs of named files aside)."""
        expected: set[str] = set()
        prefixes: set[str] = set()
        for collection in self.core.collections.all():
            file_fields = [field for field in collection.fields if field.type == "file"]
            if not file_fields or collection.is_view:
                continue
            prefixes.add(f"{collection.id}/")
            for record in _rows(self.core, collection):
                for field in file_fields:
                    for name in field.items(record.get(field.name)):
                        expected.add(f"{collection.id}/{record.id}/{name}")
        stored = set()
        for prefix in prefixes:
            stored.update(self.storage.list(prefix))
        originals = {key for key in stored if "/thumbs_" not in key}
        assert expected - originals == set(), "records name files that are not stored"
        assert originals - expected == set(), "stored files that no record names"
        for key in stored - originals:
            base, _, rest = key.partition("/thumbs_")
            assert f"{base}/{rest.split('/')[0]}" in expected, f"a thumb outlived its file: {key}"
        if self.kind == "local":
            leftovers = [path for path in self.core.config.storage_dir.rglob(".upload-*")]
            assert leftovers == [], "temporary upload files left behind"


def _rows(core, collection):
    from sqlalchemy import select

    table = collection.table(core.db.dialect)
    with core.db.read() as connection:
        rows = connection.execute(select(table)).all()
    return [core.records_repo.from_row(collection, row) for row in rows]
