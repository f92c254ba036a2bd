"""PocketBase's 14 field types, one module each; importing this package registers them all.

`field_from_json(definition)` builds a field from its JSON definition; `field_types()` lists the registry.
The contract every type implements is `base.Field`.
"""

from __future__ import annotations

from ...errors import FieldError
from .autodate import AutodateField
from .base import Field, SettingsContext, UnknownFieldType, ValueContext, field_from_json, field_types, register
from .bool import BoolField
from .date import DateField
from .editor import EditorField
from .email import EmailField
from .file import FileField
from .geopoint import GeoPointField
from .json import JSONField
from .number import NumberField
from .password import PasswordField, PasswordValue
from .relation import RelationField
from .select import SelectField
from .text import TextField
from .url import URLField

__all__ = [
    "AutodateField",
    "BoolField",
    "DateField",
    "EditorField",
    "EmailField",
    "Field",
    "FieldError",
    "FileField",
    "GeoPointField",
    "JSONField",
    "NumberField",
    "PasswordField",
    "PasswordValue",
    "RelationField",
    "SelectField",
    "SettingsContext",
    "TextField",
    "URLField",
    "UnknownFieldType",
    "ValueContext",
    "field_from_json",
    "field_types",
    "register",
]
