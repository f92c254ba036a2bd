"""baas's own behaviour for the record hooks, registered as a `trylast` plugin (see `baas.hooks.specs`).

Request level: parse the input, apply the API rules, then save or remove through the model level.
Model level: fill server-set values, validate, write the row; relation clean-up on delete.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.exc import IntegrityError

from ... import errors
from ...errors import FieldError
from ...hooks import hookimpl
from ...hooks.events import RecordEvent, RecordRequestEvent
from ...dates import now_text
from ...ids import random_string
from ...schema.collection import Collection
from ...schema.fields import ValueContext
from ...storage import StorageError
from ...storage.paths import file_key, record_prefix
from ..auth_records import delete_linked_rows
from . import auth_input
from .input import apply_body
from .listing import ListQuery, ListResult
from .record import Record
from .rules import LOCKED, rule_condition
from .uniqueness import unique_violation_errors

if TYPE_CHECKING:
    from ..app import App
    from ..context import RequestContext

CREATE_FAILED = "Failed to create record."
UPDATE_FAILED = "Failed to update record."
DELETE_REQUIRED_REFERENCE = (
    "Failed to delete record. Make sure that the record is not part of a required relation reference."
)
TOKEN_KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class RecordDefaults:
    def __init__(self, app: "App"):
        self.app = app

    @property
    def repo(self):
        return self.app.records_repo

    @property
    def service(self):
        return self.app.records

    # ---- request level -------------------------------------------------------------------------
    @hookimpl(trylast=True)
    def baas_records_list_request(self, event: RecordRequestEvent) -> ListResult:
        collection, ctx, query = event.collection, event.ctx, event.query
        if not ctx.is_superuser and collection.rule("listRule") is None:
            raise errors.superusers_only()
        plans = self.repo.list_plans
        key = plans.key(collection, query, ctx)
        plan = plans.get(collection, key) if key is not None else None
        if plan is None:
            rows_query, count_query = self._list_statements(collection, ctx, query)
            plan = plans.add(collection, key, rows_query, count_query) if key is not None else None
        if plan is not None:
            rows, total = self.repo.run_list_plan(plan, query.skip_total)
        else:
            with self.app.db.read() as connection:
                rows = connection.execute(rows_query).all()
                total = -1 if query.skip_total else int(connection.execute(count_query).scalar() or 0)
        records = [self.repo.from_values(collection, row) for row in rows]  # select(table): columns in field order
        if query.expand:
            self.service.expand(records, query.expand, ctx)
        return ListResult(page=query.page, per_page=query.per_page, total_items=total, items=records)

    def _list_statements(self, collection: Collection, ctx: "RequestContext", query: ListQuery) -> tuple[Select, Select]:
        """The page's select and its count, with the list rule, `filter=` and `sort=` compiled in."""
        condition = rule_condition(self.app, collection, "listRule", ctx)
        where = [condition] if condition is not None else []
        if query.filter.strip():
            where.append(self.service.client_filter(query.filter, collection, ctx))
        order = self.service.client_sort(query.sort, collection, ctx) if query.sort.strip() else []
        table = collection.table(self.app.db.dialect)
        rows_query = select(table)
        count_query = select(func.count()).select_from(table)
        if where:
            rows_query = rows_query.where(and_(*where))
            count_query = count_query.where(and_(*where))
        return rows_query.order_by(*order).limit(query.per_page).offset(query.offset), count_query

    @hookimpl(trylast=True)
    def baas_record_view_request(self, event: RecordRequestEvent) -> Record:
        condition = rule_condition(self.app, event.collection, "viewRule", event.ctx)
        if condition is LOCKED:
            raise errors.superusers_only()
        record = self.repo.find(event.collection, event.record_id, condition)
        if record is None:
            raise errors.not_found()
        return record

    @hookimpl(trylast=True)
    def baas_record_create_request(self, event: RecordRequestEvent) -> Record:
        collection, ctx = event.collection, event.ctx
        if not ctx.is_superuser and collection.rules.get("createRule") is None:
            raise errors.superusers_only()
        record = Record(collection)
        resolved = apply_body(record, event.body, ctx)
        if not ctx.is_superuser and collection.rule("createRule"):
            # the rule first, on the submitted values: a caller who may not create learns nothing from validation
            new_row = self.repo.new_row(record)
            condition = rule_condition(self.app, collection, "createRule", ctx, body=resolved, table=new_row)
            if condition is not None and not self.repo.any_row(new_row, condition):
                raise errors.bad_request(CREATE_FAILED)
        if collection.is_auth:
            auth_input.check_create(record, event.body, ctx, CREATE_FAILED)
        return self.service.save(record, ctx)

    @hookimpl(trylast=True)
    def baas_record_update_request(self, event: RecordRequestEvent) -> Record:
        collection, ctx = event.collection, event.ctx
        if not ctx.is_superuser and collection.rules.get("updateRule") is None:
            raise errors.superusers_only()  # before the lookup, as PocketBase: a locked rule is 403 for any id
        record = self.repo.find(collection, event.record_id)
        if record is None:
            raise errors.not_found()
        original = dict(record.data)
        resolved = apply_body(record, event.body, ctx)
        if not ctx.is_superuser:
            condition = rule_condition(self.app, collection, "updateRule", ctx, body=resolved, original=original)
            if condition is not None and not self.repo.matches(collection, event.record_id, condition):
                raise errors.not_found()
        if collection.is_auth:
            manager = self.service.can_manage(record, ctx)
            auth_input.check_update(record, original, event.body, ctx, manager=manager, message=UPDATE_FAILED)
        return self.service.save(record, ctx)

    @hookimpl(trylast=True)
    def baas_record_delete_request(self, event: RecordRequestEvent) -> Record:
        condition = rule_condition(self.app, event.collection, "deleteRule", event.ctx)
        if condition is LOCKED:
            raise errors.superusers_only()
        record = self.repo.find(event.collection, event.record_id, condition)
        if record is None:
            raise errors.not_found()
        self.service.remove(record, event.ctx)
        return record

    # ---- model level ---------------------------------------------------------------------------
    @hookimpl(trylast=True)
    def baas_record_validate(self, event: RecordEvent) -> None:
        record = event.record
        context = ValueContext(record.collection, lookup_ids=self._lookup_ids, original=record.original, is_new=record.is_new)
        problems: dict[str, FieldError] = {}
        for field in record.collection.fields:
            error = field.validate(record.get(field.name, field.zero()), context)
            if error is not None:
                problems[field.name] = error
        if problems:
            raise errors.bad_request(CREATE_FAILED if record.is_new else UPDATE_FAILED, problems)

    @hookimpl(trylast=True)
    def baas_record_create(self, event: RecordEvent) -> None:
        self._write(event, CREATE_FAILED, lambda connection: self.repo.insert(connection, event.record))

    @hookimpl(trylast=True)
    def baas_record_update(self, event: RecordEvent) -> None:
        previous_id = event.record.original.get("id") if event.record.original else None
        self._write(event, UPDATE_FAILED, lambda connection: self.repo.update(connection, event.record, previous_id))

    @hookimpl(trylast=True)
    def baas_record_delete(self, event: RecordEvent) -> None:
        record = event.record
        connection = self.app.db.current.connection
        self.repo.delete(connection, record)  # first, so a cascade cycle cannot come back to this record
        if record.collection.is_auth:
            delete_linked_rows(self.app, record)
        storage = self.app.files.storage
        self.app.db.current.on_commit(lambda: storage.delete_prefix(record_prefix(record.collection.id, record.id)))
        for other, field in self._relations_to(record):
            for referencing in self._referencing(other, field, record.id):
                if field.cascadeDelete:
                    self.service.remove(referencing, event.ctx)
                    continue
                remaining = _without(referencing.get(field.name), record.id)
                if field.required and not remaining:
                    raise errors.bad_request(DELETE_REQUIRED_REFERENCE)
                referencing.set(field.name, remaining)
                self.repo.update(connection, referencing)

    # ---- helpers -------------------------------------------------------------------------------
    def _write(self, event: RecordEvent, message: str, write) -> None:
        record = event.record
        stamp = now_text()
        for field in record.collection.fields:
            record.set(field.name, field.autofill(record.get(field.name, field.zero()), record.is_new, stamp))
        # a new password or email invalidates every token of the record, as in PocketBase
        if record.collection.is_auth and (
            (record.changed("password") and record.get("password") is not None)
            or (not record.is_new and record.changed("email"))
        ):
            record.set("tokenKey", random_string(50, TOKEN_KEY_ALPHABET))
        self.app.hooks.hook.baas_record_validate(event=event)
        self._store_uploads(record)
        try:
            write(self.app.db.current.connection)
        except IntegrityError as error:
            problems = unique_violation_errors(error, record.collection, self.app.db.dialect)
            raise errors.bad_request(message, problems, cause=error) from error

    def _store_uploads(self, record: Record) -> None:
        """Write new uploads to storage now (removed again if the transaction rolls back) and delete the
        files the record no longer holds once it commits."""
        storage, tx = self.app.files.storage, self.app.db.current
        collection = record.collection
        dropped: list[str] = []
        for field in collection.fields:
            if field.type != "file":
                continue
            names = []
            for item in field.items(record.get(field.name)):
                if not isinstance(item, str):
                    key = file_key(collection.id, record.id, item.name)
                    try:
                        storage.save(key, item.stream, item.content_type)
                    except StorageError as error:  # the files stored so far go with the rollback
                        logging.getLogger("baas.files").warning("storing %s failed: %s", key, error)
                        message = CREATE_FAILED if record.is_new else UPDATE_FAILED
                        raise errors.bad_request(message, cause=error) from error
                    tx.on_rollback(lambda _error, key=key: storage.delete(key))
                names.append(field.item_name(item))
            record.set(field.name, field.prepare(names))
            if record.original is not None:
                kept = set(names)
                dropped += [name for name in field.items(record.original.get(field.name)) if name not in kept]
        if dropped:
            tx.on_commit(lambda: self._delete_files(collection.id, record.id, dropped))

    def _delete_files(self, collection_id: str, record_id: str, names: list[str]) -> None:
        storage = self.app.files.storage
        for name in names:
            storage.delete(file_key(collection_id, record_id, name))
            storage.delete_prefix(f"{collection_id}/{record_id}/thumbs_{name}/")

    def _lookup_ids(self, collection_id: str, ids: list[str]) -> set[str]:
        target = self.app.collections.get(collection_id)
        return self.repo.existing_ids(target, ids) if target is not None else set()

    def _relations_to(self, record: Record):
        for other in self.app.collections.all():
            if other.is_view:
                continue
            for field in other.fields:
                if field.type == "relation" and field.collectionId == record.collection.id:
                    yield other, field

    def _referencing(self, collection, field, record_id: str) -> list[Record]:
        table = collection.table(self.app.db.dialect)
        column = table.c[field.name]
        if field.is_multiple():
            elements = self.app.db.dialect.json_array_elements(column, "rel")
            condition = select(elements.c.value).where(elements.c.value == record_id).exists()
        else:
            condition = column == record_id
        with self.app.db.read() as connection:
            rows = connection.execute(select(table).where(condition)).all()
        return [self.repo.from_row(collection, row) for row in rows]


def _without(value: Any, record_id: str) -> Any:
    if isinstance(value, list):
        return [item for item in value if item != record_id]
    return "" if value == record_id else value
