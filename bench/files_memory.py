"""Memory of a file upload and download: a 200 MB file through one `baas serve` worker.

    .venv/bin/python bench/files_memory.py [--size-mb 200] [--storage local|s3] [--database-url URL]

Starts `baas serve --workers 1` on a free loopback port with a fresh data dir (SQLite unless
`--database-url`; with `--storage s3`, moto's S3 server on another loopback port and the `s3` settings
pointing at it), creates a collection whose file field allows the file (maxSize = size + 1 MB, so the
per-collection body limit allows it too), then

1. uploads the file as multipart/form-data from a streaming client (the body is generated on the fly,
   never held whole: http.client sends an iterator with a Content-Length),
2. downloads it with a streaming client (read in 1 MB pieces, checked against the upload's SHA-256),

while a thread samples the worker's resident set size (VmRSS in /proc/<pid>/status) every 5 ms. The
kernel's high-water mark (VmHWM, reset per phase through /proc/<pid>/clear_refs) catches peaks between
samples. A small upload and download first warm the worker up (imports, connection pools), so the
baseline is the idle worker after that. Prints a Markdown table; exits 1 when a phase grew the worker by
`--limit-mb` (default 50) or more.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

BIN = Path(sys.executable).parent
EMAIL, PASSWORD = "bench-files@example.com", "benchpassword1"
MB = 1024 * 1024
BLOCK = hashlib.sha256(b"baas").digest() * (MB // 32)  # 1 MiB, not compressible by accident of zeros
BOUNDARY = "baasBenchBoundary0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api(method: str, url: str, body=None, token: str = ""):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", token)
    with urllib.request.urlopen(req, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout}s")


def worker_pid(master: int, timeout: float = 30) -> int:
    """The one gunicorn worker: the child of the master process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
        if len(children) == 1:
            return children[0]
        time.sleep(0.1)
    raise SystemExit("could not find the gunicorn worker")


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class Sampler:
    """The worker's VmRSS every `interval` seconds, from start() to stop(); the peak and the kernel's VmHWM."""

    def __init__(self, pid: int, interval: float = 0.005):
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, status_kb(self.pid, "VmRSS"))
            self.samples += 1
            time.sleep(self.interval)

    def __enter__(self) -> "Sampler":
        try:  # reset the high-water mark to the current RSS (needs the same user as the server)
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            pass
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.hwm = status_kb(self.pid, "VmHWM")


def upload(host: str, port: int, path: str, token: str, size: int) -> tuple[dict, str, float]:
    """POST a `size`-byte file as multipart/form-data, streamed; returns (record, sha256, seconds)."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nbig\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    digest = hashlib.sha256()

    def body():
        yield head
        left = size
        while left:
            piece = BLOCK[: min(left, len(BLOCK))]
            digest.update(piece)
            left -= len(piece)
            yield piece
        yield tail

    connection = http.client.HTTPConnection(host, port, timeout=600)
    started = time.monotonic()
    connection.request("POST", path, body=body(), headers={
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(len(head) + size + len(tail)),
        "Authorization": token,
    })
    response = connection.getresponse()
    raw = response.read()
    elapsed = time.monotonic() - started
    connection.close()
    if response.status != 200:
        raise SystemExit(f"upload failed: {response.status} {raw[:500]!r}")
    return json.loads(raw), digest.hexdigest(), elapsed


def download(host: str, port: int, path: str) -> tuple[int, str, float]:
    """GET `path`, read in 1 MB pieces; returns (bytes, sha256, seconds)."""
    connection = http.client.HTTPConnection(host, port, timeout=600)
    started = time.monotonic()
    connection.request("GET", path)
    response = connection.getresponse()
    if response.status != 200:
        raise SystemExit(f"download failed: {response.status} {response.read()[:500]!r}")
    digest, total = hashlib.sha256(), 0
    while piece := response.read(MB):
        digest.update(piece)
        total += len(piece)
    elapsed = time.monotonic() - started
    connection.close()
    return total, digest.hexdigest(), elapsed


def start_moto(port: int) -> subprocess.Popen:
    process = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_healthy(f"http://127.0.0.1:{port}/moto-api/", process)
    return process


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--storage", choices=("local", "s3"), default="local")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--limit-mb", type=float, default=50)
    args = parser.parse_args()
    size = args.size_mb * MB

    data_dir = Path(tempfile.mkdtemp(prefix="baas-files-bench-"))
    port = free_port()
    env = {**os.environ, "BAAS_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    if args.database_url:
        env["BAAS_DATABASE_URL"] = args.database_url
    moto = None
    log_path = data_dir / "bench-server.log"
    log = open(log_path, "wb")
    server = subprocess.Popen([str(BIN / "baas"), "serve", "--http", f"127.0.0.1:{port}", "--dir", str(data_dir), "--workers", "1"],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(f"{base}/api/health", server)
        subprocess.run([str(BIN / "baas"), "superuser", "upsert", EMAIL, PASSWORD, "--dir", str(data_dir)],
                       env=env, check=True, capture_output=True)
        token = api("POST", f"{base}/api/collections/_superusers/auth-with-password", {"identity": EMAIL, "password": PASSWORD})["token"]
        if args.storage == "s3":
            moto_port = free_port()
            moto = start_moto(moto_port)
            import boto3

            endpoint = f"http://127.0.0.1:{moto_port}"
            bucket = f"bench-{uuid.uuid4().hex[:8]}"
            boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                         aws_secret_access_key="bench").create_bucket(Bucket=bucket)
            api("PATCH", f"{base}/api/settings", {"s3": {"enabled": True, "bucket": bucket, "region": "us-east-1", "endpoint": endpoint,
                                                        "accessKey": "bench", "secret": "bench", "forcePathStyle": True}}, token)
        api("POST", f"{base}/api/collections", {
            "name": "bench_files", "viewRule": "",
            "fields": [{"name": "title", "type": "text"}, {"name": "file", "type": "file", "maxSize": size + MB}],
        }, token)
        worker = worker_pid(server.pid)
        records = "/api/collections/bench_files/records"

        # warm-up: the first upload and download load what they need (multipart parser, boto3, ...)
        record, _, _ = upload("127.0.0.1", port, records, token, 2 * MB)
        download("127.0.0.1", port, f"/api/files/bench_files/{record['id']}/{record['file']}")
        time.sleep(0.5)
        baseline = status_kb(worker, "VmRSS")

        with Sampler(worker) as up:
            record, sent_hash, up_seconds = upload("127.0.0.1", port, records, token, size)
        time.sleep(0.5)
        after_upload = status_kb(worker, "VmRSS")
        with Sampler(worker) as down:
            received, received_hash, down_seconds = download("127.0.0.1", port, f"/api/files/bench_files/{record['id']}/{record['file']}")
        if received != size or received_hash != sent_hash:
            raise SystemExit(f"the download differs from the upload: {received} bytes, {received_hash} != {sent_hash}")

        def grown(sampler) -> float:
            return (max(sampler.peak, sampler.hwm) - baseline) / 1024

        rows = [
            ("upload", up, up_seconds, grown(up)),
            ("download", down, down_seconds, grown(down)),
        ]
        db = "PostgreSQL" if args.database_url else "SQLite"
        print(f"\n{args.size_mb} MB file, `baas serve --workers 1`, {args.storage} storage, {db}; "
              f"worker RSS at rest after warm-up: {baseline / 1024:.1f} MB\n")
        print("| phase | time | throughput | peak RSS (sampled) | VmHWM | growth over rest | samples |")
        print("|---|---|---|---|---|---|---|")
        for name, sampler, seconds, growth in rows:
            print(f"| {name} | {seconds:.1f} s | {args.size_mb / seconds:.0f} MB/s | {sampler.peak / 1024:.1f} MB "
                  f"| {sampler.hwm / 1024:.1f} MB | {growth:+.1f} MB | {sampler.samples} |")
        print(f"\nRSS after the upload, at rest: {after_upload / 1024:.1f} MB")
        worst = max(growth for *_, growth in rows)
        if worst >= args.limit_mb:
            print(f"FAIL: the worker grew by {worst:.1f} MB (limit {args.limit_mb} MB)")
            return 1
        print(f"OK: the worker grew by at most {worst:.1f} MB (limit {args.limit_mb} MB)")
        return 0
    except BaseException:
        log.flush()
        print("server log (last lines):\n" + "\n".join(log_path.read_text(errors="replace").splitlines()[-30:]), file=sys.stderr)
        raise
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        if moto is not None:
            os.killpg(moto.pid, signal.SIGTERM)
            moto.wait(timeout=10)
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
