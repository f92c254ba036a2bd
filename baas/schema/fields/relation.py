"""`relation`: ids of records in another collection."""

from __future__ import annotations

from typing import Any

from ...errors import FieldError
from .base import SettingsContext, ValueContext, register
from .select import MultiValueField, required_error, too_many_error
from .text import min_threshold_error


@register
class RelationField(MultiValueField):
    """Record id(s) of collection `collectionId`; single (`maxSelect` <= 1, zero `""`) or multiple (zero `[]`).

    See `MultiValueField` for input casting and modifiers. Checks: required (non-empty), at least
    `minSelect` and at most `max(maxSelect, 1)` ids, then every id must exist (`ctx.lookup_ids`, skipped when
    the context has none). Settings: `collectionId` must be the id (not the name) of an existing collection,
    unchanged once saved, and only view collections may point at views; `maxSelect` >= `minSelect` >= 0.
    `cascadeDelete` is applied by the records service when a target is deleted.
    """

    type = "relation"
    option_defaults = {"cascadeDelete": False, "collectionId": "", "maxSelect": 0, "minSelect": 0}
    widget = "relation"

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        ids = self.items(value)
        if not ids:
            return required_error() if self.required else None
        if self.minSelect > 0 and len(ids) < self.minSelect:
            return FieldError(
                "validation_not_enough_values", f"Select at least {self.minSelect}.", {"minSelect": self.minSelect}
            )
        if len(ids) > self.max_items():
            return too_many_error(self.max_items())
        if ctx.lookup_ids is not None and set(ids) - set(ctx.lookup_ids(self.collectionId, ids)):
            return FieldError(
                "validation_missing_rel_records", "Failed to find all relation records with the provided ids."
            )
        return None

    def validate_settings(self, ctx: SettingsContext) -> dict[str, FieldError]:
        errors: dict[str, FieldError] = {}
        if error := self._collection_error(ctx):
            errors["collectionId"] = error
        if self.minSelect < 0:
            errors["minSelect"] = min_threshold_error(0)
        if self.minSelect > 0 and not self.maxSelect:
            errors["maxSelect"] = required_error()
        elif self.maxSelect and self.maxSelect < self.minSelect:
            errors["maxSelect"] = min_threshold_error(self.minSelect)
        return errors

    def _collection_error(self, ctx: SettingsContext) -> FieldError | None:
        if not self.collectionId:
            return required_error()
        stored = ctx.collections.get(ctx.collection.id)
        before = stored.field_by_id(self.id) if stored is not None and stored is not ctx.collection else None
        if isinstance(before, RelationField) and before.collectionId != self.collectionId:
            return FieldError("validation_field_relation_change", "The relation collection cannot be changed.")
        target = ctx.find(self.collectionId)
        if target is None or target.id != self.collectionId:
            return FieldError("validation_field_relation_missing_collection", "The relation collection doesn't exist.")
        if target.is_view and not ctx.collection.is_view:
            return FieldError(
                "validation_relation_field_non_view_base_collection",
                "Only view collections are allowed to have relations to other views.",
            )
        return None

    def item_schema(self) -> dict[str, Any]:
        return {"type": "string", "description": f"id of a record of collection {self.collectionId}"}
