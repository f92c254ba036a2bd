"""The collections service: every change to a collection definition goes through here.

A change is one transaction: the `_collections` row, the table DDL and the schema-version bump commit
together or not at all, and this process's cache is refreshed right after commit (other workers and
nodes notice the version on their next request). Input becomes a `Collection` in `collection_input`,
is checked in `collection_checks`, and only then touches the database.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from .. import errors
from ..errors import FieldError
from ..hooks.events import CollectionEvent
from ..ids import collection_id_for
from ..schema import ddl
from ..schema.collection import Collection
from ..schema.views import InvalidViewQuery, dry_run, infer_fields
from . import schema_migrations
from .collection_checks import collection_errors
from .collection_input import InvalidFormat, build_new, build_update, scaffold
from .context import RequestContext

if TYPE_CHECKING:
    from .app import App

log = logging.getLogger(__name__)

CREATE_FAILED = "Failed to create collection."
UPDATE_FAILED = "Failed to update collection."
DELETE_FAILED = "Failed to delete collection."
BAD_FORMAT = "Failed to load the submitted data due to invalid formatting."
REQUIRED = FieldError("validation_required", "Cannot be blank.")
#: the PostgreSQL advisory lock that serialises collection changes (Alembic upgrades use 7_271_990_001)
SCHEMA_LOCK_KEY = 7_271_990_002
TRUNCATE_CHUNK = 200
MISSING_PRIMARY_KEY = FieldError("validation_missing_primary_key", 'Missing or invalid "id" PK field.')


class CollectionsService:
    def __init__(self, app: "App"):
        self.app = app

    def get(self, id_or_name: str) -> Collection:
        self.app.refresh()
        found = self.app.collections.get(id_or_name)
        if found is None:
            raise errors.not_found()
        return found

    def scaffolds(self) -> dict[str, dict[str, Any]]:
        return {kind: scaffold(kind).to_json() for kind in ("base", "auth", "view")}

    # ---- changes -------------------------------------------------------------------------------
    def create(self, data: dict[str, Any], *, record: bool = True) -> Collection:
        try:
            collection = build_new(data)
        except InvalidFormat as error:
            raise errors.bad_request(BAD_FORMAT, cause=error) from error
        with self.app.db.transaction(), _database_errors_as(CREATE_FAILED):
            self._lock_schema()
            self.app.refresh()
            self._check(collection, None, CREATE_FAILED)
            return self.store_new(collection, record=record)

    def update(self, id_or_name: str, data: dict[str, Any], *, record: bool = True) -> Collection:
        with self.app.db.transaction(), _database_errors_as(UPDATE_FAILED):
            self._lock_schema()
            existing = self.get(id_or_name)
            try:
                collection = build_update(existing, data)
            except InvalidFormat as error:
                raise errors.bad_request(BAD_FORMAT, cause=error) from error
            self._check(collection, existing, UPDATE_FAILED)
            changed = self.store_change(existing, collection, record=record)
            self._follow_renames(existing, changed, record)
            return changed

    def _lock_schema(self) -> None:
        """Serialise collection changes across workers and nodes; call first in the change's transaction,
        then read the definitions (a change started elsewhere has committed by then).

        SQLite's write transaction (`BEGIN IMMEDIATE`) already is that lock; PostgreSQL takes an advisory
        lock held until commit."""
        if self.app.db.dialect.name == "postgresql":
            self.app.db.current.connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_KEY})")

    def _follow_renames(self, old: Collection, new: Collection, record: bool) -> None:
        """Keep the views reading a renamed table or column valid as definitions.

        The database already follows the rename (SQLite rewrites a view's SQL, PostgreSQL tracks objects),
        so each such view collection takes the database's current query and the fields inferred from it;
        otherwise its stored `viewQuery` would name what no longer exists and fail on the next save,
        export or migration replay."""
        old_names = {field.id: field.name for field in old.fields}
        renamed = old.name != new.name or any(old_names.get(f.id, f.name) != f.name for f in new.fields)
        if old.is_view or not renamed:
            return
        connection = self.app.db.current.connection
        for name in ddl.dependent_views(connection, new.name):
            view = self.get(name) if self.app.collections.get(name) is not None else None
            query = ddl.view_query(connection, name) if view is not None and view.is_view else None
            if not query or query == view.view_query:
                continue
            updated = view.copy()
            updated.options["viewQuery"] = query
            others = [c for c in self.app.collections.all() if c.id != view.id]
            try:
                updated.fields = infer_fields(connection, query, others, view)
            except InvalidViewQuery as error:
                raise errors.bad_request(UPDATE_FAILED + f" Raw error: the view {name} cannot follow: {error}") from error
            self.store_change(view, updated, record=record)

    def delete(self, id_or_name: str) -> None:
        with self.app.db.transaction() as tx, _database_errors_as(DELETE_FAILED):
            self._lock_schema()
            collection = self.get(id_or_name)
            if collection.system:
                raise errors.bad_request(DELETE_FAILED)
            # relations first (PocketBase's message names only those); else the views reading the table
            referencing = self.references_to(collection) or ddl.dependent_views(tx.connection, collection.name)
            if referencing:
                raise errors.bad_request(
                    f"Failed to delete collection probably due to existing reference in {', '.join(referencing)}."
                )
            self.store_removal(collection)
            if not collection.is_view:  # the records' files go too, once the drop has committed
                tx.on_commit(lambda: self._delete_files(collection))

    def _delete_files(self, collection: Collection) -> None:
        try:
            self.app.files.storage.delete_prefix(f"{collection.id}/")
        except Exception:  # the collection is gone already; leftover files are only logged
            log.exception("could not delete the files of deleted collection %s", collection.name)

    def truncate(self, id_or_name: str) -> None:
        """Delete every record of the collection as the records API would, one by one in one transaction:
        cascades, reference clean-up, file removal and record hooks all apply (as in PocketBase)."""
        collection = self.get(id_or_name)
        if collection.is_view:
            raise errors.bad_request(
                "View collections cannot be truncated since they don't store their own records."
            )
        system = RequestContext.system()
        table = collection.table(self.app.db.dialect)
        with self.app.db.transaction() as tx:
            ids = list(tx.connection.execute(select(table.c.id)).scalars())
            for start in range(0, len(ids), TRUNCATE_CHUNK):
                for record in self.app.records_repo.find_many(collection, ids[start:start + TRUNCATE_CHUNK]):
                    self.app.records.remove(record, system)

    def dry_run_view(self, query: str) -> dict[str, Any]:
        """The fields a view query would get and a few sample records, changing nothing."""
        self.app.refresh()
        dialect = self.app.db.dialect
        with self.app.db.transaction() as tx:
            try:
                fields = infer_fields(tx.connection, query, self.app.collections.all())
                columns, rows = dry_run(tx.connection, query)
            except InvalidViewQuery as error:
                raise errors.bad_request(f"Invalid view query. Raw error: \n{_sentence(str(error))}") from error
        by_name = {field.name: field for field in fields}
        sample = []
        for row in rows:
            record: dict[str, Any] = {"collectionId": "", "collectionName": ""}
            for name, value in zip(columns, row):
                field = by_name[name]
                record[name] = _json_safe(field.to_api(field.from_db(value, dialect)))
            sample.append(record)
        return {"fields": [field.to_json() for field in fields], "sample": sample}

    def export(self) -> list[dict[str, Any]]:
        """Every collection definition, system ones included, without write-only secrets."""
        self.app.refresh()
        return [c.to_json() for c in sorted(self.app.collections.all(), key=lambda c: (c.created, c.name))]

    def import_collections(
        self, items: list[Any], delete_missing: bool = False, *, record: bool = True, replace_fields: bool | None = None
    ) -> None:
        """Create or update every collection of `items` (matched by id, then name) in one transaction.

        As PocketBase's import: keys an item leaves out keep their stored value, and fields the item leaves
        out are kept (after the item's) unless `delete_missing`, which also deletes every other non-system
        collection. `replace_fields` (default: `delete_missing`) alone makes the items' field lists exact.
        New collections are first created bare, so collections may reference each other in any order, and
        views are defined last (a view reading another view after it). Any failure rolls everything back,
        and an item identical to its stored collection changes nothing (importing twice is a no-op)."""
        self.app.refresh()
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise _import_error("the collections must be a list of objects")
        replace = delete_missing if replace_fields is None else replace_fields
        try:
            with self.app.db.transaction():
                self._lock_schema()
                self.app.refresh()
                before: dict[str, Collection | None] = {}
                targets: list[tuple[str, dict[str, Any]]] = []
                for item in items:
                    existing = self._match(item)
                    if existing is None:
                        bare = {key: item[key] for key in ("id", "name", "type", "system") if key in item}
                        if bare.get("type") == "view":  # a placeholder table until its turn comes
                            if not bare.get("id") and isinstance(bare.get("name"), str):
                                bare["id"] = collection_id_for("view", bare["name"])
                            bare["type"] = "base"
                        existing = self.create(bare, record=False)
                        before[existing.id] = None
                    else:
                        before.setdefault(existing.id, existing)
                    targets.append((existing.id, item))
                for target, item in targets:
                    if item.get("type") != "view":
                        self._import_one(target, item, before, replace, record)
                self._import_views([pair for pair in targets if pair[1].get("type") == "view"], before, replace, record)
                if delete_missing:
                    doomed = [c for c in self.app.collections.all() if c.id not in before and not c.system]
                    for other in sorted(doomed, key=lambda c: not c.is_view):  # views first: they read the others
                        self.store_removal(other, record=record)
        except _ImportFailure as failure:
            raise _import_error(str(failure)) from failure
        except errors.ApiError as error:
            raise _import_error(_describe_failure(error, None)) from error

    def _import_views(
        self, views: list[tuple[str, dict[str, Any]]], before: dict[str, Collection | None], replace: bool, record: bool
    ) -> None:
        """Views in list order; one that fails is retried after the others (it may read a later view)."""
        pending = list(views)
        while pending:
            failed: list[tuple[tuple[str, dict[str, Any]], _ImportFailure]] = []
            for target, item in pending:
                try:
                    with self.app.db.transaction() as tx, tx.connection.begin_nested():
                        self._import_one(target, item, before, replace, record)
                except _ImportFailure as failure:
                    failed.append(((target, item), failure))
            if len(failed) == len(pending):
                raise failed[0][1]
            pending = [pair for pair, _failure in failed]

    def _import_one(
        self, target: str, item: dict[str, Any], before: dict[str, Collection | None], replace: bool, record: bool
    ) -> None:
        current = self.get(target)
        data = {key: value for key, value in item.items() if key not in ("id", "created", "updated")}
        if not replace and before[target] is not None and isinstance(data.get("fields"), list) and not current.is_view:
            given = data["fields"]
            ids = {f.get("id") for f in given if isinstance(f, dict) and f.get("id")}
            names = {f.get("name") for f in given if isinstance(f, dict)}
            restorable = {(f.name, f.type) for f in scaffold(current.type).fields}  # put back in their place anyway
            data["fields"] = given + [
                f.to_json() for f in current.fields
                if f.id not in ids and f.name not in names and (f.name, f.type) not in restorable
            ]
        if _unchanged(current, data):
            return
        try:
            if item.get("type") == "view" and not current.is_view:  # the placeholder of a new view
                self.store_removal(current, record=False)
                result = self.create({**data, "id": target}, record=False)
            else:
                result = self.update(target, data, record=False)
        except errors.ApiError as error:
            raise _ImportFailure(_describe_failure(error, current)) from error
        if record:
            schema_migrations.record_change(self.app, before[target], result)

    def _match(self, item: dict[str, Any]) -> Collection | None:
        for key in ("id", "name"):
            value = item.get(key)
            if isinstance(value, str) and value:
                found = self.app.collections.get(value)
                if found is not None:
                    return found
        return None

    def references_to(self, collection: Collection) -> list[str]:
        """Names of other collections with a relation field pointing at `collection`."""
        return sorted(
            other.name
            for other in self.app.collections.all()
            if other.id != collection.id
            and any(f.type == "relation" and f.collectionId == collection.id for f in other.fields)
        )

    def _check(self, collection: Collection, existing: Collection | None, message: str) -> None:
        """Infer a view's fields, then check the whole definition (inside the caller's transaction)."""
        others = {c.id: c for c in self.app.collections.all() if existing is None or c.id != existing.id}
        view_problems: dict[str, Any] = {}
        if collection.is_view:
            view_problems = self._infer_view_fields(collection, existing, others)
        problems = collection_errors(collection, existing, others, self.app.db.dialect)
        problems.update(view_problems)
        if "name" not in problems and self._name_taken_by_a_table(collection, existing, others):
            problems["name"] = FieldError("validation_collection_name_invalid", "The name is reserved.")
        if problems:
            raise errors.bad_request(message, problems)

    def _name_taken_by_a_table(self, collection: Collection, existing: Collection | None, others: dict[str, Collection]) -> bool:
        """Whether a table or view that is no collection's (a system table) already has the new name."""
        wanted = collection.name.lower()
        if existing is not None and existing.name.lower() == wanted:
            return False
        inspector = inspect(self.app.db.current.connection)
        names = {name.lower() for name in inspector.get_table_names() + inspector.get_view_names()}
        return wanted in names and not any(c.name.lower() == wanted for c in others.values())

    def _infer_view_fields(
        self, collection: Collection, existing: Collection | None, others: dict[str, Collection]
    ) -> dict[str, Any]:
        """Set a view's fields from its query; the `viewQuery` and `fields` errors when that fails."""
        if not collection.view_query.strip():
            collection.fields = []
            return {"viewQuery": REQUIRED, "fields": REQUIRED}
        try:
            collection.fields = infer_fields(
                self.app.db.current.connection, collection.view_query, others.values(), existing
            )
        except InvalidViewQuery as error:
            collection.fields = []
            return {
                "viewQuery": FieldError("validation_invalid_view_query", f"Invalid query - {_sentence(str(error))}"),
                "fields": MISSING_PRIMARY_KEY if error.missing_id else REQUIRED,
            }
        return {}

    # ---- persistence (no validation: callers pass checked definitions) -------------------------
    def store_new(self, collection: Collection, *, record: bool = True) -> Collection:
        """Create `collection` through `baas_collection_create` (the default in `collection_defaults`)."""
        return self._store("create", CollectionEvent(self.app, collection), record)

    def store_change(self, old: Collection, new: Collection, *, record: bool = True) -> Collection:
        return self._store("update", CollectionEvent(self.app, new, old), record)

    def store_removal(self, collection: Collection, *, record: bool = True) -> None:
        self._store("delete", CollectionEvent(self.app, collection, collection), record)

    def _store(self, action: str, event: CollectionEvent, record: bool) -> Collection:
        """Fire the `action` hook in a transaction (joined if one is open), then the after-hooks once it
        ended; `record` writes the automigrate file of the change that actually happened."""
        hook = self.app.hooks.hook
        with self.app.db.transaction() as tx:
            tx.on_rollback(lambda error: self._after_error(action, event, error))
            getattr(hook, f"baas_collection_{action}")(event=event)
            if record:
                before = None if action == "create" else event.old
                after = None if action == "delete" else event.collection
                schema_migrations.record_change(self.app, before, after)
            tx.on_commit(lambda: getattr(hook, f"baas_collection_after_{action}_success")(event=event))
        return event.collection

    def _after_error(self, action: str, event: CollectionEvent, error: BaseException) -> None:
        event.error = error
        getattr(self.app.hooks.hook, f"baas_collection_after_{action}_error")(event=event)


@contextmanager
def _database_errors_as(message: str) -> Iterator[None]:
    """DDL the checks could not foresee (e.g. a unique index over duplicate values) is a 400, not a 500."""
    try:
        yield
    except SQLAlchemyError as error:
        raw = (str(getattr(error, "orig", error)).strip().splitlines() or [""])[0]
        raise errors.bad_request(f"{message} Raw error: {raw}", cause=error) from error


def _import_error(message: str) -> errors.ApiError:
    return errors.bad_request(
        "Failed to import collections.", {"collections": FieldError("validation_collections_import_failure", message)}
    )


def _unchanged(current: Collection, data: dict[str, Any]) -> bool:
    """Whether applying `data` to `current` would leave its definition as it is (a view's fields aside,
    as they come from its query)."""
    try:
        candidate = build_update(current, data)
    except InvalidFormat:
        return False

    def definition(collection: Collection) -> dict[str, Any]:
        out = collection.to_json(secrets=True)
        for key in ("created", "updated") + (("fields",) if collection.is_view else ()):
            out.pop(key, None)
        return out

    return definition(candidate) == definition(current)


class _ImportFailure(Exception):
    """One collection of an import failed; the message is PocketBase's description of it."""


def _describe_failure(error: errors.ApiError, subject: Collection | None) -> str:
    """PocketBase's words for a failed import: the invalid fields of the collection, or the raw error."""
    data = error.to_json()["data"]
    if data and subject is not None:
        messages = json.dumps(_messages(data), indent=2)
        return f'Data validations failed for collection "{subject.name}" ({subject.id}):\n{messages}.'
    return f"Failed to import the collections configuration. Raw error:\n{_sentence(error.message)}"


def _messages(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value["message"] if "message" in value else _messages(value) for key, value in data.items()}


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    return str(value)
