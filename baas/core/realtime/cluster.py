"""Messages and requests between processes, over whichever broker is configured.

Three ways to talk to the other processes:

* `publish(message)` - fire and forget to every other process (record events, auth changes);
* `request(key, message)` - ask one process and wait for its answer (a subscription request for a
  client it holds, a message for one of its clients);
* `gather(message)` - ask every other process and wait until all that were reached answered (the
  pre-commit evaluation of delete events).

Messages are JSON objects with a type in `"t"`; requests carry a request id in `"rid"` and are answered
with `{"t": "reply", "rid": ...}`. Waiting is bounded: a process that does not answer in time is
treated as having nothing to say.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from typing import Any, Callable

from . import wire
from .broker import Broker, Reply

log = logging.getLogger(__name__)

REPLY = "reply"
Handler = Callable[[dict[str, Any]], "dict[str, Any] | None"]


class _Waiter:
    def __init__(self) -> None:
        self.replies: list[dict[str, Any]] = []
        self.expected: int | None = None
        self._done = threading.Event()

    def add(self, reply: dict[str, Any]) -> None:
        self.replies.append(reply)
        self._check()

    def expect(self, count: int) -> None:
        self.expected = count
        self._check()

    def _check(self) -> None:
        if self.expected is not None and len(self.replies) >= self.expected:
            self._done.set()

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)


class Cluster:
    def __init__(self, broker: Broker, handler: Handler):
        self.broker = broker
        self.handler = handler
        self._waiters: dict[str, _Waiter] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        broker.on_frame = self._on_frame

    @property
    def key(self) -> str:
        return self.broker.key

    # ---- outgoing --------------------------------------------------------------------------------
    def publish(self, message: dict[str, Any]) -> int:
        return self.broker.broadcast(wire.dumps(message))

    def request(self, key: str, message: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """`key`'s answer to `message`, or None when it is unreachable or did not answer in time."""
        self.broker.prepare_for_replies()
        rid, waiter = self._register()
        try:
            if not self.broker.send(key, wire.dumps({**message, "rid": rid, "w": self.key})):
                return None
            waiter.expect(1)
            waiter.wait(timeout)
            return waiter.replies[0] if waiter.replies else None
        finally:
            self._unregister(rid)

    def gather(self, message: dict[str, Any], timeout: float) -> list[dict[str, Any]]:
        """The answers of every other process to `message` (those that answered within `timeout`)."""
        self.broker.prepare_for_replies()
        rid, waiter = self._register()
        try:
            reached = self.broker.broadcast(wire.dumps({**message, "rid": rid, "w": self.key}))
            waiter.expect(reached)
            if reached and not waiter.wait(timeout):
                log.warning(
                    "realtime: %d of %d processes did not answer a %r request within %.1fs",
                    reached - len(waiter.replies), reached, message.get("t"), timeout,
                )
            return list(waiter.replies)
        finally:
            self._unregister(rid)

    def _register(self) -> tuple[str, _Waiter]:
        rid = f"{self.key}-{next(self._ids)}-{time.monotonic_ns()}"
        waiter = _Waiter()
        with self._lock:
            self._waiters[rid] = waiter
        return rid, waiter

    def _unregister(self, rid: str) -> None:
        with self._lock:
            self._waiters.pop(rid, None)

    # ---- incoming --------------------------------------------------------------------------------
    def _on_frame(self, frame: bytes, reply: Reply | None) -> None:
        try:
            message = wire.loads(frame)
        except ValueError:
            log.warning("realtime: ignored a malformed frame")
            return
        if message.get("t") == REPLY:
            with self._lock:
                waiter = self._waiters.get(str(message.get("rid", "")))
            if waiter is not None:
                waiter.add(message)
            return
        answer = self.handler(message)
        rid = message.get("rid")
        if rid and reply is not None:
            reply(wire.dumps({**(answer or {}), "t": REPLY, "rid": rid}))
