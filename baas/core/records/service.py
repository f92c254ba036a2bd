"""The records service: list, view, create, update and delete, for every front door.

Two levels, each firing its hooks (see `baas.hooks.specs`):

* request level — `list`, `view`, `create`, `update`, `delete`: what the REST API, the batch API and the
  console call. They parse the input, apply the collection's API rules and fire `baas_record*_request`.
* model level — `save` and `remove`: every write ends here, rules or not (plugins and the CLI may call them
  directly). They fire `baas_record_create|update|delete` inside the transaction, and the after-success /
  after-error hooks once it has committed or rolled back.

The default action of each hook lives in `defaults.RecordDefaults`, registered as a `trylast` plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.sql import ColumnElement

from ... import errors
from ...hooks.events import RecordEvent, RecordRequestEvent
from ...query.compiler import FilterError, FilterForbidden, compile_filter, compile_sort
from ...schema.collection import Collection
from .expand import expand_records
from .listing import ListQuery, ListResult
from .record import Record
from .rules import LOCKED, rule_condition

if TYPE_CHECKING:
    from ..app import App
    from ..context import RequestContext


class RecordsService:
    def __init__(self, app: "App"):
        self.app = app
        self.repo = app.records_repo

    @property
    def hook(self):
        return self.app.hooks.hook

    # ---- request level -------------------------------------------------------------------------
    def list(self, collection: Collection, ctx: "RequestContext", query: ListQuery) -> ListResult:
        event = RecordRequestEvent(self.app, collection, ctx, query=query)
        event.result = self.hook.baas_records_list_request(event=event)
        return event.result

    def view(self, collection: Collection, record_id: str, ctx: "RequestContext", *, expand: str = "") -> Record:
        event = RecordRequestEvent(self.app, collection, ctx, record_id=record_id)
        record = self.hook.baas_record_view_request(event=event)
        if expand:
            self.expand([record], expand, ctx)
        return record

    def create(self, collection: Collection, ctx: "RequestContext", body: dict[str, Any]) -> Record:
        self._writable(collection)
        event = RecordRequestEvent(self.app, collection, ctx, body=body)
        event.record = self.hook.baas_record_create_request(event=event)
        return event.record

    def update(self, collection: Collection, record_id: str, ctx: "RequestContext", body: dict[str, Any]) -> Record:
        self._writable(collection)
        event = RecordRequestEvent(self.app, collection, ctx, body=body, record_id=record_id)
        event.record = self.hook.baas_record_update_request(event=event)
        return event.record

    def delete(self, collection: Collection, record_id: str, ctx: "RequestContext") -> Record:
        self._writable(collection)
        event = RecordRequestEvent(self.app, collection, ctx, record_id=record_id)
        return self.hook.baas_record_delete_request(event=event)

    # ---- model level ---------------------------------------------------------------------------
    def save(self, record: Record, ctx: "RequestContext") -> Record:
        """Validate and write `record` (INSERT when new) in a transaction, firing the model hooks."""
        is_new = record.is_new
        event = RecordEvent(self.app, record, ctx)
        with self.app.db.transaction() as tx:
            tx.on_rollback(lambda error: self._after_error(event, error, "create" if is_new else "update"))
            if is_new:
                self.hook.baas_record_create(event=event)
            else:
                self.hook.baas_record_update(event=event)
            tx.on_commit(
                lambda: (self.hook.baas_record_after_create_success if is_new else self.hook.baas_record_after_update_success)(event=event)
            )
            # the stored state becomes the new original only once committed, after the after-success hooks
            # (which compare `original` with `data`), also when this save is one of several in a transaction
            tx.on_commit(lambda: setattr(record, "original", dict(record.data)))
        return record

    def remove(self, record: Record, ctx: "RequestContext") -> None:
        """Delete `record` (cascades and reference clean-up included), firing the model hooks."""
        event = RecordEvent(self.app, record, ctx)
        with self.app.db.transaction() as tx:
            tx.on_rollback(lambda error: self._after_error(event, error, "delete"))
            self.hook.baas_record_delete(event=event)
            tx.on_commit(lambda: self.hook.baas_record_after_delete_success(event=event))

    def _after_error(self, event: RecordEvent, error: BaseException, action: str) -> None:
        event.error = error
        getattr(self.hook, f"baas_record_after_{action}_error")(event=event)

    # ---- helpers shared with the defaults and other services -----------------------------------
    def expand(self, records: list[Record], text: str, ctx: "RequestContext") -> None:
        """Attach the `expand=` relations the caller may view."""
        expand_records(self, records, text, ctx)

    def can_view(self, record: Record, ctx: "RequestContext") -> bool:
        condition = rule_condition(self.app, record.collection, "viewRule", ctx)
        if condition is LOCKED:
            return False
        return condition is None or self.repo.matches(record.collection, record.id, condition)

    def can_manage(self, record: Record, ctx: "RequestContext") -> bool:
        """Whether the caller holds the auth collection's manageRule for `record`."""
        if ctx.is_superuser:
            return True
        if not record.collection.is_auth or ctx.auth is None or not record.collection.rule("manageRule"):
            return False  # a null or empty manageRule grants nothing (PocketBase's hasAuthManageAccess)
        condition = rule_condition(self.app, record.collection, "manageRule", ctx)
        return isinstance(condition, ColumnElement) and self.repo.matches(record.collection, record.id, condition)

    def manageable(self, records: list[Record], ctx: "RequestContext") -> set[str]:
        """Ids of the auth `records` whose manageRule the caller holds, in one query per collection."""
        if not records or ctx.auth is None:
            return set()
        if ctx.is_superuser:
            return {record.id for record in records}
        found: set[str] = set()
        by_collection: dict[str, list[Record]] = {}
        for record in records:
            if record.collection.is_auth:
                by_collection.setdefault(record.collection.id, []).append(record)
        for group in by_collection.values():
            collection = group[0].collection
            condition = rule_condition(self.app, collection, "manageRule", ctx) if collection.rule("manageRule") else None
            if not isinstance(condition, ColumnElement):
                continue
            found.update(record.id for record in self.repo.find_many(collection, [record.id for record in group], condition))
        return found

    def client_filter(self, text: str, collection: Collection, ctx: "RequestContext"):
        """A caller's `filter=` as SQL (superusers may use everything; others get PocketBase's limits)."""
        return self._client(compile_filter, text, collection, ctx)

    def client_sort(self, text: str, collection: Collection, ctx: "RequestContext") -> list:
        return self._client(compile_sort, text, collection, ctx)

    def _client(self, compiler, text: str, collection: Collection, ctx: "RequestContext"):
        try:
            return compiler(
                text, collection, schema=self.app.collections.get, dialect=self.app.db.dialect,
                request=ctx.request_data(), client=not ctx.is_superuser,
            )
        except FilterForbidden as error:
            raise errors.forbidden(str(error)) from error
        except FilterError as error:
            raise errors.bad_request(cause=error) from error

    @staticmethod
    def _writable(collection: Collection) -> None:
        if collection.is_view:
            raise errors.bad_request("Unsupported collection type.")
