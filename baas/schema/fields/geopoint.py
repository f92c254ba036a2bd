"""`geoPoint`: a longitude/latitude pair stored as `{"lon": …, "lat": …}`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...errors import FieldError
from .base import Field, ValueContext, register
from .number import json_number

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine

    from ...db.dialect import Dialect

_KEYS = ("lon", "lat")


def to_point(raw: Any) -> dict[str, float]:
    """PocketBase's point decoding: an object (or its JSON text) with numeric `lon`/`lat`, read key by key in
    input order; the first non-numeric `lon`/`lat` stops the reading, keeping what was read before it.
    Missing or `null` coordinates are 0, other keys are ignored, and anything that is not an object is (0, 0)."""
    point = {"lon": 0.0, "lat": 0.0}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return point
    if not isinstance(raw, dict):
        return point
    for key, value in raw.items():
        if key not in _KEYS or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            break
        point[key] = float(value)
    return point


@register
class GeoPointField(Field):
    """A point `{"lon": float, "lat": float}`; zero value `{"lon": 0, "lat": 0}`, which is also blank
    (`required` rejects it and a zero point skips the range checks).

    Input: see `to_point` — numeric strings are not coordinates (`{"lon": "1.5"}` is (0, 0)). Checks: latitude
    in [-90, 90] first, then longitude in [-180, 180]. No modifiers.
    """

    type = "geoPoint"
    option_defaults: dict[str, Any] = {}
    filter_kind = "geo"
    widget = "geoPoint"

    def column_ddl(self, dialect: "Dialect") -> str:
        return f'{dialect.json_ddl()} DEFAULT \'{{"lon":0,"lat":0}}\' NOT NULL'

    def column_type(self, dialect: "Dialect") -> "TypeEngine":
        return dialect.json_type()

    def to_db(self, value: Any, dialect: "Dialect") -> Any:
        return dialect.dump_json(self.to_api(value))

    def from_db(self, value: Any, dialect: "Dialect") -> dict[str, float]:
        return to_point(dialect.load_json(value) if isinstance(value, (str, bytes)) else value)

    def zero(self) -> dict[str, float]:
        return {"lon": 0.0, "lat": 0.0}

    def prepare(self, raw: Any) -> dict[str, float]:
        return to_point(raw)

    def is_blank(self, value: Any) -> bool:
        point = to_point(value)
        return point["lon"] == 0 and point["lat"] == 0

    def validate(self, value: Any, ctx: ValueContext) -> FieldError | None:
        point = to_point(value)
        if self.is_blank(point):
            return FieldError("validation_required", "Cannot be blank.") if self.required else None
        if not -90 <= point["lat"] <= 90:
            return FieldError("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees.")
        if not -180 <= point["lon"] <= 180:
            return FieldError("validation_invalid_longitude", "Longitude must be between -180 and 180 degrees.")
        return None

    def to_api(self, value: Any) -> dict[str, int | float]:
        point = to_point(value)
        return {"lon": json_number(point["lon"]), "lat": json_number(point["lat"])}

    def openapi_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"lon": {"type": "number"}, "lat": {"type": "number"}},
            "required": ["lon", "lat"],
        }
