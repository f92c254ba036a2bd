"""`Client`: one realtime (SSE) connection held by this process, and `Message`, what it is sent.

A client owns a queue of messages and a wake-up event its stream waits on; publishers append and wake
it, the stream drains the queue. Both primitives come from `threading`, which gevent's monkey-patching
turns into cooperative greenlet primitives in a server worker, so a waiting stream holds neither a thread
nor a database connection. The queue is bounded: a client that stops reading is dropped (its SDK
reconnects) rather than let its messages pile up.

The auth a client is bound to (by its subscription requests) is checked every time it is used: an
expired token, a rotated `tokenKey` (password change, "log out everywhere") or a deleted record turn the
client back into a guest, as PocketBase does for the last two.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Callable

from .topics import Subscription

if TYPE_CHECKING:
    from ..records.record import Record

#: messages a client may have waiting before it is considered gone
MAX_PENDING = 5000


class Message:
    """One SSE message: `name` is the `event:` line (a topic or `PB_CONNECT`), `data` the `data:` payload.

    One message object is shared by every client that gets the same event under the same topic; only
    the `id:` line differs per client, so the rest of the frame is built once."""

    __slots__ = ("name", "data", "_tail")

    def __init__(self, name: str, data: bytes):
        self.name = name
        self.data = data
        self._tail: bytes | None = None

    def __setattr__(self, key: str, value: Any) -> None:
        if key in ("name", "data"):
            object.__setattr__(self, "_tail", None)  # a hook changed it: rebuild the frame
        object.__setattr__(self, key, value)

    def __repr__(self) -> str:
        return f"Message({self.name!r}, {self.data!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.name, self.data) == (other.name, other.data)

    def encode(self, client_id: str) -> bytes:
        """The SSE frame: `id:<clientId>`, `event:<name>`, one `data:` line per payload line, a blank line."""
        tail = self._tail
        if tail is None:
            name = self.name.replace("\r", "").replace("\n", "")
            lines = self.data.replace(b"\r\n", b"\n").split(b"\n")
            data = b"".join(b"data:" + line + b"\n" for line in lines)
            tail = b"\nevent:" + name.encode() + b"\n" + data + b"\n"
            object.__setattr__(self, "_tail", tail)
        return b"id:" + client_id.encode() + tail


class Client:
    """A connected realtime client of this process."""

    def __init__(self, client_id: str, ip: str = ""):
        self.id = client_id
        self.ip = ip
        self.connected_at = time.monotonic()
        self.subscriptions: dict[str, Subscription] = {}
        #: anything plugins want to keep with the client (PocketBase's `client.Set/Get`)
        self.store: dict[str, Any] = {}
        self._auth: "Record | None" = None
        self._auth_expires: float | None = None
        #: called after the bound auth changed identity (the service regroups the client)
        self.on_auth_change: Callable[["Client"], None] | None = None
        #: where the service indexed this client's subscriptions: (topic base, audience key) pairs
        self.index_keys: list[tuple[str, tuple]] = []
        self._queue: deque[Message] = deque()
        self._wake = threading.Event()
        self.closed = False
        #: set by the stream when its socket reported readable (EOF or unexpected input)
        self.peer_readable = False
        #: monotonic times after which the stream ends: no message sent for a while / open too long
        self.idle_deadline = float("inf")
        self.hard_deadline = float("inf")

    def __repr__(self) -> str:
        return f"<realtime.Client {self.id}>"

    # ---- auth ------------------------------------------------------------------------------------
    @property
    def auth(self) -> "Record | None":
        """The bound auth record, or None (a guest) once its token has expired."""
        if self._auth is not None and self._auth_expires is not None and self._auth_expires <= time.time():
            self.unset_auth()
        return self._auth

    def set_auth(self, record: "Record | None", expires: float | None = None) -> None:
        before = self.identity
        self._auth, self._auth_expires = record, (expires if record is not None else None)
        self._changed(before)

    def replace_auth_record(self, record: "Record") -> None:
        """The bound record changed (same id); the token's expiry stays."""
        self._auth = record

    def unset_auth(self) -> None:
        before = self.identity
        self._auth, self._auth_expires = None, None
        self._changed(before)

    @property
    def identity(self) -> tuple[str, str] | None:
        """(collection id, record id) of the bound auth as last set, expiry not checked."""
        auth = self._auth
        return (auth.collection.id, auth.id) if auth is not None else None

    def auth_identity(self) -> tuple[str, str] | None:
        auth = self.auth
        return (auth.collection.id, auth.id) if auth is not None else None

    def _changed(self, before: tuple[str, str] | None) -> None:
        if before != self.identity and self.on_auth_change is not None:
            self.on_auth_change(self)

    # ---- messages --------------------------------------------------------------------------------
    def send(self, message: Message) -> bool:
        """Queue `message`; False (and the client closed) when it already has too much waiting."""
        if self.closed:
            return False
        if len(self._queue) >= MAX_PENDING:
            self.close()
            return False
        self._queue.append(message)
        if not self._wake.is_set():  # already set: the stream has not woken up yet, it will drain this too
            self._wake.set()
        return True

    def pending(self) -> int:
        return len(self._queue)

    def take(self) -> Message | None:
        try:
            return self._queue.popleft()
        except IndexError:
            return None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a message arrives, the client closes or `timeout` passes; False on timeout.

        Clears the wake-up first, so a message queued between a drain and this call is not missed
        (the caller drains again after every wake-up). Streams wait without a timeout (a timer per wait
        is a measurable cost with thousands of clients): the service's reaper closes clients whose
        deadlines passed."""
        if self._queue or self.closed:
            return True
        self._wake.clear()
        if self._queue or self.closed:
            return True
        return self._wake.wait(timeout)

    def wake(self) -> None:
        self._wake.set()

    def expired(self, now: float) -> bool:
        return now >= self.idle_deadline or now >= self.hard_deadline

    def close(self) -> None:
        """End the client's stream at its next wake-up (idempotent)."""
        self.closed = True
        self._wake.set()
