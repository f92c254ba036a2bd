"""Both storage backends honour the same contract: local disk and S3 (moto's server over real HTTP)."""

from __future__ import annotations

import io

import pytest

from baas.storage import StorageError, storage_from_settings
from baas.storage.local import LocalStorage
from baas.storage.paths import UnsafeKey, safe_path
from baas.storage.s3 import S3Storage


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    return S3Storage(request.getfixturevalue("s3_settings"))


def test_save_stat_and_read_back(storage):
    storage.save("c1/r1/a.txt", io.BytesIO(b"hello world"), "text/plain")
    info = storage.stat("c1/r1/a.txt")
    assert info.size == 11
    assert storage.read_all("c1/r1/a.txt") == b"hello world"
    assert storage.exists("c1/r1/a.txt") is True
    assert storage.stat("c1/r1/missing.txt") is None


def test_ranges_are_inclusive_and_stream(storage):
    payload = bytes(range(256)) * 4096  # 1 MiB, several chunks
    storage.save("c1/r1/big.bin", io.BytesIO(payload))
    assert b"".join(storage.read("c1/r1/big.bin", 10, 19)) == payload[10:20]
    assert b"".join(storage.read("c1/r1/big.bin", len(payload) - 5)) == payload[-5:]
    chunks = list(storage.read("c1/r1/big.bin"))
    assert len(chunks) > 1 and b"".join(chunks) == payload


def test_replace_delete_and_delete_prefix(storage):
    storage.save("c1/r1/a.txt", io.BytesIO(b"one"))
    storage.save("c1/r1/a.txt", io.BytesIO(b"two"))
    assert storage.read_all("c1/r1/a.txt") == b"two"
    storage.save("c1/r1/thumbs_a.png/100x100_a.png", io.BytesIO(b"t"))
    storage.save("c1/r2/b.txt", io.BytesIO(b"b"))
    storage.delete("c1/r1/a.txt")
    storage.delete("c1/r1/never-there.txt")  # not an error
    assert storage.stat("c1/r1/a.txt") is None
    storage.delete_prefix("c1/r1/")
    assert sorted(storage.list("c1/")) == ["c1/r2/b.txt"]


def test_check_probes_a_write(storage):
    storage.check()
    assert list(storage.list()) == []


@pytest.mark.parametrize("key", ["", "../x", "a/../../x", "/etc/passwd", "a\\b", "a/\x00b", "C:/x", "a//b", "./a"])
def test_unsafe_keys_are_refused(storage, key):
    with pytest.raises(UnsafeKey):
        storage.save(key, io.BytesIO(b"x"))


def test_safe_path_stays_inside_the_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (root / "link").symlink_to(tmp_path / "outside")
    assert safe_path(root, "a/b.txt") == (root / "a" / "b.txt").resolve()
    with pytest.raises(UnsafeKey):
        safe_path(root, "link/escape.txt")


def test_unreachable_s3_is_a_storage_error():
    storage = S3Storage({"bucket": "x", "region": "us-east-1", "endpoint": "http://127.0.0.1:9", "accessKey": "a",
                         "secret": "b", "forcePathStyle": True})
    with pytest.raises(StorageError):
        storage.check()


def test_factory_picks_the_backend(tmp_path, s3_settings):
    assert isinstance(storage_from_settings({"enabled": False}, tmp_path), LocalStorage)
    assert isinstance(storage_from_settings(s3_settings, tmp_path), S3Storage)
