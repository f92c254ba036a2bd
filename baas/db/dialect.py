"""Every difference between SQLite and PostgreSQL that baas cares about, in one place.

Everything outside this module is written once. Datetimes are stored as the text PocketBase returns
(`YYYY-MM-DD HH:MM:SS.sssZ`) on both databases, so they compare as strings everywhere; JSON values are
`TEXT` holding JSON on SQLite and `JSONB` on PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from sqlalchemy import (
    TIMESTAMP, BigInteger, Boolean, Float, Integer, Text, bindparam, case, cast, column, func, literal_column, null,
    select, text, type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.sql import ColumnElement
from sqlalchemy.types import TypeEngine


class Dialect:
    name = "base"
    #: the driver's own parameter markers (SQLite's here), for the hot statements sent without SQLAlchemy's
    #: compiler; `json_placeholder` binds a JSON value given as its text
    placeholder = "?"
    json_placeholder = "?"

    # ---- column types -------------------------------------------------------------------------
    def json_type(self) -> TypeEngine:
        raise NotImplementedError

    def number_type(self) -> TypeEngine:
        return Float()

    def text_type(self) -> TypeEngine:
        return Text()

    def bool_type(self) -> TypeEngine:
        return Boolean()

    def json_ddl(self) -> str:
        raise NotImplementedError

    def number_ddl(self) -> str:
        raise NotImplementedError

    # ---- values -------------------------------------------------------------------------------
    def dump_json(self, value: Any) -> Any:
        """The parameter to bind for a JSON column."""
        raise NotImplementedError

    def load_json(self, value: Any) -> Any:
        """A JSON column's value as read from the driver, as Python data."""
        raise NotImplementedError

    # ---- expressions --------------------------------------------------------------------------
    def json_as_text(self, expr: ColumnElement) -> ColumnElement:
        """A JSON value as its compact JSON text (for `~` on multi-valued fields)."""
        raise NotImplementedError

    def json_array_length(self, expr: ColumnElement) -> ColumnElement:
        raise NotImplementedError

    def json_array_elements(self, expr: ColumnElement, name: str):
        """A table-valued expression with one text column `value` per array element."""
        raise NotImplementedError

    def json_extract_text(self, expr: ColumnElement, path: list[str]) -> ColumnElement:
        """The scalar at `path` inside a JSON value, as text comparable to a literal."""
        raise NotImplementedError

    def random(self) -> ColumnElement:
        return func.random()

    # ---- filter language (baas.query) ----------------------------------------------------------
    #: PostgreSQL compares only values of one type, so the filter compiler coerces mixed operands
    #: first (see `baas.query.coerce`); SQLite compares anything by its affinity rules, exactly as
    #: PocketBase relies on, and gets the uncoerced SQL.
    strict_types = False

    def like(self, expr: ColumnElement, pattern: ColumnElement, negate: bool = False) -> ColumnElement:
        """`expr [NOT] LIKE pattern ESCAPE '\\'`, case-insensitive for ASCII as SQLite's LIKE is."""
        return expr.not_like(pattern, escape="\\") if negate else expr.like(pattern, escape="\\")

    def json_path(self, expr: ColumnElement, path: list[str]) -> ColumnElement:
        """The JSON value at `path` (`[]` = the whole value), JSON null and missing keys as SQL NULL.

        SQLite returns it typed (text, integer, real; objects/arrays as JSON text); PostgreSQL returns
        JSONB, which the compiler unwraps with `json_number` / `json_text` / `json_scalar_text`.
        """
        raise NotImplementedError

    def text_as_json_array(self, expr: ColumnElement) -> ColumnElement:
        """A single select/relation/file value as a JSON array (`''` -> `[]`, `'x'` -> `["x"]`)."""
        raise NotImplementedError

    def rowid(self, table) -> ColumnElement:
        """The `@rowid` sort key: the physical insertion order of `table`'s rows."""
        raise NotImplementedError

    def least(self, a: ColumnElement, b: ColumnElement) -> ColumnElement:
        raise NotImplementedError

    def strftime(self, fmt: str, value: ColumnElement | None, modifiers: list[str]) -> ColumnElement:
        """SQLite's `strftime(fmt, value, modifiers...)`: NULL for an unparsable value or modifier."""
        raise NotImplementedError


class SQLiteDialect(Dialect):
    name = "sqlite"

    def json_type(self) -> TypeEngine:
        return Text()

    def json_ddl(self) -> str:
        return "JSON"

    def number_ddl(self) -> str:
        return "NUMERIC"

    def dump_json(self, value: Any) -> Any:
        return None if value is None else orjson.dumps(value).decode()

    def load_json(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, (bytes, str)):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                return value
        return value

    def json_as_text(self, expr):
        return func.json(expr)

    def json_array_length(self, expr):
        return func.json_array_length(expr)

    def json_array_elements(self, expr, name):
        return func.json_each(expr).table_valued("value", name=name)

    def json_extract_text(self, expr, path):
        json_path = "$" + "".join(f'."{part}"' if not part.isdigit() else f"[{part}]" for part in path)
        return func.json_extract(expr, json_path)

    def json_path(self, expr, path):
        json_path = "$" + "".join(f"[{part}]" if part.isdigit() else f'."{part}"' for part in path)
        return func.json_extract(expr, json_path)

    def text_as_json_array(self, expr):
        return case((expr == "", "[]"), else_=func.json_array(expr))

    def rowid(self, table):
        return column("rowid", _selectable=table)

    def least(self, a, b):
        return func.min(a, b)

    def strftime(self, fmt, value, modifiers):
        return func.strftime(fmt, *([value] if value is not None else []), *modifiers)


class PostgresDialect(Dialect):
    name = "postgresql"
    placeholder = "%s"
    json_placeholder = "%s::jsonb"

    def json_type(self) -> TypeEngine:
        return JSONB(none_as_null=True)

    def json_ddl(self) -> str:
        return "JSONB"

    def number_ddl(self) -> str:
        return "DOUBLE PRECISION"

    def dump_json(self, value: Any) -> Any:
        return value

    def load_json(self, value: Any) -> Any:
        return value

    def json_as_text(self, expr):
        # jsonb::text writes `["a", "b"]`; arrays (the multi select/relation/file values) are rebuilt
        # without the spaces so `tags = '["a","b"]'` and `tags ~ '"a","b"'` behave as on SQLite.
        value = type_coerce(expr, JSONB)
        items = func.jsonb_array_elements(value).table_valued("value", with_ordinality="n").render_derived()
        joined = func.string_agg(cast(items.c.value, Text), aggregate_order_by(literal_column("','"), items.c.n))
        compact = select(literal_column("'['").op("||")(func.coalesce(joined, "")).op("||")(literal_column("']'")))
        return case((func.jsonb_typeof(value) == "array", compact.scalar_subquery()), else_=value.cast(Text))

    def json_array_length(self, expr):
        return func.jsonb_array_length(expr)

    def json_array_elements(self, expr, name):
        return func.jsonb_array_elements_text(expr).table_valued("value", name=name)

    def json_extract_text(self, expr, path):
        return func.jsonb_extract_path_text(type_coerce(expr, JSONB), *path)

    # ---- filter language -------------------------------------------------------------------------
    strict_types = True

    def like(self, expr, pattern, negate=False):
        # ILIKE also folds non-ASCII letters, which SQLite's LIKE does not; close enough for "contains".
        return expr.not_ilike(pattern, escape="\\") if negate else expr.ilike(pattern, escape="\\")

    def json_path(self, expr, path):
        value = type_coerce(expr, JSONB)
        if path:
            value = func.jsonb_extract_path(value, *path, type_=JSONB)
        return func.nullif(value, literal_column("'null'::jsonb"), type_=JSONB)

    def json_number(self, expr, text_above: bool = False) -> ColumnElement:
        """A JSONB scalar as float8 (booleans as 1/0, as SQLite's json_extract gives them).

        Other values are NULL, or with `text_above` +Infinity: SQLite orders every text value after
        every number, so `meta > 3` holds for a string or object `meta`.
        """
        kind = func.jsonb_typeof(expr)
        return case(
            (kind == "number", cast(self.json_scalar_text(expr), Float)),
            (kind == "boolean", case((self.json_scalar_text(expr) == "true", 1.0), else_=0.0)),
            else_=case((expr.is_not(None), literal_column("'Infinity'::float8"))) if text_above else None,
        )

    def json_text(self, expr) -> ColumnElement:
        """A JSONB string unquoted (objects/arrays as JSON text); NULL for numbers and booleans."""
        return case((func.jsonb_typeof(expr).in_(["string", "object", "array"]), self.json_scalar_text(expr)))

    def json_scalar_text(self, expr) -> ColumnElement:
        """Any JSONB value as text: strings unquoted, `5`, `true`, arrays as compact JSON."""
        return case(
            (func.jsonb_typeof(expr) == "array", self.json_as_text(expr)),
            else_=type_coerce(expr, JSONB).op("#>>")(literal_column("'{}'")).self_group(),
        )

    def text_as_json_array(self, expr):
        return case((expr == "", literal_column("'[]'::jsonb")), else_=func.jsonb_build_array(expr))

    def rowid(self, table):
        # PostgreSQL has no rowid; ctid is the physical row position, i.e. insertion order until a row is
        # updated (an UPDATE writes a new row version at the end). Good enough for "@rowid" sorting.
        return column("ctid", _selectable=table)

    def least(self, a, b):
        return func.least(a, b)

    def strftime(self, fmt, value, modifiers):
        stamp = _pg_timestamp(value)
        for modifier in modifiers:
            stamp = _pg_time_modifier(stamp, modifier)
            if stamp is None:
                return null()
        return _pg_format(fmt, stamp)


# ---- strftime on PostgreSQL ----------------------------------------------------------------------
# SQLite's time values are text; only the shapes PocketBase stores or users type are accepted (anything
# else is NULL, as in SQLite, instead of a cast error that would fail the whole query).
_PG_TIME_TEXT = r"^\d{4}-[01]\d-[0-3]\d([ T][0-2]\d:[0-5]\d(:[0-5]\d(\.\d+)?)?)?Z?$"
_PG_MODIFIER = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s+(year|month|day|hour|minute|second)s?\s*$", re.I)
_PG_START_OF = re.compile(r"^\s*start of (year|month|day)\s*$", re.I)


def _pg_timestamp(value):
    if value is None:
        return func.timezone("UTC", func.now())
    text_value = cast(value, Text)
    return case(
        (text_value == "now", func.timezone("UTC", func.now())),
        (text_value.regexp_match(_PG_TIME_TEXT), cast(func.rtrim(text_value, "Z"), TIMESTAMP)),
    )


def _pg_time_modifier(stamp, modifier: str):
    if match := _PG_MODIFIER.match(modifier):
        amount, unit = float(match.group(1)), match.group(2).lower()
        return stamp + literal_column(f"interval '1 {unit}'") * amount
    if match := _PG_START_OF.match(modifier):
        return func.date_trunc(match.group(1).lower(), stamp)
    return None


def _pg_format(fmt: str, stamp):
    """`fmt` as `||`-joined pieces: to_char() for the simple codes, arithmetic for %w %W %s."""
    def to_char(pattern: str):
        return func.to_char(stamp, pattern)

    codes = {
        "d": lambda: to_char("DD"), "f": lambda: to_char("SS.MS"), "H": lambda: to_char("HH24"),
        "j": lambda: to_char("DDD"), "m": lambda: to_char("MM"), "M": lambda: to_char("MI"),
        "S": lambda: to_char("SS"), "Y": lambda: to_char("YYYY"),
        "s": lambda: cast(cast(func.floor(func.extract("epoch", stamp)), BigInteger), Text),
        "w": lambda: cast(cast(func.extract("dow", stamp), Integer), Text),
        # weeks since the year's first Monday, 00-53, as SQLite/C define %W
        "W": lambda: func.lpad(cast((cast(func.extract("doy", stamp), Integer) + 6
                                     - (cast(func.extract("dow", stamp), Integer) + 6) % 7) // 7, Text), 2, "0"),
    }
    pieces, literal, i = [], "", 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            i += 2
            if code == "%":
                literal += "%"
                continue
            if code not in codes:
                return null()
            if literal:
                pieces.append(literal_text(literal))
                literal = ""
            pieces.append(codes[code]())
        else:
            literal += fmt[i]
            i += 1
    if literal or not pieces:
        pieces.append(literal_text(literal))
    result = pieces[0]
    for piece in pieces[1:]:
        result = result.op("||")(piece)
    return result


def literal_text(value: str):
    return cast(bindparam(None, value, type_=Text), Text)


_DIALECTS = {"sqlite": SQLiteDialect(), "postgresql": PostgresDialect()}


def dialect_for(name: str) -> Dialect:
    try:
        return _DIALECTS[name]
    except KeyError:
        raise ValueError(f"unsupported database dialect {name!r}: use SQLite or PostgreSQL") from None


__all__ = ["Dialect", "SQLiteDialect", "PostgresDialect", "dialect_for", "select", "text"]
