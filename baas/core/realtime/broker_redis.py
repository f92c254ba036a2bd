"""`RedisBroker`: every process of every node, over Redis pub/sub (`BAAS_REDIS_URL`).

Two channels per deployment namespace (see `broker.namespace`): `baas:rt:<ns>:all` for broadcasts and
`baas:rt:<ns>:w:<key>` for one process (requests to the worker holding a client, and replies). Each
message is the sender's key followed by the frame, so a process skips its own broadcasts and knows
where to reply. `PUBLISH` answers how many subscribers got the message, which is how a broadcast
request knows how many replies to wait for.

A process subscribes (one dedicated connection, read by one background thread - a greenlet under
gevent, where redis-py's socket calls are cooperative) once it holds a client or sends a request.
Publishing uses the client's small connection pool with short timeouts; while Redis is unreachable,
events are dropped with a logged warning rather than delaying the writes that caused them, and the
subscriber reconnects with a growing pause.

Redis hands one subscriber its messages in the order it processed the PUBLISHes, whatever the channel.
`catch_up` relies on that: it publishes a mark to this process's own channel and waits until the
subscriber thread reaches it, by which time every message published before it was dispatched.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time

from .broker import KEY_LENGTH, Broker, Reply

log = logging.getLogger(__name__)

SOCKET_TIMEOUT = 5.0
CONNECT_TIMEOUT = 2.0
#: seconds `catch_up` waits for its mark to come back
CATCH_UP_TIMEOUT = 1.0
#: a frame that only this process sends to itself (other frames are JSON objects)
_MARK = b"\x00mark:"
#: seconds between warnings while Redis is unreachable
_WARN_EVERY = 30.0


class RedisBroker(Broker):
    name = "redis"

    def __init__(self, url: str, namespace: str, key: str | None = None):
        super().__init__(key)
        import redis  # imported here: only deployments with BAAS_REDIS_URL need it loaded

        self._redis_module = redis
        self.url = url
        self.prefix = f"baas:rt:{namespace}:"
        self.channel_all = self.prefix + "all"
        self.channel_self = self.direct(self.key)
        self._client = redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=CONNECT_TIMEOUT)
        self._lock = threading.Lock()
        self._listening = False
        self._ready = threading.Event()
        self._closed = False
        self._pubsub = None
        self._last_warning = 0.0
        self._reader: int | None = None  # the subscriber thread (greenlet)
        self._marks: dict[bytes, threading.Event] = {}
        self._mark_numbers = itertools.count(1)

    def describe(self) -> str:
        return f"redis pub/sub ({self.prefix}*)"

    def direct(self, key: str) -> str:
        return f"{self.prefix}w:{key}"

    # ---- receiving -------------------------------------------------------------------------------
    def listen(self) -> None:
        with self._lock:
            if self._listening or self._closed:
                return
            self._listening = True
        thread = threading.Thread(target=self._run, name=f"realtime-redis-{self.key}", daemon=True)
        thread.start()
        if not self._ready.wait(CONNECT_TIMEOUT + SOCKET_TIMEOUT):
            log.warning("realtime: Redis subscription not confirmed yet; events may be missed until it is")

    def prepare_for_replies(self) -> None:
        self.listen()

    def catch_up(self) -> None:
        if not self._listening or self._closed or threading.get_ident() == self._reader:
            return
        mark = _MARK + str(next(self._mark_numbers)).encode()
        reached = self._marks[mark] = threading.Event()
        try:
            if self._publish(self.channel_self, mark) and not reached.wait(CATCH_UP_TIMEOUT):
                self._warn("realtime: the Redis subscription is %.1fs behind; events may arrive out of order", CATCH_UP_TIMEOUT)
        finally:
            self._marks.pop(mark, None)

    def _run(self) -> None:
        self._reader = threading.get_ident()
        pause = 0.5
        while not self._closed:
            pubsub = self._client.pubsub()
            self._pubsub = pubsub
            try:
                pubsub.subscribe(self.channel_all, self.channel_self)
                confirmed = 0
                while not self._closed:
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    kind = message.get("type")
                    if kind == "subscribe":
                        confirmed += 1
                        if confirmed == 2:
                            self._ready.set()
                            pause = 0.5
                        continue
                    if kind == "message":
                        self._handle(message)
            except Exception as error:  # noqa: BLE001 - Redis went away: resubscribe after a pause
                if self._closed:
                    break
                self._warn("realtime: Redis subscription lost (%s); retrying in %.1fs", error, pause)
                time.sleep(pause)
                pause = min(pause * 2, 10.0)
            finally:
                try:
                    pubsub.close()
                except Exception:  # noqa: BLE001
                    pass

    def _handle(self, message: dict) -> None:
        data = message.get("data")
        if not isinstance(data, bytes) or len(data) < KEY_LENGTH:
            return
        sender, frame = data[:KEY_LENGTH].decode(errors="replace"), data[KEY_LENGTH:]
        channel = message.get("channel")
        if sender == self.key:
            if frame.startswith(_MARK):
                reached = self._marks.get(frame)
                if reached is not None:
                    reached.set()
                return
            if channel in (self.channel_all, self.channel_all.encode()):
                return  # our own broadcast
        reply: Reply = lambda answer: self._publish(self.direct(sender), answer)  # noqa: E731
        try:
            self.on_frame(frame, reply)
        except Exception:  # noqa: BLE001
            log.exception("realtime: handling a frame failed")

    # ---- sending ---------------------------------------------------------------------------------
    def broadcast(self, frame: bytes) -> int:
        reached = self._publish(self.channel_all, frame)
        if self._listening and reached > 0:
            reached -= 1  # our own subscription counts, but we skip what we sent
        return reached

    cheap_peer_count = False

    def peer_count(self) -> int:
        """Subscribers of the broadcast channel other than this process (one round trip to Redis)."""
        try:
            (_channel, count), = self._client.pubsub_numsub(self.channel_all)
        except (self._redis_module.RedisError, ValueError) as error:
            self._warn("realtime: asking Redis for listeners failed (%s)", error)
            return 0
        return max(0, int(count) - (1 if self._listening else 0))

    def send(self, key: str, frame: bytes) -> bool:
        if key == self.key:
            return False
        return self._publish(self.direct(key), frame) > 0

    def _publish(self, channel: str, frame: bytes) -> int:
        try:
            return int(self._client.publish(channel, self.key.encode() + frame))
        except self._redis_module.RedisError as error:
            self._warn("realtime: publishing to Redis failed (%s); the event is lost for other processes", error)
            return 0

    def _warn(self, message: str, *args) -> None:
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY:
            self._last_warning = now
            log.warning(message, *args)

    def close(self) -> None:
        self._closed = True
        pubsub = self._pubsub
        if pubsub is not None:
            try:
                pubsub.close()
            except Exception:  # noqa: BLE001
                pass
        try:
            self._client.close()
        except Exception:  # noqa: BLE001
            pass
