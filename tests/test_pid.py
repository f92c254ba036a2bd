"""`baas.pid`: the cached process id follows forks (per-process state is keyed on it)."""

from __future__ import annotations

import os

from baas import pid


def test_the_cached_pid_is_the_process_id_in_a_forked_child_too():
    assert pid.current() == os.getpid()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe and exits at once
        os.write(write, f"{pid.current()} {os.getpid()}".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        cached, real = answer.read().split()
    os.waitpid(child, 0)
    assert cached == real and int(real) == child and child != os.getpid()
