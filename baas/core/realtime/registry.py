"""`Registry`: the realtime clients of this process and their subscriptions, grouped into audiences.

Subscriptions are filed as clients subscribe, under their topic base (`posts/*`), then under what decides
what they see: the client's auth identity and the topic's options. An event then finds its audiences
with a few dictionary lookups, whatever the number of clients, and a group of two thousand guests on
`posts/*` is one audience to judge (see `delivery.build_messages`). A client whose auth changes identity
(bound, signed out, token expired) is filed again.

Safe to use from several threads (a lock guards every change; events iterate over snapshots).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Iterable

from .client import Client
from .delivery import Audience
from .topics import Subscription, record_topics

if TYPE_CHECKING:
    from ..records.record import Record


class _Group:
    """One audience: the subscriptions of one topic base sharing auth identity and options."""

    __slots__ = ("subscription", "identity", "members", "_pairs")

    def __init__(self, subscription: Subscription, identity: tuple[str, str] | None):
        self.subscription = subscription
        self.identity = identity
        self.members: dict[str, tuple[Client, list[str]]] = {}
        self._pairs: list[tuple[Client, str]] | None = None

    def add(self, client: Client, topic: str) -> None:
        entry = self.members.get(client.id)
        if entry is None:
            self.members[client.id] = (client, [topic])
        else:
            entry[1].append(topic)
        self._pairs = None

    def remove(self, client: Client) -> None:
        if self.members.pop(client.id, None) is not None:
            self._pairs = None

    def pairs(self) -> list[tuple[Client, str]]:
        """(client, topic) for every member subscription; rebuilt only after a membership change."""
        if self._pairs is None:
            self._pairs = [(client, topic) for client, topics in self.members.values() for topic in topics]
        return self._pairs


class Registry:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._clients: dict[str, Client] = {}
        #: topic base -> (auth identity, options key) -> group
        self._groups: dict[str, dict[tuple, _Group]] = {}

    def __len__(self) -> int:
        return len(self._clients)

    def __contains__(self, client_id: str) -> bool:
        return client_id in self._clients

    def get(self, client_id: str) -> Client | None:
        return self._clients.get(client_id)

    def clients(self) -> list[Client]:
        with self.lock:
            return list(self._clients.values())

    def has_subscriptions(self) -> bool:
        return bool(self._groups)

    def add(self, client: Client) -> None:
        with self.lock:
            self._clients[client.id] = client
            client.on_auth_change = self.regroup
            self._index(client)

    def remove(self, client: Client) -> None:
        with self.lock:
            if self._clients.get(client.id) is client:
                del self._clients[client.id]
            self._unindex(client)
            client.on_auth_change = None

    def subscribe(self, client: Client, topics: Iterable[str], auth: "Record | None", expires: float | None) -> None:
        """Bind `client` to `auth` and replace its subscriptions with `topics` (empty ones are ignored)."""
        parsed = {topic: Subscription.parse(topic) for topic in topics if topic}
        with self.lock:
            self._unindex(client)
            callback, client.on_auth_change = client.on_auth_change, None
            client.set_auth(auth, expires)
            client.on_auth_change = callback
            client.subscriptions = parsed
            self._index(client)

    def regroup(self, client: Client) -> None:
        """The client's auth changed identity: file its subscriptions again."""
        with self.lock:
            self._unindex(client)
            self._index(client)

    # ---- lookups for events ----------------------------------------------------------------------------
    def audiences(self, record: "Record") -> list[Audience]:
        """The subscriptions a record event reaches, as audiences, each with the rule gating its topic."""
        if not self._groups:  # nobody subscribed to anything: the common case of a write
            return []
        collection = record.collection
        with self.lock:
            snapshot = [
                (rule, group.subscription, group.identity, group.pairs())
                for base, rule in record_topics(collection.id, collection.name, record.id).items()
                for group in self._groups.get(base, {}).values()
            ]
        out: list[Audience] = []
        for rule, subscription, identity, pairs in snapshot:
            if identity is None:  # guests stay guests until they are bound, which regroups them
                out.append(Audience(None, subscription, rule, pairs))
                continue
            # signed-in audiences: a token may have expired meanwhile (that client then regroups as a guest)
            by_auth: dict[Any, tuple[Any, list]] = {}
            for client, topic in pairs:
                auth = client.auth
                current = None if auth is None else (auth.collection.id, auth.id)
                by_auth.setdefault(current, (auth, []))[1].append((client, topic))
            out.extend(Audience(auth, subscription, rule, members) for auth, members in by_auth.values())
        return out

    def topic_pairs(self, base: str) -> list[tuple[Client, str]]:
        """(client, topic) of every subscription to the topic base `base` (custom topics)."""
        with self.lock:
            return [pair for group in self._groups.get(base, {}).values() for pair in group.pairs()]

    # ---- the index ------------------------------------------------------------------------------------------
    def _index(self, client: Client) -> None:
        if self._clients.get(client.id) is not client:
            return
        identity = client.identity
        keys = []
        for subscription in client.subscriptions.values():
            key = (identity, subscription.options_key)
            groups = self._groups.setdefault(subscription.base, {})
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(subscription, identity)
            group.add(client, subscription.topic)
            keys.append((subscription.base, key))
        client.index_keys = keys

    def _unindex(self, client: Client) -> None:
        for base, key in client.index_keys:
            groups = self._groups.get(base)
            group = groups.get(key) if groups else None
            if group is None:
                continue
            group.remove(client)
            if not group.members:
                del groups[key]
                if not groups:
                    del self._groups[base]
        client.index_keys = []
