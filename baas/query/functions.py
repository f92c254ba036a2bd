"""The filter language's functions: `geoDistance(lonA, latA, lonB, latB)` and `strftime(format, ...)`."""

from __future__ import annotations

from sqlalchemy import func, literal
from sqlalchemy.sql import ColumnElement

from .coerce import as_number
from .errors import FilterError
from .resolver import Operand, text_of

EARTH_RADIUS_KM = 6371.0


def geo_distance(args: list[Operand], dialect) -> Operand:
    """Haversine distance in km between two lon/lat points.

    Uses SQLite's built-in math functions (compiled into the SQLite that Python ships here;
    `baas.db.database` registers Python versions on connections that lack them). The `least(1, a)`
    keeps rounding from pushing asin() out of its domain, which PostgreSQL reports as an error.
    """
    lon_a, lat_a, lon_b, lat_b = (as_number(arg, dialect) for arg in args)
    half_dlat = func.radians(lat_b - lat_a) * 0.5
    half_dlon = func.radians(lon_b - lon_a) * 0.5
    a = (func.sin(half_dlat) * func.sin(half_dlat)
         + func.cos(func.radians(lat_a)) * func.cos(func.radians(lat_b)) * func.sin(half_dlon) * func.sin(half_dlon))
    distance = func.asin(func.sqrt(dialect.least(literal(1.0), a))) * (2 * EARTH_RADIUS_KM)
    return Operand(distance, "number", multi=any(arg.multi for arg in args))


def strftime(fmt: str, args: list[Operand], dialect) -> Operand:
    """SQLite's `strftime(format, [time-value, modifiers...])`, with NULL (unparsable) turned into `''`.

    Modifiers (`'+1 day'`, `'start of month'`) must be text constants: PostgreSQL builds them into
    interval arithmetic at compile time.
    """
    value: ColumnElement | None = text_of(args[0], dialect) if args else None
    modifiers = []
    for arg in args[1:]:
        if not (arg.is_constant and isinstance(arg.value, str)):
            raise FilterError("[strftime] the modifiers must be text values.")
        modifiers.append(arg.value)
    result = func.coalesce(dialect.strftime(fmt, value, modifiers), "")
    return Operand(result, "text", multi=any(arg.multi for arg in args))
