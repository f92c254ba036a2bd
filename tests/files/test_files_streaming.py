"""Uploads and downloads stream: an 80 MB file goes up and down through a real `baas serve` worker while
its resident memory grows by less than 50 MB, on local disk and on S3 (moto over HTTP). The 200 MB
measurement for the README is bench/files_memory.py, whose client and sampler this test borrows."""

from __future__ import annotations

import importlib.util
import json
import urllib.request
from pathlib import Path

import pytest

SIZE = 80 * 1024 * 1024
LIMIT_KB = 50 * 1024
EMAIL, PASSWORD = "stream@example.com", "Stream-Passw0rd!23"


def _bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "files_memory.py"
    spec = importlib.util.spec_from_file_location("baas_bench_files_memory", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


def _call(method: str, url: str, body=None, token: str = ""):
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", token)
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_a_large_file_streams_through_the_worker(request, live_server, storage):
    live_server.cli("superuser", "upsert", EMAIL, PASSWORD)
    base = live_server.url
    token = _call("POST", f"{base}/api/collections/_superusers/auth-with-password", {"identity": EMAIL, "password": PASSWORD})["token"]
    if storage == "s3":
        _call("PATCH", f"{base}/api/settings", {"s3": request.getfixturevalue("s3_settings")}, token)
    _call("POST", f"{base}/api/collections", {
        "name": "big_files", "viewRule": "",
        "fields": [{"name": "title", "type": "text"}, {"name": "file", "type": "file", "maxSize": SIZE + 1024 * 1024}],
    }, token)
    worker = bench.worker_pid(live_server.process.pid)
    records = "/api/collections/big_files/records"
    warm, _, _ = bench.upload("127.0.0.1", live_server.port, records, token, 1024 * 1024)
    bench.download("127.0.0.1", live_server.port, f"/api/files/big_files/{warm['id']}/{warm['file']}")
    baseline = bench.status_kb(worker, "VmRSS")

    with bench.Sampler(worker) as up:
        record, sent, _ = bench.upload("127.0.0.1", live_server.port, records, token, SIZE)
    with bench.Sampler(worker) as down:
        size, received, _ = bench.download("127.0.0.1", live_server.port, f"/api/files/big_files/{record['id']}/{record['file']}")

    assert (size, received) == (SIZE, sent)
    assert max(up.peak, up.hwm) - baseline < LIMIT_KB, f"the upload grew the worker by {(max(up.peak, up.hwm) - baseline) // 1024} MB"
    assert max(down.peak, down.hwm) - baseline < LIMIT_KB, f"the download grew the worker by {(max(down.peak, down.hwm) - baseline) // 1024} MB"
