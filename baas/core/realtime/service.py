"""`RealtimeService`: the realtime clients of this process and the events they receive, from anywhere.

Per process it holds the connected clients (see `client.Client`) and an index of their topics. Every
record write of every door (REST, batch, console, CLI, plugins) reaches it through the records
service's after-commit hooks (`plugin.RealtimeHooks`); it delivers to its own clients and publishes the
event to the other processes through the broker, which deliver to theirs. Rules are always evaluated
where the subscriber lives, with its own auth (`delivery.build_messages`).

Timing follows PocketBase:

* create / update: evaluated and sent after the commit; a rolled-back write sends nothing.
* delete: evaluated before the commit, while the row still exists, by every process that may hold a
  subscriber (`prepare_delete`, which asks the others and waits for them, bounded by
  `prepare_timeout`), outside the deleting transaction so cascades already deleted inside it are still
  visible; the prepared messages are sent once the delete committed and dropped if it rolled back.

Subscription requests may reach any worker or node: a client id starts with the broker key of the
process holding the client, and a request for another process is forwarded there (`subscribe`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable

import orjson

from ... import errors
from ...hooks.events import RealtimeConnectEvent, RealtimeSubscribeEvent
from ...ids import ALNUM, random_string
from .. import tokens
from ..context import RequestContext
from . import wire
from .broker import KEY_LENGTH, create_broker
from .client import Client, Message
from .cluster import Cluster
from .delivery import Audience, build_messages
from .registry import Registry
from .gevent_compat import cooperate_with_gevent

if TYPE_CHECKING:
    from ..app import App
    from ..records.record import Record

log = logging.getLogger(__name__)

CLIENT_ID_LENGTH = 40
MISSING_CLIENT = "Missing or invalid client id."
INVALID_CLIENT = "Invalid realtime client."
AUTH_MISMATCH = "The current and the previous request authorization don't match."
#: seconds a prepared delete waits for its commit before it is forgotten
PREPARED_TTL = 120.0
#: seconds between two checks of the clients' idle and maximum deadlines (shorter timeouts check faster)
REAP_EVERY = 1.0


class RealtimeService:
    def __init__(self, app: "App"):
        self.app = app
        #: seconds to wait for the process holding a client to answer a forwarded request
        self.request_timeout = 5.0
        #: seconds a delete waits for the other processes to evaluate it before committing
        self.prepare_timeout = 2.0
        self._cluster: Cluster | None = None
        self._lock = threading.RLock()
        self.registry = Registry()
        self._prepared: dict[str, tuple[float, list[tuple[Client, Message]]]] = {}
        self._pending: dict[tuple[str, str, int], tuple[str, bool]] = {}
        self._closed = False
        self._reaper: threading.Thread | None = None
        self._reap_every = REAP_EVERY
        cooperate_with_gevent()

    # ---- the transport (built on first use: an App that never publishes opens nothing) ------------
    @property
    def cluster(self) -> Cluster:
        if self._cluster is None:
            with self._lock:
                if self._cluster is None:
                    self._cluster = Cluster(create_broker(self.app.config), self._handle)
                    log.debug("realtime: broker %s, key %s", self._cluster.broker.describe(), self._cluster.key)
        return self._cluster

    @property
    def broker(self):
        return self.cluster.broker

    def close(self) -> None:
        with self._lock:
            self._closed = True
            clients = self.registry.clients()
            cluster, self._cluster = self._cluster, None
        for client in clients:
            client.close()
        if cluster is not None:
            cluster.broker.close()

    # ---- clients -------------------------------------------------------------------------------------
    def connect(self, ctx: RequestContext, ip: str = "") -> RealtimeConnectEvent:
        """A new client for `GET /api/realtime`, through `baas_realtime_connect_request` (whose default
        registers it). The caller streams `event.client` with `event.idle_timeout` / `max_timeout`."""
        client = Client(self.cluster.key + random_string(CLIENT_ID_LENGTH - KEY_LENGTH, ALNUM), ip)
        event = RealtimeConnectEvent(self.app, client, ctx, ip)
        self.app.hooks.hook.baas_realtime_connect_request(event=event)
        return event

    def register(self, client: Client) -> None:
        try:
            self.broker.listen()
        except OSError:
            log.exception("realtime: cannot receive events from other processes; serving this one only")
        self.registry.add(client)

    def unregister(self, client: Client) -> None:
        self.registry.remove(client)
        client.close()

    def watch_deadlines(self, shortest_timeout: float) -> None:
        """Make sure a reaper closes clients past their deadlines, checking at least every
        `shortest_timeout / 4` seconds (one thread for the process, a greenlet under gevent)."""
        self._reap_every = max(0.02, min(self._reap_every, shortest_timeout / 4))
        if self._reaper is not None or self._closed:
            return
        with self._lock:
            if self._reaper is None:
                self._reaper = threading.Thread(target=self._reap, name="realtime-reaper", daemon=True)
                self._reaper.start()

    def _reap(self) -> None:
        while not self._closed:
            time.sleep(self._reap_every)
            now = time.monotonic()
            for client in self.clients():
                if client.expired(now):
                    client.close()

    def client(self, client_id: str) -> Client | None:
        return self.registry.get(client_id)

    def clients(self) -> list[Client]:
        return self.registry.clients()

    # ---- subscriptions ---------------------------------------------------------------------------------
    def subscribe(self, client_id: str, topics: list[str], ctx: RequestContext, *, ip: str = "", token: str = "") -> None:
        """Replace a client's subscriptions and bind it to `ctx.auth`, wherever the client is connected.
        Raises PocketBase's errors: 404 unknown client, 400 other IP, 403 other auth."""
        if client_id in self.registry or not self._elsewhere(client_id):
            self._subscribe_here(client_id, topics, ctx, ip=ip, token=token)
            return
        answer = self.cluster.request(
            client_id[:KEY_LENGTH],
            {"t": "sub", "cid": client_id, "subs": topics, "tok": token, "ip": ip, "h": ctx.headers, "q": ctx.query},
            self.request_timeout,
        )
        if answer is None:
            raise errors.not_found(MISSING_CLIENT)
        status = int(answer.get("status") or 404)
        if status >= 300:
            raise errors.ApiError(status, str(answer.get("message") or MISSING_CLIENT), answer.get("data") or {})

    def _elsewhere(self, client_id: str) -> bool:
        return len(client_id) == CLIENT_ID_LENGTH and client_id[:KEY_LENGTH] != self.cluster.key

    def _subscribe_here(self, client_id: str, topics: list[str], ctx: RequestContext, *, ip: str, token: str) -> None:
        client = self.registry.get(client_id)
        if client is None or client.closed:
            raise errors.not_found(MISSING_CLIENT)
        if client.ip and ip and client.ip != ip:
            raise errors.bad_request(INVALID_CLIENT)
        current = client.auth
        if current is not None and not _same_auth(current, ctx.auth):
            raise errors.forbidden(AUTH_MISMATCH)
        event = RealtimeSubscribeEvent(self.app, client, ctx, list(topics), ip, token)
        self.app.hooks.hook.baas_realtime_subscribe_request(event=event)

    def apply_subscriptions(self, client: Client, topics: Iterable[str], auth: "Record | None", token: str = "") -> None:
        """Bind `client` to `auth` (until its token expires) and replace its subscriptions with `topics`."""
        expires = tokens.peek_or_empty(token).get("exp") if auth is not None and token else None
        self.registry.subscribe(client, topics, auth, float(expires) if isinstance(expires, (int, float)) else None)

    def audiences(self, record: "Record") -> list[Audience]:
        return self.registry.audiences(record)

    # ---- record events -----------------------------------------------------------------------------------
    def record_saved(self, action: str, record: "Record") -> None:
        """After a create or update committed: publish to the other processes, deliver to ours."""
        if self._closed:
            return
        if self._may_have_peers():
            self.cluster.publish({"t": "event", "a": action, "v": self._version(), "r": wire.snapshot(self.app, record)})
        if action == "update" and record.collection.is_auth:
            self._auth_record_changed(record)
        audiences = self.audiences(record)
        if audiences:
            self._catch_up()
            self._deliver(action, record, audiences)

    def prepare_delete(self, record: "Record") -> None:
        """Inside the delete's transaction, before the row is deleted: every process computes the delete
        messages of its subscribers, against the committed state (outside the transaction)."""
        if self._closed:
            return
        token = random_string(24, ALNUM)
        local = self.audiences(record)
        worker = _Background(lambda: build_messages(self.app, "delete", record, local)) if local else None
        remote = False
        if self.broker.peer_count() > 0:  # exact, even for Redis: waiting for nobody costs a subscription
            replies = self.cluster.gather(
                {"t": "prep", "tok": token, "v": self._version(), "r": wire.snapshot(self.app, record)}, self.prepare_timeout
            )
            remote = any(reply.get("n") for reply in replies)
        if worker is not None:
            messages = worker.result()
            if messages:
                self._store_prepared(token, messages)
        self._pending[self._pending_key(record)] = (token, remote)

    def delete_committed(self, record: "Record") -> None:
        token, remote = self._pending.pop(self._pending_key(record), ("", False))
        if self._closed:
            return
        collection = record.collection
        if collection.is_auth:
            self._auth_unset(lambda client: client.auth_identity() == (collection.id, record.id))
        if remote or (collection.is_auth and self._may_have_peers()):
            self.cluster.publish({"t": "commit", "tok": token, "c": collection.id, "id": record.id, "auth": collection.is_auth})
        if token in self._prepared:
            self._catch_up()
        self._send_prepared(token)

    def delete_failed(self, record: "Record") -> None:
        token, remote = self._pending.pop(self._pending_key(record), ("", False))
        with self._lock:
            self._prepared.pop(token, None)
        if remote and not self._closed:
            self.cluster.publish({"t": "abort", "tok": token})

    def auth_collection_changed(self, collection_id: str) -> None:
        """An auth collection's token secret changed or it was deleted: its clients become guests."""
        if self._closed:
            return
        self._auth_unset(lambda client: (client.auth_identity() or ("",))[0] == collection_id)
        if self._may_have_peers():
            self.cluster.publish({"t": "authcol", "c": collection_id})

    def _deliver(self, action: str, record: "Record", audiences: list[Audience]) -> None:
        for client, message in build_messages(self.app, action, record, audiences):
            client.send(message)

    def _catch_up(self) -> None:
        """Before delivering an event of this process: the events other processes committed earlier, and
        whose frames are already here, go first (see `Broker.catch_up`)."""
        if self._cluster is not None:
            self._cluster.broker.catch_up()

    def _store_prepared(self, token: str, messages: list[tuple[Client, Message]]) -> None:
        now = time.monotonic()
        with self._lock:
            for key in [key for key, (expires, _m) in self._prepared.items() if expires < now]:
                del self._prepared[key]
            self._prepared[token] = (now + PREPARED_TTL, messages)

    def _send_prepared(self, token: str) -> None:
        with self._lock:
            entry = self._prepared.pop(token, None)
        if entry is not None:
            for client, message in entry[1]:
                client.send(message)

    @staticmethod
    def _pending_key(record: "Record") -> tuple[str, str, int]:
        return record.collection.id, record.id, id(record)

    # ---- auth changes --------------------------------------------------------------------------------------
    def _auth_record_changed(self, record: "Record") -> None:
        """An auth record was updated: clients bound to it see the new values, or become guests if its
        `tokenKey` changed (new password, "log out everywhere"), which invalidated their tokens."""
        identity = (record.collection.id, record.id)
        for client in self.clients():
            bound = client.auth
            if bound is None or (bound.collection.id, bound.id) != identity:
                continue
            if bound.get("tokenKey") != record.get("tokenKey"):
                client.unset_auth()
            else:
                client.replace_auth_record(record)

    def _auth_unset(self, matches: Callable[[Client], bool]) -> None:
        for client in self.clients():
            if client.auth is not None and matches(client):
                client.unset_auth()

    # ---- custom messages ------------------------------------------------------------------------------------
    def send(self, client_id: str, topic: str, data: Any, *, subscribed_only: bool = True, ip: str = "") -> bool:
        """Send `data` (bytes, str or anything JSON) as event `topic` to one client, wherever it is
        connected; with `subscribed_only` only if it subscribed to `topic`, with `ip` only if its stream
        came from that IP. This is how the OAuth2 redirect reaches the SDK's `@oauth2` subscription
        (`send(state, "@oauth2", {"state", "code"}, ip=caller_ip)`). Whether the client got it."""
        payload = _as_bytes(data)
        if client_id in self.registry or not self._elsewhere(client_id):
            return self._send_here(client_id, topic, payload, subscribed_only, ip)
        answer = self.cluster.request(
            client_id[:KEY_LENGTH],
            {"t": "send", "cid": client_id, "topic": topic, "data": payload.decode(), "only": subscribed_only, "ip": ip},
            self.request_timeout,
        )
        return bool(answer and answer.get("ok"))

    def broadcast(self, topic: str, data: Any) -> None:
        """Send `data` to every client of every process subscribed to `topic` (custom topics)."""
        payload = _as_bytes(data)
        if self._may_have_peers():
            self.cluster.publish({"t": "topic", "topic": topic, "data": payload.decode()})
        self._broadcast_here(topic, payload)

    def _send_here(self, client_id: str, topic: str, payload: bytes, subscribed_only: bool, ip: str = "") -> bool:
        client = self.registry.get(client_id)
        if client is None or client.closed:
            return False
        if ip and client.ip and client.ip != ip:
            return False
        if subscribed_only and not any(sub.base == topic for sub in client.subscriptions.values()):
            return False
        return client.send(Message(topic, payload))

    def _broadcast_here(self, topic: str, payload: bytes) -> None:
        pairs = self.registry.topic_pairs(topic)
        shared: dict[str, Message] = {}
        for client, name in pairs:
            message = shared.get(name)
            if message is None:
                message = shared[name] = Message(name, payload)
            client.send(message)

    # ---- messages from other processes ----------------------------------------------------------------------
    def _handle(self, message: dict[str, Any]) -> dict[str, Any] | None:
        kind = message.get("t")
        try:
            if kind == "event":
                self._on_event(message)
            elif kind == "prep":
                return {"n": self._on_prepare(message)}
            elif kind == "commit":
                self._on_commit(message)
            elif kind == "abort":
                with self._lock:
                    self._prepared.pop(str(message.get("tok", "")), None)
            elif kind == "sub":
                return self._on_subscribe(message)
            elif kind == "send":
                payload = str(message.get("data", "")).encode()
                return {"ok": self._send_here(
                    str(message.get("cid", "")), str(message.get("topic", "")), payload, bool(message.get("only")),
                    str(message.get("ip") or ""),
                )}
            elif kind == "topic":
                self._broadcast_here(str(message.get("topic", "")), str(message.get("data", "")).encode())
            elif kind == "authcol":
                collection_id = str(message.get("c", ""))
                self._auth_unset(lambda client: (client.auth_identity() or ("",))[0] == collection_id)
        except Exception:  # noqa: BLE001 - a message from another process must never kill the receiver
            log.exception("realtime: handling a %r message failed", kind)
        return None

    def _on_event(self, message: dict[str, Any]) -> None:
        if not len(self.registry):
            return
        self._sync(message)
        record = wire.restore(self.app, message.get("r") or {})
        if record is None:
            return
        action = str(message.get("a", ""))
        if action == "update" and record.collection.is_auth:
            self._auth_record_changed(record)
        audiences = self.audiences(record)
        if audiences:
            self._deliver(action, record, audiences)

    def _on_prepare(self, message: dict[str, Any]) -> int:
        if not self.registry.has_subscriptions():
            return 0
        self._sync(message)
        record = wire.restore(self.app, message.get("r") or {})
        if record is None:
            return 0
        audiences = self.audiences(record)
        if not audiences:
            return 0
        messages = build_messages(self.app, "delete", record, audiences)
        if messages:
            self._store_prepared(str(message.get("tok", "")), messages)
        return len(messages)

    def _on_commit(self, message: dict[str, Any]) -> None:
        if message.get("auth"):
            identity = (str(message.get("c", "")), str(message.get("id", "")))
            self._auth_unset(lambda client: client.auth_identity() == identity)
        self._send_prepared(str(message.get("tok", "")))

    def _on_subscribe(self, message: dict[str, Any]) -> dict[str, Any]:
        from ..auth import record_from_token

        token = str(message.get("tok") or "")
        auth = record_from_token(self.app, token) if token else None
        if token and auth is None:  # maybe an auth collection this process has not loaded yet
            self.app.refresh()
            auth = record_from_token(self.app, token)
        ctx = RequestContext(auth=auth, method="POST", headers=dict(message.get("h") or {}), query=dict(message.get("q") or {}))
        topics = [str(topic) for topic in message.get("subs") or []]
        try:
            self._subscribe_here(str(message.get("cid", "")), topics, ctx, ip=str(message.get("ip") or ""), token=token)
        except errors.ApiError as error:
            return error.to_json()
        return {"status": 204}

    def _sync(self, message: dict[str, Any]) -> None:
        """See the collection definitions the publisher saw (rules included) before evaluating."""
        if message.get("v") is None or message.get("v") != self._version():
            self.app.refresh()

    def _version(self) -> Any:
        return getattr(self.app.collections, "_version", None)

    def _may_have_peers(self) -> bool:
        """Whether publishing could reach anyone (without a round trip: Redis always may)."""
        broker = self.cluster.broker
        return not broker.cheap_peer_count or broker.peer_count() > 0


class _Background:
    """Run `work` in another thread (a greenlet under gevent) and collect its result: it gets its own
    context, hence its own database connection outside the caller's transaction."""

    def __init__(self, work: Callable[[], Any]):
        self._work = work
        self._result: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="realtime-prepare", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._work()
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            self._error = error

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            log.error("realtime: preparing delete messages failed", exc_info=self._error)
            return []
        return self._result


def _same_auth(a: "Record | None", b: "Record | None") -> bool:
    if a is None or b is None:
        return a is b
    return a.id == b.id and a.collection.id == b.collection.id


def _as_bytes(data: Any) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode()
    return orjson.dumps(data)
