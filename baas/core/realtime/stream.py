"""A client's SSE stream: `PB_CONNECT`, then its messages, until it goes idle, too old or away.

The stream is a plain iterator of byte chunks that any WSGI server can send. Between messages it waits
on the client's wake-up event: under gunicorn's gevent worker that is a parked greenlet, holding no
thread and no database connection. As in PocketBase:

* the first message is `PB_CONNECT` with `{"clientId": ...}`, and every message carries the client id
  as its SSE `id:` (the SDK reads the client id from there);
* the stream ends after `idle_timeout` seconds without a message (5 minutes by default) and after
  `max_timeout` seconds in any case (30 minutes); the SDK then reconnects and resubmits its topics;
* no keep-alive comments are sent.

A stream that ends (or whose socket the peer closed) unregisters its client. Under gevent the socket is
watched for the peer closing it, so a vanished subscriber is dropped at once rather than when a write
to it fails or its idle timeout passes.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import TYPE_CHECKING, Callable, Iterator

import orjson

from ...hooks.events import RealtimeConnectEvent, RealtimeMessageEvent
from .client import Client, Message
from .gevent_compat import gevent_patched
from .topics import CONNECT_EVENT

if TYPE_CHECKING:
    from .service import RealtimeService

log = logging.getLogger(__name__)


def stream(service: "RealtimeService", event: RealtimeConnectEvent, sock: socket.socket | None = None) -> Iterator[bytes]:
    """The SSE body for the client of `event` (`sock`, when known, is watched for the peer leaving)."""
    client = event.client
    app = service.app
    stop_watching: Callable[[], None] | None = None
    try:
        first = _outgoing(app, client, Message(CONNECT_EVENT, orjson.dumps({"clientId": client.id})))
        if first:
            yield first
        stop_watching = _watch_peer(sock, client)
        now = time.monotonic()
        client.idle_deadline = now + event.idle_timeout
        client.hard_deadline = now + event.max_timeout
        service.watch_deadlines(min(event.idle_timeout, event.max_timeout))
        while True:
            client.wait()
            if client.peer_readable:
                client.peer_readable = False
                if _peer_closed(sock):
                    break
            if client.closed or client.expired(time.monotonic()):
                break
            chunks = []
            while (message := client.take()) is not None:
                chunk = _outgoing(app, client, message)
                if chunk:
                    chunks.append(chunk)
            if chunks:
                yield b"".join(chunks)
                client.idle_deadline = time.monotonic() + event.idle_timeout
    finally:
        if stop_watching is not None:
            stop_watching()
        service.unregister(client)


def _outgoing(app, client: Client, message: Message) -> bytes | None:
    """The frame for `message` after `baas_realtime_message_send` (None when a handler dropped it).

    Messages are shared between the clients of an event, so handlers get this client's own copy."""
    hook = app.hooks.hook.baas_realtime_message_send
    if not hook.get_hookimpls():
        return message.encode(client.id)
    event = RealtimeMessageEvent(app, client, Message(message.name, message.data))
    try:
        hook(event=event)
    except Exception:  # noqa: BLE001 - a failing handler drops the message, not the stream
        log.exception("realtime: a baas_realtime_message_send handler failed")
        return None
    return event.message.encode(client.id) if event.message is not None else None


def _watch_peer(sock: socket.socket | None, client: Client) -> Callable[[], None] | None:
    """Under gevent, wake the stream when the peer's socket turns readable: an SSE client never sends
    anything after its request, so readable means it hung up (checked by the stream with a peek)."""
    if sock is None or not gevent_patched():
        return None
    try:
        import gevent

        watcher = gevent.get_hub().loop.io(sock.fileno(), 1)
    except Exception:  # noqa: BLE001 - no watching, the stream still ends on its timeouts
        return None

    def readable() -> None:
        watcher.stop()  # level-triggered: one notice is enough
        client.peer_readable = True
        client.wake()

    watcher.start(readable)

    def stop() -> None:
        watcher.stop()
        watcher.close()

    return stop


def _peer_closed(sock: socket.socket | None) -> bool:
    """After the watcher fired: has the peer closed the connection? (Anything it sent instead is left
    unread and no longer watched: an SSE client sends nothing after its request.)"""
    if sock is None:
        return False
    try:
        data = sock.recv(1, socket.MSG_PEEK)
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
    return not data
