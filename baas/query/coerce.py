"""Making two operands comparable on PostgreSQL the way SQLite compares them.

PocketBase leans on SQLite's dynamic typing: `title = 123` compares the text column with `'123.0'`
(TEXT affinity), `num = '5'` compares numerically (NUMERIC affinity), `flag = 1` works because booleans
are integers, and a JSON value compares as whatever type it holds. PostgreSQL refuses to compare text
with double precision, so on it (`dialect.strict_types`) mixed operands are converted first, following
SQLite's affinity rules. On SQLite every function here returns the expressions unchanged.
"""

from __future__ import annotations

import re

from sqlalchemy import Float, Integer, Text, case, cast, literal
from sqlalchemy.sql import ColumnElement

from .resolver import Operand, constant

_NUMERIC_TEXT = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_NUMERIC_PATTERN = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"


def unify(a: Operand, b: Operand, dialect) -> tuple[ColumnElement, ColumnElement, str]:
    """`(a, b, kind)`: both sides as one SQL type (`kind`), converted as SQLite would compare them."""
    if not dialect.strict_types:
        return a.expr, b.expr, a.kind if a.kind == b.kind else "mixed"
    if a.kind == b.kind or "null" in (a.kind, b.kind):
        return a.expr, b.expr, b.kind if a.kind == "null" else a.kind
    if "json" in (a.kind, b.kind):
        flipped = b.kind == "json"
        json, other = (b, a) if flipped else (a, b)
        if other.kind in ("number", "bool"):
            pair = (dialect.json_number(json.expr, text_above=True), as_number(other, dialect), "number")
        else:
            pair = (dialect.json_text(json.expr), other.expr, "text")
        return (pair[1], pair[0], pair[2]) if flipped else pair
    a, b = _bool_as_number(a), _bool_as_number(b)
    if a.kind == b.kind:
        return a.expr, b.expr, a.kind
    flipped = a.kind == "text"
    number, text = (b, a) if flipped else (a, b)
    if text.is_constant and _NUMERIC_TEXT.match(text.value):
        pair = (number.expr, literal(float(text.value), Float()), "number")  # NUMERIC affinity
    elif number.is_constant:
        pair = (literal(sqlite_number_text(number.value), Text()), text.expr, "text")  # TEXT affinity
    else:
        pair = (cast(number.expr, Text()), text.expr, "text")
    return (pair[1], pair[0], pair[2]) if flipped else pair


def as_number(operand: Operand, dialect) -> ColumnElement:
    """An operand as a number (geoDistance arguments, JSON comparisons); NULL where it is not one."""
    if not dialect.strict_types or operand.kind in ("number", "null"):
        return operand.expr
    if operand.kind == "json":
        return dialect.json_number(operand.expr)
    if operand.kind == "bool":
        return _bool_as_number(operand).expr
    if operand.is_constant:
        return literal(float(operand.value) if _NUMERIC_TEXT.match(operand.value) else None, Float())
    return case((operand.expr.regexp_match(_NUMERIC_PATTERN), cast(operand.expr, Float())))


def sqlite_number_text(value: int | float) -> str:
    """How SQLite writes a bound number as text (`%!.15g`: 123.0 -> '123.0', 10.5 -> '10.5')."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value)}.0"
    return "%.15g" % value


def _bool_as_number(operand: Operand) -> Operand:
    if operand.kind != "bool":
        return operand
    if operand.is_constant:
        return constant(int(operand.value))
    return Operand(cast(operand.expr, Integer()), "number", multi=operand.multi)
