"""The field-type contract: one subclass per PocketBase field type, each in its own module.

A field type knows, for its collection column:

* its JSON definition (`to_json` / `from_json`): the common keys `id, name, type, system, hidden,
  presentable` (+ `required`, `help` where the type has them) and the type's own option keys with
  PocketBase's defaults (`option_defaults`);
* its column per dialect (`column_ddl`, `column_type`) and how values travel to and from it
  (`to_db`, `from_db`);
* how API input becomes a value (`prepare`, which never raises, like PocketBase's `PrepareValue`), the
  body modifiers it accepts (`name+`, `+name`, `name-`, see `apply_modifier`), and how a value is
  checked (`validate`, returning a `FieldError` with PocketBase's code);
* its JSON output (`to_api`), its kind for the filter compiler (`filter_kind`), its console widget and its
  OpenAPI schema.

Fields are registered by type name with `@register`; `field_from_json` builds one from a definition.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy.types import TypeEngine

from ...errors import FieldError
from ...ids import field_id_for

if TYPE_CHECKING:
    from ...db.dialect import Dialect
    from ..collection import Collection

FIELD_NAME_PATTERN = re.compile(r"^\w+$")
MAX_FIELD_NAME_LENGTH = 100
MAX_HELP_LENGTH = 300  # PocketBase 0.40.6

_REGISTRY: dict[str, type["Field"]] = {}


def register(cls: type["Field"]) -> type["Field"]:
    _REGISTRY[cls.type] = cls
    return cls


def field_types() -> dict[str, type["Field"]]:
    return dict(_REGISTRY)


class UnknownFieldType(ValueError):
    pass


def field_from_json(data: dict[str, Any]) -> "Field":
    """Build a field from its JSON definition; unknown keys are ignored as PocketBase does."""
    type_name = data.get("type")
    cls = _REGISTRY.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        raise UnknownFieldType(f"unknown field type {type_name!r}")
    return cls.from_json(data)


class ValueContext:
    """What `validate` may need besides the value: the collection and a reader for other records.

    `lookup_ids(collection_id, ids)` returns which of `ids` exist (relation fields use it); `original`
    is the stored value on update (None on create).
    """

    def __init__(self, collection: "Collection", lookup_ids=None, original: Any = None, is_new: bool = True):
        self.collection = collection
        self.lookup_ids = lookup_ids
        self.original = original
        self.is_new = is_new


class SettingsContext:
    """What `validate_settings` may need: the collection being saved and every other collection."""

    def __init__(self, collection: "Collection", collections: dict[str, "Collection"]):
        self.collection = collection
        self.collections = collections  # by id

    def find(self, id_or_name: str) -> "Collection | None":
        found = self.collections.get(id_or_name)
        if found is not None:
            return found
        lowered = id_or_name.lower()
        return next((c for c in self.collections.values() if c.name.lower() == lowered), None)


def _option(key: str) -> property:
    def read(field: "Field") -> Any:
        return field.options[key]

    return property(read, doc=f"The `{key}` option.")


class Field:
    type: ClassVar[str] = ""
    #: the type's own option keys with PocketBase's defaults, in PocketBase's JSON order
    option_defaults: ClassVar[dict[str, Any]] = {}
    #: autodate has neither `required` nor `help`
    has_required: ClassVar[bool] = True
    #: "text" | "number" | "bool" | "json" | "geo" — how the filter compiler treats the column
    filter_kind: ClassVar[str] = "text"
    #: template under admin_ui/templates/admin_ui/widgets/
    widget: ClassVar[str] = "text"
    #: body modifiers accepted: "+" (append/increment), "^" (prepend, written `+name`), "-" (remove/decrement)
    modifiers: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        name: str,
        *,
        id: str = "",
        system: bool = False,
        hidden: bool = False,
        presentable: bool = False,
        required: bool = False,
        help: str = "",
        **options: Any,
    ):
        self.name = name
        self.id = id or field_id_for(self.type, name)
        self.system = bool(system)
        self.hidden = bool(hidden)
        self.presentable = bool(presentable)
        self.required = bool(required) and self.has_required
        self.help = help if isinstance(help, str) else ""
        self.options: dict[str, Any] = {
            key: copy.deepcopy(options[key] if key in options else default)
            for key, default in self.option_defaults.items()
        }

    def __init_subclass__(cls, **kwargs: Any):
        """Each option of the type reads as an attribute (`field.max`) through a property on the class: a
        lookup that fails before `__getattr__` raises an AttributeError inside, and a create read about
        twenty options. The value stays in `options`, which is what gets edited."""
        super().__init_subclass__(**kwargs)
        for key in cls.option_defaults:
            if not hasattr(cls, key):
                setattr(cls, key, _option(key))

    def __getattr__(self, key: str) -> Any:
        options = self.__dict__.get("options")
        if options is not None and key in options:
            return options[key]
        raise AttributeError(f"{type(self).__name__} has no attribute {key!r}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} id={self.id!r}>"

    # ---- definition ---------------------------------------------------------------------------
    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Field":
        known = {"id", "name", "system", "hidden", "presentable", "required", "help"}
        common = {key: data[key] for key in known if key in data and data[key] is not None}
        name = common.pop("name", "")
        options = {key: data[key] for key in cls.option_defaults if key in data}
        return cls(name if isinstance(name, str) else "", **common, **options)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "hidden": self.hidden,
            "id": self.id,
            "name": self.name,
            "presentable": self.presentable,
            "system": self.system,
            "type": self.type,
        }
        if self.has_required:
            out["required"] = self.required
            out["help"] = self.help
        out.update(self.options)
        return out

    def copy(self) -> "Field":
        return type(self).from_json(self.to_json())

    def validate_settings(self, ctx: SettingsContext) -> dict[str, FieldError]:
        """Errors of this definition keyed by option name (the common keys are checked by the collection)."""
        return {}

    # ---- storage ------------------------------------------------------------------------------
    def is_multiple(self) -> bool:
        return False

    def column_ddl(self, dialect: "Dialect") -> str:
        """The column definition after the quoted name, e.g. `TEXT DEFAULT '' NOT NULL`."""
        return "TEXT DEFAULT '' NOT NULL"

    def column_type(self, dialect: "Dialect") -> TypeEngine:
        return dialect.text_type()

    def to_db(self, value: Any, dialect: "Dialect") -> Any:
        return value

    def from_db(self, value: Any, dialect: "Dialect") -> Any:
        return self.zero() if value is None else value

    # ---- values -------------------------------------------------------------------------------
    def zero(self) -> Any:
        return ""

    def prepare(self, raw: Any) -> Any:
        """Normalise API input into this field's value; never raises (bad input fails `validate`)."""
        return raw

    def apply_modifier(self, current: Any, modifier: str, raw: Any) -> Any:
        """The new value after `name+` ("+"), `+name` ("^") or `name-` ("-") with input `raw`."""
        raise NotImplementedError(f"{self.type} fields have no modifiers")

    def autofill(self, value: Any, is_new: bool, now: str = "") -> Any:
        """The value to store on save, called by the records service on every create and update.

        Most types keep `value`; autodate stamps the time (`now`: one instant per save, so `created` and
        `updated` of a new record are equal) and text fills its `autogeneratePattern`.
        """
        return value

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        if self.required and self.is_blank(value):
            return FieldError("validation_required", "Cannot be blank.")
        return None

    def is_blank(self, value: Any) -> bool:
        return value in (None, "", 0, False, [], {})

    def to_api(self, value: Any) -> Any:
        return value

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string"}
