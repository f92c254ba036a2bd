"""The broker: how realtime frames reach the other processes of a deployment.

Realtime clients live in the memory of the process whose worker accepted their SSE connection, while a
record can be written through any worker, any node, the CLI or a cron job. Every process therefore
publishes what it commits to all the others, and each process delivers to its own clients. The broker
is the transport for that; it moves opaque frames and knows nothing of records or rules.

Contract (`Broker`):

* `key` names this process (8 characters); realtime client ids start with it, so a subscription request
  that reaches another worker can be forwarded to the one holding the client.
* `broadcast(frame)` hands a frame to every other process that listens and returns how many it reached;
  `send(key, frame)` hands it to one process and says whether it could.
* `listen()` starts receiving (idempotent). A process listens once it holds a client or expects replies;
  until then it only publishes, which is all the CLI ever does.
* received frames go to `on_frame(frame, reply)`; `reply(frame)` answers the sender (None for frames
  that are themselves replies). Frames from one sender arrive in the order they were sent.
* `catch_up()` returns once every frame that had reached this process went through `on_frame`. A
  process delivers its own events to its clients directly, and calls it first: an event that another
  process committed (and published) before this one's commit is then delivered first here too, so each
  client sees the events of all processes in commit order.
* delivery is best effort: a process that is gone or stuck loses frames, it never blocks the others
  for long (every send has a short timeout).

Backends, picked by `create_broker` only:

* `MemoryBroker` - one process, nothing leaves it (`realtime_broker = "memory"` in `Config.extra`);
* `UnixSocketBroker` - the default without Redis: every process of one machine that shares the data
  directory, over Unix domain sockets in `<data dir>/run/` (`broker_unix.py`);
* `RedisBroker` - when `BAAS_REDIS_URL` is set: every process of every node, over Redis pub/sub.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ...config import Config

KEY_LENGTH = 8
_ALPHABET = string.ascii_letters + string.digits

Reply = Callable[[bytes], None]
FrameHandler = Callable[[bytes, "Reply | None"], None]


def new_key(length: int = KEY_LENGTH) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _ignore(frame: bytes, reply: Reply | None) -> None:
    """The handler until the realtime service installs its own."""


class Broker(ABC):
    """Moves frames between the processes of one deployment; see the module docstring."""

    #: which backend this is (shown by `describe()` and in the logs)
    name = "broker"

    def __init__(self, key: str | None = None):
        self.key = key or new_key()
        self.on_frame: FrameHandler = _ignore

    @abstractmethod
    def listen(self) -> None:
        """Start receiving frames addressed to this process (idempotent)."""

    @abstractmethod
    def broadcast(self, frame: bytes) -> int:
        """Hand `frame` to every other listening process; how many it reached."""

    @abstractmethod
    def send(self, key: str, frame: bytes) -> bool:
        """Hand `frame` to the process named `key`; False when it is unknown, gone or unreachable."""

    def catch_up(self) -> None:
        """Dispatch what has already reached this process (see the module docstring); bounded in time."""

    #: whether `peer_count()` is cheap enough to call before every publish (no network round trip)
    cheap_peer_count = True

    def peer_count(self) -> int:
        """How many other processes listen right now (an upper bound is fine)."""
        return 0

    def prepare_for_replies(self) -> None:
        """Make sure replies to this process's requests can reach it (Redis must subscribe first)."""

    def close(self) -> None:
        """Stop listening and release sockets and threads."""

    def describe(self) -> str:
        return self.name


def create_broker(config: "Config") -> Broker:
    """The broker `config` asks for: Redis when `redis_url` is set, else Unix sockets in the data dir;
    `Config.extra["realtime_broker"]` ("memory", "unix" or "redis") overrides the choice."""
    choice = str(config.extra.get("realtime_broker") or ("redis" if config.redis_url else "unix"))
    if choice == "memory":
        from .broker_memory import MemoryBroker

        return MemoryBroker()
    if choice == "redis":
        if not config.redis_url:
            raise ValueError("realtime_broker = 'redis' needs BAAS_REDIS_URL")
        from .broker_redis import RedisBroker

        return RedisBroker(config.redis_url, namespace(config))
    if choice == "unix":
        from .broker_unix import UnixSocketBroker

        return UnixSocketBroker(config.data_dir / "run")
    raise ValueError(f"unknown realtime_broker {choice!r} (memory, unix or redis)")


def namespace(config: "Config") -> str:
    """What groups the processes that must hear each other on a shared Redis: those of one database.

    By default a hash of the database URL without its password (a rotated password keeps the nodes
    together), so two deployments (or two test runs) sharing a Redis server never see each other's
    events. Nodes that reach one database under different host names must be given the same
    `Config.extra["realtime_namespace"]`."""
    explicit = config.extra.get("realtime_namespace")
    if explicit:
        return str(explicit)
    try:
        from sqlalchemy.engine import make_url

        url = make_url(config.database_url)
        identity = f"{url.get_backend_name()}://{url.username or ''}@{url.host or ''}:{url.port or ''}/{url.database or ''}"
    except Exception:  # noqa: BLE001 - an unusual URL: hash it as it is
        identity = config.database_url
    return hashlib.sha256(identity.encode()).hexdigest()[:16]
