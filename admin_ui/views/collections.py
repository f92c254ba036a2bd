"""Collections: create, edit (fields, rules, indexes, auth options, view query) and delete.

    GET|POST /_/collections/new?type=base|auth|view     collection_new
    GET|POST /_/collections/<name>/edit                 collection_edit
    GET|POST /_/collections/<name>/delete               collection_delete (confirmation, then delete)

Saving goes through `collections_service` only; its 400 answers come back as errors beside the inputs.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for

from baas.errors import ApiError
from baas.schema.auth_options import TEMPLATE_KEYS, TOKEN_KEYS
from baas.schema.collection import AUTH_RULE_KEYS, COLLECTION_TYPES, RULE_KEYS, Collection
from baas.schema.fields import field_types

from .. import collection_form
from ..forms import ConfirmForm, ErrorMap
from ..site import core, render


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/collections/new", "collection_new", collection_new, methods=["GET", "POST"])
    bp.add_url_rule("/collections/<name>/edit", "collection_edit", collection_edit, methods=["GET", "POST"])
    bp.add_url_rule("/collections/<name>/delete", "collection_delete", collection_delete, methods=["GET", "POST"])


def get_collection(name: str) -> Collection:
    found = core().collections.get(name)
    if found is None:
        abort(404)
    return found


def collection_new():
    kind = request.values.get("type", "base")
    if kind not in COLLECTION_TYPES:
        kind = "base"
    base = core().collections_service.scaffolds()[kind]
    return _change_form(None, kind, collection_form.without_secrets(base))


def collection_edit(name: str):
    collection = get_collection(name)
    return _change_form(collection, collection.type, collection.to_json())


def _change_form(collection: Collection | None, kind: str, shown: dict[str, Any]):
    form = ConfirmForm()
    errors = ErrorMap()
    if request.method == "POST" and form.validate_on_submit():
        data, problems = collection_form.parse(request.form, kind)
        if collection is None:
            data["type"] = kind
        if problems:
            errors = ErrorMap(problems, "Please fix the highlighted values.")
        else:
            try:
                saved = _save(collection, data)
            except ApiError as error:
                errors = ErrorMap.of(error)
            else:
                flash(f"Collection {saved.name!r} saved.", "success")
                return redirect(url_for("admin_ui.collection_edit", name=saved.name))
        shown = collection_form.draft(shown, data)
    return render(
        "collection_form.html",
        collection=collection,
        form=form,
        kind=kind,
        draft=shown,
        errors=errors,
        title=f"Edit {collection.name}" if collection else f"New {kind} collection",
        **editor_context(collection),
    )


def _save(collection: Collection | None, data: dict[str, Any]) -> Collection:
    service = core().collections_service
    if collection is None:
        return service.create(data)
    return service.update(collection.id, data)


def editor_context(collection: Collection | None) -> dict[str, Any]:
    """What the fields editor needs besides the collection: types, their options, relation targets."""
    types = field_types()
    return {
        "field_types": sorted(types),
        "option_defaults": {name: cls.option_defaults for name, cls in types.items()},
        "has_required": {name: cls.has_required for name, cls in types.items()},
        "option_kind": collection_form.option_kind,
        "rule_mode": collection_form.rule_mode,
        "rule_keys": RULE_KEYS,
        "auth_rule_keys": AUTH_RULE_KEYS,
        "rule_labels": collection_form.RULE_LABELS,
        "token_keys": TOKEN_KEYS,
        "token_labels": collection_form.TOKEN_LABELS,
        "template_keys": TEMPLATE_KEYS,
        "template_labels": collection_form.TEMPLATE_LABELS,
        "relation_targets": sorted(
            ((c.id, c.name) for c in core().collections.all() if not c.is_view or (collection and c.id == collection.id)),
            key=lambda pair: pair[1].lower(),
        ),
        "auth_defaults": collection_form.auth_defaults(),
    }


def collection_delete(name: str):
    collection = get_collection(name)
    form = ConfirmForm()
    if collection.system:
        flash("System collections cannot be deleted.", "danger")
        return redirect(url_for("admin_ui.collection_edit", name=collection.name))
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("confirm_name", "") != collection.name:
            flash("Type the collection name to confirm.", "danger")
        else:
            try:
                core().collections_service.delete(collection.id)
            except ApiError as error:
                flash(error.message, "danger")
            else:
                flash(f"Collection {collection.name!r} deleted.", "success")
                return redirect(url_for("admin_ui.index"))
    references = core().collections_service.references_to(collection)
    count = core().records_repo.count(collection) if not collection.is_view else None
    return render(
        "delete_confirmation.html",
        collection=collection,
        form=form,
        title=f"Delete {collection.name}",
        object_label=f"the collection {collection.name}",
        consequences=[
            f"{count} record(s) will be deleted with it." if count is not None else "The view will be dropped.",
            *(f"It is referenced by {other}: remove that relation first." for other in references),
        ],
        confirm_name=collection.name,
        cancel_url=url_for("admin_ui.collection_edit", name=collection.name),
    )
