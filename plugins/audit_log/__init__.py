"""Audit log: every record change, written into the `audit_log` collection in the same transaction.

Enable with `BAAS_PLUGINS_ENABLED=audit_log`. At bootstrap the plugin creates the `audit_log` collection
when it is missing (superusers only: every rule is locked). Each create, update and delete of any other
record adds one entry:

    action           "create" | "update" | "delete"
    collection       the changed record's collection name
    recordId         its id
    authCollection   who: the collection of the signed-in record ("" for guests and system calls)
    authId           who: that record's id
    context          "default", "batch", ... (`@request.context`), or "system" (CLI, cron, plugins)
    before, after    the record as a superuser sees it through the API (passwords and tokenKey never),
                     before and after the change; null on create (before) and delete (after)
    created          when

The entry is written by wrapping the model-level hooks (`baas_record_create|update|delete`), inside the
transaction of the change: a change that rolls back leaves no entry, and an entry never describes a
change that did not happen. Cascaded deletes get an entry each. Configuration (`Config.extra["audit_log"]`):
`collection` (default "audit_log") and `exclude` (collection names not to log).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from baas.plugin_api import App, Record, RequestContext, ensure_collection, events, hookimpl, record_json

ACTIONS = ("create", "update", "delete")


@dataclass(frozen=True)
class AuditLogConfig:
    collection: str = "audit_log"
    exclude: tuple[str, ...] = ()

    @classmethod
    def from_app(cls, app: App) -> "AuditLogConfig":
        options = dict(app.config.extra.get("audit_log") or {})
        return cls(collection=options.get("collection", cls.collection), exclude=tuple(options.get("exclude", ())))


def definition(name: str) -> dict[str, Any]:
    """The collection the entries go to."""
    return {
        "name": name,
        "type": "base",
        "fields": [
            {"name": "action", "type": "select", "values": list(ACTIONS), "maxSelect": 1, "required": True},
            {"name": "collection", "type": "text", "required": True},
            {"name": "recordId", "type": "text"},
            {"name": "authCollection", "type": "text"},
            {"name": "authId", "type": "text"},
            {"name": "context", "type": "text"},
            {"name": "before", "type": "json"},
            {"name": "after", "type": "json"},
            {"name": "created", "type": "autodate", "onCreate": True},
        ],
        "indexes": [f"CREATE INDEX idx_{name}_record ON {name} (collection, recordId)"],
    }


class AuditLog:
    def __init__(self, app: App):
        self.app = app
        self.config = AuditLogConfig.from_app(app)
        self._system = RequestContext.system()

    @hookimpl
    def baas_bootstrap(self, app: App) -> None:
        ensure_collection(app, definition(self.config.collection))

    @hookimpl(wrapper=True)
    def baas_record_create(self, event: events.RecordEvent):
        result = yield
        self._log(event, "create", None, self._snapshot(event.record))
        return result

    @hookimpl(wrapper=True)
    def baas_record_update(self, event: events.RecordEvent):
        before = self._snapshot(Record(event.record.collection, dict(event.record.original or {})))
        result = yield
        self._log(event, "update", before, self._snapshot(event.record))
        return result

    @hookimpl(wrapper=True)
    def baas_record_delete(self, event: events.RecordEvent):
        before = self._snapshot(event.record)
        result = yield
        self._log(event, "delete", before, None)
        return result

    def _log(self, event: events.RecordEvent, action: str, before: Any, after: Any) -> None:
        collection = event.record.collection
        if collection.name == self.config.collection or collection.name in self.config.exclude:
            return
        target = self.app.collections.get(self.config.collection)
        if target is None:  # deleted by an admin since bootstrap: nothing to log into
            return
        ctx = event.ctx
        body = {
            "action": action,
            "collection": collection.name,
            "recordId": event.record.id,
            "authCollection": ctx.auth.collection.name if ctx.auth is not None else "",
            "authId": ctx.auth_id,
            "context": "system" if ctx.system_access else ctx.context,
            "before": before,
            "after": after,
        }
        self.app.records.create(target, self._system, body)  # joins the transaction of the change

    def _snapshot(self, record: Record) -> dict[str, Any]:
        return record_json(record)


def register(app: App) -> AuditLog:
    return AuditLog(app)
