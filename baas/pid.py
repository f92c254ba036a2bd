"""This process's id, kept up to date across forks instead of asked of the kernel on every use.

Per-process state (random-byte buffers, kept connections, lock files, background writers) is checked
against the pid on the hot path of every request, and `os.getpid()` is a system call each time: several
per write added up to a measurable share of a create on a virtual machine.
"""

from __future__ import annotations

import os

_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def current() -> int:
    """`os.getpid()`, as of the last fork (the only way a Python process's id changes)."""
    return _pid
