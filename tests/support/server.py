"""`baas serve` as a real subprocess (gunicorn, gevent workers) for tests where real HTTP matters.

The server runs in its own process group with its output in a log file (a pipe nobody reads would
block it). `cli()` runs other `baas` commands with the same environment, so they see the same data dir
and database.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .js import run_js

START_TIMEOUT = 30
STOP_TIMEOUT = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def baas_executable() -> str:
    """The `baas` console script of the interpreter running the tests."""
    candidate = Path(sys.executable).with_name("baas")
    found = str(candidate) if candidate.exists() else shutil.which("baas")
    if found is None:
        raise RuntimeError("the `baas` console script is not installed: run `pip install -e .` (or `make test`)")
    return found


class LiveServer:
    def __init__(self, data_dir: Path, env: dict[str, str], args: tuple[str, ...] = ()):
        self.data_dir = data_dir
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"{data_dir.name}.log"
        self.command = [baas_executable(), "serve", "--http", f"127.0.0.1:{self.port}", "--dir", str(data_dir), *args]
        self.process: subprocess.Popen | None = None

    def start(self) -> LiveServer:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"`baas serve` exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"`baas serve` did not answer /api/health within {timeout}s:\n{self.output()}")

    def output(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def cli(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run `baas <args>` against this server's data dir and database."""
        proc = subprocess.run(
            [baas_executable(), *args], env=self.env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"baas {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc

    def run_js(self, script: str, **env) -> dict:
        return run_js(script, PB_URL=self.url, **env)

    def stop(self) -> int | None:
        """SIGTERM (gunicorn's graceful stop); SIGKILL the process group if it hangs. Returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        try:  # our own process group: catches workers or a reloader child left behind
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self.process.wait()
