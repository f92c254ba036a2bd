"""Records of a collection: the table (paging, sorting, filter), the form, delete and bulk delete.

    GET      /_/collections/<name>/records                     records (ListQuery from the query string)
    GET|POST /_/collections/<name>/records/new                 record_new
    GET|POST /_/collections/<name>/records/<id>                record_edit
    GET|POST /_/collections/<name>/records/<id>/delete         record_delete (confirmation, then delete)
    POST     /_/collections/<name>/records/bulk-delete         record_bulk_delete (confirmation, then delete)
    GET      /_/collections/<name>/lookup?q=                   lookup: JSON for the relation picker

Every read and write goes through `core().records` with the superuser's `RequestContext`, exactly as the
REST API does; the list state is one `ListQuery`, the same object the API parses.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for

from baas.core.records.listing import ListQuery, ListResult
from baas.core.records.record import Record
from baas.core.records.serialize import to_api
from baas.errors import ApiError
from baas.query.errors import FilterError
from baas.schema.collection import Collection
from baas.schema.fields import Field

from .. import record_form
from ..forms import ConfirmForm, ErrorMap
from ..site import console_ctx, core, render
from ..uploads import file_url, is_image, make_upload, uploads_enabled
from .collections import get_collection

PER_PAGE_CHOICES = (10, 20, 30, 50, 100)
MAX_COLUMNS = 8
LOOKUP_LIMIT = 20


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/collections/<name>/records", "records", records)
    bp.add_url_rule("/collections/<name>/records/new", "record_new", record_new, methods=["GET", "POST"])
    bp.add_url_rule("/collections/<name>/records/bulk-delete", "record_bulk_delete", record_bulk_delete, methods=["POST"])
    bp.add_url_rule("/collections/<name>/records/<record_id>", "record_edit", record_edit, methods=["GET", "POST"])
    bp.add_url_rule("/collections/<name>/records/<record_id>/delete", "record_delete", record_delete, methods=["GET", "POST"])
    bp.add_url_rule("/collections/<name>/lookup", "lookup", lookup)


# ---- list -------------------------------------------------------------------------------------------
def list_columns(collection: Collection) -> list[Field]:
    """id, the presentable fields, the next ones, then created/updated: Django's `list_display`."""
    skip = {"password", "tokenKey"}
    fields = [f for f in collection.fields if f.name not in skip and f.type != "password"]
    others = [f for f in fields if f.name not in ("id", "created", "updated")]
    chosen = [f for f in others if f.presentable] + [f for f in others if not f.presentable]
    columns = [f for f in fields if f.name == "id"] + chosen[: MAX_COLUMNS - 1]
    columns += [f for f in fields if f.name in ("created", "updated") and f not in columns]
    return columns


def records(name: str):
    collection = get_collection(name)
    args = request.args.to_dict()
    try:
        query = ListQuery.from_args(args)
    except ApiError:
        query = ListQuery()
    filter_error = ""
    try:
        result = core().records.list(collection, console_ctx(), query)
    except ApiError as error:
        filter_error = _filter_message(error)
        result = ListResult(page=1, per_page=query.per_page, total_items=0)
    ctx = console_ctx()
    rows = [(record, to_api(record, ctx)) for record in result.items]
    columns = list_columns(collection)
    labels = _table_relation_labels(columns, result.items)
    return render(
        "change_list.html",
        collection=collection,
        title=collection.name,
        query=query,
        result=result,
        rows=rows,
        columns=columns,
        filter_error=filter_error,
        per_page_choices=PER_PAGE_CHOICES,
        sort_link=lambda field: _sort_link(collection, query, field),
        sort_state=lambda field: _sort_state(query, field),
        page_link=lambda page: url_for("admin_ui.records", name=collection.name, **{**args, "page": page}),
        display=lambda field, value: record_form.display_value(field, _labelled(field, value, labels)),
        bulk_form=ConfirmForm(),
    )


def _table_relation_labels(columns: list[Field], records: list[Record]) -> dict[str, dict[str, str]]:
    """Labels of the related records shown on this page: one query per relation column."""
    labels: dict[str, dict[str, str]] = {}
    for field in columns:
        if field.type != "relation":
            continue
        target = core().collections.get(field.collectionId)
        ids = [rid for record in records for rid in field.items(record.get(field.name))]
        found = core().records_repo.find_many(target, ids) if target is not None and ids else []
        labels[field.name] = {related.id: record_label(related) for related in found}
    return labels


def _labelled(field: Field, value: Any, labels: dict[str, dict[str, str]]) -> Any:
    if field.type != "relation" or field.name not in labels:
        return value
    names = labels[field.name]
    return [names.get(rid, rid) for rid in field.items(value)]


def _filter_message(error: ApiError) -> str:
    cause = error.cause
    if isinstance(cause, FilterError) and str(cause):
        return f"Invalid filter: {cause}"
    return f"Invalid filter: {error.message}"


def _sort_state(query: ListQuery, field: Field) -> str:
    parts = [part.strip() for part in query.sort.split(",") if part.strip()]
    if field.name in parts:
        return "asc"
    if f"-{field.name}" in parts:
        return "desc"
    return ""


def _sort_link(collection: Collection, query: ListQuery, field: Field) -> str:
    state = _sort_state(query, field)
    sort = f"-{field.name}" if state == "asc" else ("" if state == "desc" else field.name)
    params = {"perPage": query.per_page, "filter": query.filter, "sort": sort}
    return url_for("admin_ui.records", name=collection.name, **{k: v for k, v in params.items() if v})


# ---- form -------------------------------------------------------------------------------------------
def record_new(name: str):
    collection = get_collection(name)
    return _change_form(collection, None)


def record_edit(name: str, record_id: str):
    collection = get_collection(name)
    try:
        record = core().records.view(collection, record_id, console_ctx())
    except ApiError:
        abort(404)
    return _change_form(collection, record)


def _change_form(collection: Collection, record: Record | None):
    if collection.is_view and request.method == "POST":
        abort(405)
    form = ConfirmForm()
    errors = ErrorMap()
    values = {f.name: record_form.widget_value(f, record.get(f.name)) for f in collection.fields} if record else {}
    if request.method == "POST" and form.validate_on_submit():
        body, problems = record_form.parse(
            collection,
            request.form,
            request.files,
            is_new=record is None,
            uploads_enabled=uploads_enabled(core()),
            upload_factory=make_upload,
        )
        if problems:
            errors = ErrorMap(problems, "Please fix the highlighted values.")
        else:
            try:
                saved = _save(collection, record, body)
            except ApiError as error:
                errors = ErrorMap.of(error)
            else:
                flash(f"Record {saved.id} saved.", "success")
                if request.form.get("_continue"):
                    return redirect(url_for("admin_ui.record_edit", name=collection.name, record_id=saved.id))
                return redirect(url_for("admin_ui.records", name=collection.name))
        values.update(record_form.form_values(collection, request.form))
    return render(
        "change_form.html",
        collection=collection,
        record=record,
        form=form,
        errors=errors,
        values=values,
        fields=record_form.editable_fields(collection) if not collection.is_view else collection.fields,
        read_only=collection.is_view,
        autodates=[f for f in collection.fields if f.type == "autodate"],
        relation_labels=_relation_labels(collection, values),
        uploads_enabled=uploads_enabled(core()),
        file_url=lambda name: file_url(collection, record, name, console_ctx().auth) if record else "",
        is_image=is_image,
        title=f"{'Edit' if record else 'New'} {collection.name} record",
    )


def _save(collection: Collection, record: Record | None, body: dict[str, Any]) -> Record:
    if record is None:
        return core().records.create(collection, console_ctx(), body)
    return core().records.update(collection, record.id, console_ctx(), body)


def record_label(record: Record) -> str:
    """How a related record is named in pickers: its presentable fields, else a text-like field, else id."""
    fields = [f for f in record.collection.fields if f.presentable and f.type not in ("password",)]
    if not fields:
        fields = [f for f in record.collection.fields if f.type in ("text", "email") and f.name not in ("id", "tokenKey")][:1]
    parts = [record_form.display_value(f, record.get(f.name)) for f in fields]
    text = " · ".join(part for part in parts if part)
    return text or record.id


def _relation_labels(collection: Collection, values: dict[str, Any]) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for field in collection.fields:
        if field.type != "relation":
            continue
        ids = values.get(field.name) or []
        ids = ids if isinstance(ids, list) else [ids]
        target = core().collections.get(field.collectionId)
        found = {r.id: r for r in core().records_repo.find_many(target, ids)} if target is not None and ids else {}
        labels[field.name] = {rid: record_label(found[rid]) if rid in found else f"{rid} (missing)" for rid in ids}
    return labels


# ---- delete -----------------------------------------------------------------------------------------
def record_delete(name: str, record_id: str):
    collection = get_collection(name)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            core().records.delete(collection, record_id, console_ctx())
        except ApiError as error:
            flash(error.message, "danger")
            return redirect(url_for("admin_ui.record_edit", name=collection.name, record_id=record_id))
        flash(f"Record {record_id} deleted.", "success")
        return redirect(url_for("admin_ui.records", name=collection.name))
    try:
        record = core().records.view(collection, record_id, console_ctx())
    except ApiError:
        abort(404)
    return render(
        "delete_confirmation.html",
        collection=collection,
        form=form,
        title="Delete record",
        object_label=f"the record {record_label(record)} ({record.id}) of {collection.name}",
        consequences=["Relations that require it may stop the deletion; cascading relations delete their records too."],
        cancel_url=url_for("admin_ui.record_edit", name=collection.name, record_id=record.id),
    )


def record_bulk_delete(name: str):
    """First post: the selected ids -> a confirmation page; second post (confirmed=1): delete them."""
    collection = get_collection(name)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [value for value in request.form.getlist("ids") if value]
    if not ids:
        flash("Select the records to delete first.", "warning")
        return redirect(url_for("admin_ui.records", name=collection.name))
    if request.form.get("confirmed") != "1":
        return render(
            "delete_confirmation.html",
            collection=collection,
            form=form,
            title=f"Delete {len(ids)} records",
            object_label=f"{len(ids)} record(s) of {collection.name}",
            ids=ids,
            consequences=[f"{rid}" for rid in ids],
            cancel_url=url_for("admin_ui.records", name=collection.name),
            action_url=url_for("admin_ui.record_bulk_delete", name=collection.name),
        )
    deleted, failed = 0, []
    for record_id in ids:
        try:
            core().records.delete(collection, record_id, console_ctx())
            deleted += 1
        except ApiError as error:
            failed.append(f"{record_id}: {error.message}")
    if deleted:
        flash(f"Deleted {deleted} record(s).", "success")
    for message in failed:
        flash(message, "danger")
    return redirect(url_for("admin_ui.records", name=collection.name))


# ---- relation picker --------------------------------------------------------------------------------
def lookup(name: str):
    collection = get_collection(name)
    text = (request.args.get("q") or "").strip()
    searchable = [f.name for f in collection.fields if f.type in ("text", "email", "url", "editor") and f.name != "tokenKey"]
    filter_text = ""
    if text:
        quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        filter_text = " || ".join(f"{field} ~ {quoted}" for field in searchable)
    query = ListQuery(page=1, per_page=LOOKUP_LIMIT, filter=filter_text, sort="-created" if collection.get_field("created") else "")
    try:
        result = core().records.list(collection, console_ctx(), query)
    except ApiError as error:
        return jsonify({"items": [], "error": error.message}), 400
    return jsonify({"items": [{"id": r.id, "label": record_label(r)} for r in result.items]})
