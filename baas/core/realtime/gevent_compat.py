"""Make the database and Redis drivers cooperate with gevent even when loaded before the patching.

A gunicorn gevent worker monkey-patches the standard library when it starts, after forking from the
arbiter. `baas serve` migrates the database and checks the plugins in the arbiter first, so psycopg is
already imported there, and psycopg chooses how to wait for the server once, at import: its C wait
function when `select` is not patched. That function blocks the whole worker (every SSE stream and every
request in it) for the length of each query. After the patching it is swapped for psycopg's poll-based
wait, which the patched `select.poll` makes cooperative, and psycopg's captured `DefaultSelector`
(used while connecting) for the patched one. redis-py's retry back-off sleeps through a `sleep` it
imported by name; it gets the patched `time.sleep`.

Call `cooperate_with_gevent()` in the worker after gevent patched it (`RealtimeService` does when it is
built); it does nothing without gevent's patching or when the drivers were imported after it.
"""

from __future__ import annotations

import logging
import selectors
import sys
import time

log = logging.getLogger(__name__)


def gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    try:
        return bool(monkey is not None and monkey.is_module_patched("select") and monkey.is_module_patched("socket"))
    except Exception:  # noqa: BLE001
        return False


def cooperate_with_gevent() -> bool:
    """Point psycopg and redis-py at gevent's cooperative primitives; True when anything changed."""
    if not gevent_patched():
        return False
    changed = False
    waiting = sys.modules.get("psycopg.waiting")
    if waiting is not None:
        cooperative = getattr(waiting, "wait_poll", None) or getattr(waiting, "wait_select", None)
        if cooperative is not None and getattr(waiting, "wait", None) is getattr(waiting, "wait_c", object()):
            waiting.wait = cooperative
            changed = True
        if getattr(waiting, "DefaultSelector", None) is not selectors.DefaultSelector:
            waiting.DefaultSelector = selectors.DefaultSelector
            changed = True
    retry = sys.modules.get("redis.retry")
    if retry is not None and getattr(retry, "sleep", None) is not time.sleep:
        retry.sleep = time.sleep
        changed = True
    if changed:
        log.debug("realtime: psycopg/redis switched to gevent-cooperative waits")
    return changed
