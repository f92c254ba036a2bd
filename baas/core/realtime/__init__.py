"""Realtime: PocketBase's SSE subscriptions (`/api/realtime`), rule-checked per subscriber, across processes.

    service.py       RealtimeService: this process's clients, record events in and out, forwarding
    client.py        Client (queue, auth binding) and Message (one SSE frame)
    topics.py        topic strings and their `?options=`; the topics a record event is published under
    delivery.py      who gets a record event and what: rules, filter, expand, fields, per audience
    stream.py        the SSE body: PB_CONNECT, messages, idle/max timeouts, peer hang-up
    plugin.py        RealtimeHooks: the built-in hook implementations (trylast) wiring writes to events
    cluster.py       publish / request / gather between processes over a broker
    broker.py        the Broker contract and `create_broker` (memory | unix sockets | Redis)
    broker_*.py      the backends
    wire.py          frames and record snapshots between processes
    gevent_compat.py psycopg and redis-py made cooperative when imported before gevent's patching

The API layer (`baas/api/realtime.py`) only parses requests and streams `RealtimeService.connect()`.
See docs/realtime.md for the design and its trade-offs.
"""

from __future__ import annotations

from .broker import Broker, create_broker
from .client import Client, Message
from .plugin import BUILTIN_REALTIME, RealtimeHooks
from .service import RealtimeService
from .topics import MAX_CLIENT_ID_LENGTH, MAX_SUBSCRIPTIONS, MAX_TOPIC_LENGTH, OAUTH2_TOPIC, Subscription

__all__ = [
    "BUILTIN_REALTIME",
    "MAX_CLIENT_ID_LENGTH",
    "MAX_SUBSCRIPTIONS",
    "MAX_TOPIC_LENGTH",
    "OAUTH2_TOPIC",
    "Broker",
    "Client",
    "Message",
    "RealtimeHooks",
    "RealtimeService",
    "Subscription",
    "create_broker",
]
