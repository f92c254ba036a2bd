"""`Record`: one row of a collection as Python values, plus what the API adds around it."""

from __future__ import annotations

from typing import Any

from ...schema.collection import Collection


class Record:
    """Field values by name (each field type's Python value), the stored values it was loaded with, and
    the `expand` results attached for output."""

    __slots__ = ("collection", "data", "original", "expand", "expanded", "extra")

    def __init__(self, collection: Collection, data: dict[str, Any] | None = None, original: dict[str, Any] | None = None):
        self.collection = collection
        self.data: dict[str, Any] = data if data is not None else {f.name: f.zero() for f in collection.fields}
        self.original = original
        self.expand: dict[str, Any] = {}
        self.expanded = False  # an `expand=` relation was resolved here: output `expand`, even empty
        self.extra: dict[str, Any] = {}  # values plugins add to the API output

    def __repr__(self) -> str:
        return f"<Record {self.collection.name}/{self.id}>"

    @property
    def id(self) -> str:
        return self.data.get("id", "")

    @property
    def is_new(self) -> bool:
        return self.original is None

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def set(self, name: str, value: Any) -> None:
        self.data[name] = value

    def changed(self, name: str) -> bool:
        return self.original is None or self.original.get(name) != self.data.get(name)

    def rule_values(self) -> dict[str, Any]:
        """All values (hidden included) plus `collectionId`/`collectionName`, as `@request.auth` sees them."""
        values = {
            name: getattr(value, "hash", value) for name, value in self.data.items()
        }
        values["collectionId"] = self.collection.id
        values["collectionName"] = self.collection.name
        return values
