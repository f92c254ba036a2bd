"""Outgoing webhooks: a signed HTTP POST for record events, sent after commit and retried with backoff.

Enable with `BAAS_PLUGINS_ENABLED=webhooks`. At bootstrap the plugin creates the `webhooks` collection
when it is missing (superusers only). Each record of it is one subscription:

    url          where to POST
    collection   the collection name to watch, or "*" for every collection
    events       any of "create", "update", "delete" (none selected = all three)
    secret       the HMAC key (hidden); empty = unsigned
    active       only active subscriptions are sent

After a record change commits (`baas_record_after_*_success`; a rolled-back change sends nothing), every
matching active subscription gets a POST with this JSON body:

    {"id": "<delivery id>", "event": "create", "collection": "posts", "record": {...},
     "timestamp": "2026-01-01 10:00:00.000Z"}

`record` is the record as a superuser sees it through the API (for delete: as it was). Headers:
`Content-Type: application/json`, `X-Baas-Event: <event>`, `X-Baas-Delivery: <id>` (the same on every
retry: use it to drop duplicates) and, with a secret, `X-Baas-Signature: sha256=<hex>`, the HMAC-SHA256 of
the raw body under the secret. Verify it by recomputing over the bytes received (see `signature()`).

Delivery runs in the background (`spawn`: a greenlet under gevent). A 2xx answer is success; a network
error, a timeout, 408, 429 or a 5xx is retried after `backoff * 2**(attempt - 1)` seconds, up to
`max_attempts` attempts; any other answer is final. Deliveries are kept in memory only: those still
waiting when the process exits are lost. Changes to the `webhooks` collection itself are never sent.
Configuration (`Config.extra["webhooks"]`): `collection` ("webhooks"), `max_attempts` (5), `backoff` (1.0
seconds), `timeout` (10 seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any

import orjson
import requests
from sqlalchemy import select

from baas.dates import now_text
from baas.ids import random_string
from baas.plugin_api import App, Record, ensure_collection, events, hookimpl, record_json, spawn

log = logging.getLogger(__name__)

EVENTS = ("create", "update", "delete")
RETRY_STATUSES = frozenset({408, 429})
SIGNATURE_HEADER = "X-Baas-Signature"


@dataclass(frozen=True)
class WebhooksConfig:
    collection: str = "webhooks"
    max_attempts: int = 5
    backoff: float = 1.0
    timeout: float = 10.0

    @classmethod
    def from_app(cls, app: App) -> "WebhooksConfig":
        options = dict(app.config.extra.get("webhooks") or {})
        return cls(**{key: options[key] for key in ("collection", "max_attempts", "backoff", "timeout") if key in options})


@dataclass(frozen=True)
class Delivery:
    id: str
    url: str
    event: str
    body: bytes
    secret: str


def definition(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "base",
        "fields": [
            {"name": "url", "type": "url", "required": True},
            {"name": "collection", "type": "text", "required": True},
            {"name": "events", "type": "select", "values": list(EVENTS), "maxSelect": len(EVENTS)},
            {"name": "secret", "type": "text", "hidden": True},
            {"name": "active", "type": "bool"},
        ],
    }


def signature(secret: str, body: bytes) -> str:
    """The `X-Baas-Signature` value for `body`: `sha256=` and the hex HMAC-SHA256 under `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Webhooks:
    def __init__(self, app: App):
        self.app = app
        self.config = WebhooksConfig.from_app(app)

    @hookimpl
    def baas_bootstrap(self, app: App) -> None:
        ensure_collection(app, definition(self.config.collection))

    @hookimpl
    def baas_record_after_create_success(self, event: events.RecordEvent) -> None:
        self.notify("create", event.record)

    @hookimpl
    def baas_record_after_update_success(self, event: events.RecordEvent) -> None:
        self.notify("update", event.record)

    @hookimpl
    def baas_record_after_delete_success(self, event: events.RecordEvent) -> None:
        self.notify("delete", event.record)

    # ---- matching ------------------------------------------------------------------------------
    def notify(self, action: str, record: Record) -> list[Delivery]:
        """Queue one delivery per matching active subscription; the deliveries queued."""
        if record.collection.name == self.config.collection:
            return []
        subscriptions = self.subscriptions(record.collection.name, action)
        if not subscriptions:
            return []
        payload = {"event": action, "collection": record.collection.name, "record": record_json(record), "timestamp": now_text()}
        deliveries = []
        for subscription in subscriptions:
            delivery_id = random_string(15)
            body = orjson.dumps({"id": delivery_id, **payload})
            delivery = Delivery(delivery_id, subscription.get("url"), action, body, subscription.get("secret") or "")
            spawn(self.deliver, delivery, name=f"webhook-{delivery_id}")
            deliveries.append(delivery)
        return deliveries

    def subscriptions(self, collection_name: str, action: str) -> list[Record]:
        target = self.app.collections.get(self.config.collection)
        if target is None:
            return []
        table = target.table(self.app.db.dialect)
        query = select(table).where(table.c["active"].is_(True), table.c["collection"].in_([collection_name, "*"]))
        with self.app.db.read() as connection:
            rows = connection.execute(query).all()
        found = [self.app.records_repo.from_row(target, row) for row in rows]
        return [record for record in found if not record.get("events") or action in record.get("events")]

    # ---- sending -------------------------------------------------------------------------------
    def deliver(self, delivery: Delivery) -> bool:
        """POST `delivery`, retrying as the module docstring says; whether it was accepted."""
        headers = {"Content-Type": "application/json", "X-Baas-Event": delivery.event, "X-Baas-Delivery": delivery.id}
        if delivery.secret:
            headers[SIGNATURE_HEADER] = signature(delivery.secret, delivery.body)
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                response = requests.post(delivery.url, data=delivery.body, headers=headers, timeout=self.config.timeout)
                status = response.status_code
                response.close()
            except requests.RequestException as error:
                status, reason = None, f"{type(error).__name__}: {error}"
            else:
                if 200 <= status < 300:
                    return True
                reason = f"HTTP {status}"
                if status < 500 and status not in RETRY_STATUSES:
                    log.warning("webhook %s to %s refused (%s); not retried", delivery.id, delivery.url, reason)
                    return False
            if attempt < self.config.max_attempts:
                delay = self.config.backoff * 2 ** (attempt - 1)
                log.info("webhook %s to %s failed (%s); retry %d in %.1fs", delivery.id, delivery.url, reason, attempt, delay)
                time.sleep(delay)
        log.warning("webhook %s to %s failed after %d attempts", delivery.id, delivery.url, self.config.max_attempts)
        return False


def register(app: App) -> Webhooks:
    return Webhooks(app)
