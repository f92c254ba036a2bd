"""Run a JS SDK scenario (`tests/js/<name>.mjs`) and return the JSON it prints.

Convention: the scenario reads `PB_URL` and its own variables from the environment, prints its result as
one JSON line on stdout and exits 0; on failure it prints `{"error", "status", "response"}` and exits 1.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .ci import JS_DIR, require_node


def run_js(script: str, *, timeout: float = 60, **env) -> dict:
    node = require_node()
    path = JS_DIR / script
    if not path.is_file():
        raise FileNotFoundError(path)
    proc = subprocess.run(
        [node, str(path)],
        cwd=JS_DIR,
        env={**os.environ, **{key: str(value) for key, value in env.items()}},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        pytest.fail(f"{script} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}", pytrace=False)
    return json.loads(lines[-1])
