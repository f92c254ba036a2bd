"""Identifier resolution: `author.name`, `tags:each`, `@request.auth.id`, `@collection.x:a.y`, macros.

Every identifier becomes an `Operand`: an SQL expression plus what the comparison builder needs to know
about it (its kind, its Python value when it is a bound constant, whether it stands for many values).
Identifiers are only ever matched against the collection schema and become SQLAlchemy column objects
or bound parameters, so no text of a filter reaches the SQL verbatim.

Relations are followed the way PocketBase does it, as LEFT JOINs, collected in a `Scope`. The compiler
evaluates a whole filter inside one `EXISTS (SELECT 1 FROM <joins> WHERE ...)` correlated to the
record's row, so the joins never multiply the caller's rows, and two comparisons through the same path
(`@collection.members.user ?= @request.auth.id && @collection.members.project ?= id`) talk about the
same joined row, as in PocketBase. The "all values match" half of a plain operator on a multi-valued
path resolves the identifier again in an isolated scope (see `compiler._Compiler.all_match`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

import orjson
from sqlalchemy import Boolean, Float, Integer, Text, and_, cast, func, literal, literal_column, null, or_, select, true
from sqlalchemy.sql import ColumnElement, FromClause

from ..dates import format_datetime
from ..schema.indexes import InvalidIndex, parse_index
from .errors import FilterError, FilterForbidden

if TYPE_CHECKING:
    from ..db.dialect import Dialect
    from ..schema.collection import Collection
    from .request import RequestData

MAX_RELATION_HOPS = 6
MODIFIERS = frozenset(["isset", "changed", "length", "each", "lower"])
MULTI_VALUER_TYPES = frozenset(["select", "file", "relation"])
_VIA = re.compile(r"^(\w+)_via_(\w+)$")
_NO_VALUE = object()


class Unresolvable(FilterError):
    """An identifier that names nothing; the compiler prefixes it with the operand (PocketBase's wording)."""


@dataclass
class Operand:
    """A resolved side of a comparison.

    `kind` is "text", "number", "bool", "json" (a JSON value, compared NULL-safely without COALESCE as
    PocketBase does) or "null". `value` is the Python value of a bound constant (literals, `@request.*`,
    macros, placeholders), which decides LIKE wrapping and the `''`/NULL rules. `multi` marks a path
    through a multiple relation, back-relation, `:each` or `@collection`. `after` wraps the finished
    comparison (the `emailVisibility` condition of client filters on auth emails).
    """

    expr: ColumnElement
    kind: str
    value: Any = _NO_VALUE
    multi: bool = False
    after: Callable[[ColumnElement], ColumnElement] | None = None

    @property
    def is_constant(self) -> bool:
        return self.value is not _NO_VALUE


def constant(value: Any) -> Operand:
    """A bound parameter for a Python value, typed the way PocketBase binds it."""
    if value is None:
        return Operand(null(), "null", None)
    if isinstance(value, bool):
        return Operand(literal(value, Boolean()), "bool", value)
    if isinstance(value, (int, float)):
        return Operand(literal(value, Float() if isinstance(value, float) else Integer()), "number", value)
    if not isinstance(value, str):
        value = orjson.dumps(value).decode()  # lists/objects compare as their JSON text
    return Operand(literal(value, Text()), "text", value)


def null_operand() -> Operand:
    """PocketBase's bare `NULL` identifier (missing `@request.*` keys, guests' `@request.auth.*`)."""
    return Operand(null(), "null")


@dataclass
class Context:
    """Everything one compilation needs; shared by the scopes of a filter."""

    collection: "Collection"
    table: FromClause
    schema: Callable[[str], "Collection | None"]
    dialect: "Dialect"
    request: "RequestData"
    client: bool
    #: compiles another collection's listRule against a joined alias (client filters only)
    list_rule: Callable[["Collection", FromClause], ColumnElement | None]

    def load(self, id_or_name: str) -> "Collection | None":
        if id_or_name in (self.collection.id, self.collection.name):
            return self.collection
        return self.schema(id_or_name)


@dataclass
class Scope:
    """The LEFT JOINs one evaluation context needs, deduplicated by path (same path = same rows)."""

    ctx: Context
    guarded: bool = False  # AND the listRule of every joined collection (a client filter's main scope)
    isolated: bool = False  # the "all values" scope: an empty set of values has no row at all
    joins: dict[str, tuple[FromClause, ColumnElement, bool]] = field(default_factory=dict)
    guards: list[ColumnElement] = field(default_factory=list)

    def join(self, key: str, target: FromClause, on: ColumnElement, collection: "Collection | None" = None, *,
             expands: bool = False) -> FromClause:
        """Join `target` once per `key`; `expands` marks joins yielding any number of rows per row."""
        if key in self.joins:
            return self.joins[key][0]
        self.joins[key] = (target, on, expands)
        if collection is not None and self.guarded:
            rule = self.ctx.list_rule(collection, target)
            if rule is not None:
                self.guards.append(or_(target.c.id.is_(None), rule))
        return target

    def from_clause(self) -> FromClause:
        """A one-row base joined with every join.

        Joins are LEFT JOINs, so an empty relation still yields one row of NULLs (PocketBase's
        "any row" half: `rel.name = ''` is true for no relations). In an isolated scope the joins
        that expand are inner joins: no values means no rows, so "all values match" holds vacuously,
        while a dangling id still gives a NULL row that fails the comparison.
        """
        chain: FromClause = select(literal_column("1").label("one")).subquery()
        for target, on, expands in self.joins.values():
            chain = chain.join(target, on) if self.isolated and expands else chain.outerjoin(target, on)
        return chain

    def exists(self, where: ColumnElement) -> ColumnElement:
        return select(literal_column("1")).select_from(self.from_clause()).where(where).exists()


# ---- entry point ---------------------------------------------------------------------------------------


def resolve(name: str, scope: Scope) -> Operand:
    if name in MACROS:
        return constant(MACROS[name](datetime.now(timezone.utc)))
    parts = name.split(".")
    ctx = scope.ctx
    if parts[0] == "@collection":
        if ctx.client:
            raise FilterForbidden("Only superusers can filter by @collection.")
        return _collection_path(name, parts, scope)
    if parts[0] == "@request":
        if ctx.client:
            raise FilterForbidden("Only superusers can filter by @request.")
        return _request_path(name, parts, scope)
    if parts[0].startswith("@") or not all(parts):
        raise Unresolvable(f'failed to resolve field "{name}"')
    return _walk(ctx.collection, ctx.table, parts, scope, key="", multi=False, hidden_ok=not ctx.client)


# ---- record paths ------------------------------------------------------------------------------------------


def split_modifier(part: str) -> tuple[str, str]:
    pieces = part.split(":")
    if len(pieces) != 2:
        return part, ""
    if pieces[1] not in MODIFIERS:
        raise Unresolvable(f'unknown modifier in "{part}"')
    return pieces[0], pieces[1]


def _walk(collection, source: FromClause, parts: list[str], scope: Scope, *, key: str, multi: bool,
          hidden_ok: bool, nullify: bool = False, hops: int = 0) -> Operand:
    """Follow `parts` from `source` (a row of `collection`) through relations to the last field."""
    ctx = scope.ctx
    for i, part in enumerate(parts[:-1]):
        fld = collection.get_field(part)
        if fld is not None and fld.hidden and not hidden_ok:
            raise Unresolvable(f'non-filterable field "{part}"')
        if fld is not None and fld.type in ("json", "geoPoint"):
            return _json_path(source.c[fld.name], parts[i + 1:], ctx.dialect, multi)
        if hops >= MAX_RELATION_HOPS:
            raise Unresolvable(f'max nested relations reached for field "{part}"')
        hops += 1
        key = f"{key}.{part}"
        if fld is None:
            back = _back_relation(collection, part, ctx, hidden_ok, nullify)
            if back is None:
                return null_operand()
            collection, back_field, back_multi = back
            alias = collection.table(ctx.dialect).alias()
            if back_field.is_multiple():
                items = ctx.dialect.json_array_elements(alias.c[back_field.name], None)
                on = source.c.id.in_(select(items.c.value))
            else:
                on = alias.c[back_field.name] == source.c.id
            source = scope.join(key, alias, on, collection, expands=back_multi)
            multi = multi or back_multi
            continue
        if fld.type != "relation":
            raise Unresolvable(f'field "{part}" is not a valid relation')
        target = ctx.load(fld.collectionId)
        if target is None:
            raise Unresolvable(f'failed to load field "{part}" collection')
        if not fld.is_multiple() and i == len(parts) - 2 and parts[-1] == "id":  # `author.id` is `author`
            return _last(collection, source, part, scope, key=key, multi=multi, hidden_ok=hidden_ok, nullify=nullify)
        alias = target.table(ctx.dialect).alias()
        if fld.is_multiple():
            items = scope.join(key + ":items", ctx.dialect.json_array_elements(source.c[fld.name], None), true(),
                               expands=True)
            source = scope.join(key, alias, alias.c.id == items.c.value, target)
        else:
            source = scope.join(key, alias, alias.c.id == source.c[fld.name], target)
        collection = target
        multi = multi or fld.is_multiple()
    return _last(collection, source, parts[-1], scope, key=key, multi=multi, hidden_ok=hidden_ok, nullify=nullify)


def _back_relation(collection, part: str, ctx: Context, hidden_ok: bool, nullify: bool):
    """`<collection>_via_<field>`: (the referencing collection, its relation field, multi-valued?)."""
    def fail(message: str):
        if nullify:
            return None
        raise Unresolvable(message)

    match = _VIA.match(part)
    if match is None:
        return fail(f'failed to resolve field "{part}"')
    back = ctx.load(match.group(1))
    if back is None:
        return fail(f'failed to load back relation field "{part}" collection')
    back_field = back.get_field(match.group(2))
    if back_field is None:
        return fail(f'missing back relation field "{match.group(2)}"')
    if back_field.type != "relation":
        return fail(f'invalid back relation field "{match.group(2)}"')
    if back_field.collectionId not in (collection.id, collection.name):
        return fail(f'invalid collection reference of a back relation field "{back_field.name}"')
    if back_field.hidden and not hidden_ok:
        raise Unresolvable(f'non-filterable back relation field "{back_field.name}"')
    multi = back_field.is_multiple() or not _has_unique_index(back, back_field.name)
    return back, back_field, multi


def _has_unique_index(collection, field_name: str) -> bool:
    names = {f.name for f in collection.fields}
    for sql in collection.indexes:
        try:
            index = parse_index(sql, names)
        except InvalidIndex:
            continue
        if index.unique and [c.name for c in index.columns] == [field_name]:
            return True
    return False


def _last(collection, source: FromClause, part: str, scope: Scope, *, key: str, multi: bool, hidden_ok: bool,
          nullify: bool) -> Operand:
    """The final field of a path, with its modifier applied."""
    dialect = scope.ctx.dialect
    name, modifier = split_modifier(part)
    fld = collection.get_field(name)
    if fld is None:
        if nullify:
            return null_operand()
        raise Unresolvable(f'unknown field "{name}"')
    if fld.hidden and not hidden_ok:
        raise Unresolvable(f'non-filterable field "{name}"')
    column = source.c[fld.name]

    if modifier in ("length", "each") and fld.type in MULTI_VALUER_TYPES:
        array = column if fld.is_multiple() else dialect.text_as_json_array(column)
        if modifier == "length":
            return Operand(dialect.json_array_length(array), "number", multi=multi)
        items = scope.join(f"{key}.{name}:each", dialect.json_array_elements(array, None), true(), expands=True)
        return Operand(items.c.value, "text", multi=multi or fld.is_multiple())

    if fld.type == "json":
        operand = Operand(dialect.json_path(column, []), "json", multi=multi)
    elif fld.is_multiple() or fld.type == "geoPoint":
        operand = Operand(dialect.json_as_text(column), "text", multi=multi)  # the raw JSON text
    elif fld.filter_kind in ("number", "bool"):
        operand = Operand(column, fld.filter_kind, multi=multi)
    else:
        operand = Operand(column, "text", multi=multi)

    if modifier == "lower":
        operand = lower(operand, dialect)
    if fld.name == "email" and collection.is_auth and not hidden_ok:
        visible = source.c.emailVisibility == true()
        operand.after = lambda expr: and_(expr, visible)
    return operand


def _json_path(column, path: list[str], dialect, multi: bool) -> Operand:
    """`meta.a.b`, `meta.0`, `loc.lat`: the JSON value inside a json or geoPoint column."""
    name, modifier = split_modifier(path[-1])
    operand = Operand(dialect.json_path(column, [*path[:-1], name]), "json", multi=multi)
    return lower(operand, dialect) if modifier == "lower" else operand


def lower(operand: Operand, dialect) -> Operand:
    """`:lower`; a JSON value keeps its NULL-safe comparison (PocketBase keeps NoCoalesce too)."""
    if operand.is_constant:
        return constant(go_string(operand.value).lower())
    kind = "json" if operand.kind == "json" and not dialect.strict_types else "text"
    return Operand(func.lower(text_of(operand, dialect)), kind, multi=operand.multi)


def text_of(operand: Operand, dialect) -> ColumnElement:
    """An operand as text, as SQLite's LIKE/LOWER see it (numbers as digits, booleans as 1/0)."""
    if not dialect.strict_types or operand.kind in ("text", "null"):
        return operand.expr
    if operand.kind == "json":
        return dialect.json_scalar_text(operand.expr)
    if operand.kind == "bool":
        return cast(cast(operand.expr, Integer()), Text())
    return cast(operand.expr, Text())


def go_string(value: Any) -> str:
    """Go's `cast.ToString` of a bound value (PocketBase builds LIKE patterns and `:lower` with it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, (int, str)):
        return str(value)
    return orjson.dumps(value).decode()


# ---- @collection ---------------------------------------------------------------------------------------------


def _collection_path(name: str, parts: list[str], scope: Scope) -> Operand:
    """`@collection.<name>[:alias].<path>`: every row of another collection (multi-valued)."""
    if len(parts) < 3:
        raise Unresolvable(f'invalid @collection field path in "{name}"')
    collection_name, _, alias_name = parts[1].partition(":")
    collection = scope.ctx.load(collection_name)
    if collection is None:
        raise Unresolvable(f'failed to load collection "{parts[1]}" from field path "{name}"')
    key = f"@collection:{alias_name}" if alias_name else f"@collection={collection.name}"
    alias = scope.join(key, collection.table(scope.ctx.dialect).alias(), true(), expands=True)
    return _walk(collection, alias, parts[2:], scope, key=key, multi=True, hidden_ok=True)


# ---- @request ------------------------------------------------------------------------------------------------


def _request_path(name: str, parts: list[str], scope: Scope) -> Operand:
    ctx = scope.ctx
    section = parts[1] if len(parts) > 1 else ""
    if name in ("@request.context", "@request.method"):
        return _static(parts[1:], ctx)
    if section not in ("auth", "body", "query", "headers") or len(parts) < 3 or not all(parts):
        raise Unresolvable(f'failed to resolve field "{name}"')
    if section == "auth":
        return _auth_path(parts, scope)
    if section == "body":
        return _body_path(parts, scope)
    return _static(parts[1:], ctx)


def _auth_path(parts: list[str], scope: Scope) -> Operand:
    """`@request.auth.<field>`: bound values of the auth record; relations are followed by id."""
    ctx = scope.ctx
    auth = ctx.request.auth
    if auth is None:
        return null_operand()
    first, _ = split_modifier(parts[2])
    auth_collection = ctx.request.auth_collection
    fld = auth_collection.get_field(first) if auth_collection is not None else None
    if len(parts) > 3 and fld is not None and fld.type == "relation":
        return _bound_relation(fld, auth.get(fld.name), parts[3:], scope, key="@request.auth." + first)
    return _static(parts[1:], ctx)


def _body_path(parts: list[str], scope: Scope) -> Operand:
    ctx = scope.ctx
    body = ctx.request.body
    first, modifier = split_modifier(parts[2])
    fld = ctx.collection.get_field(first)
    if fld is None:
        return _static(parts[1:], ctx)
    if fld.type == "relation" and len(parts) > 3:
        return _bound_relation(fld, body.get(fld.name), parts[3:], scope, key="@request.body." + first)
    if len(parts) == 3 and modifier in ("each", "length"):
        if fld.type not in MULTI_VALUER_TYPES:
            raise Unresolvable(f'field "{fld.name}" doesn\'t support multivalue operations')
        items = _to_list(body.get(fld.name))
        if modifier == "length":
            return constant(len(items))
        dialect = ctx.dialect
        bound = literal(dialect.dump_json([go_string(item) for item in items]), dialect.json_type())
        elements = scope.join(f"@request.body.{first}:each", dialect.json_array_elements(bound, None), true(),
                              expands=True)
        return Operand(elements.c.value, "text", multi=fld.is_multiple())
    if len(parts) == 3 and modifier == "changed":
        # on create there is no stored record and PocketBase reports nothing as changed
        original = ctx.request.original
        return constant(original is not None and fld.name in body and body[fld.name] != original.get(fld.name))
    return _static(parts[1:], ctx)


def _bound_relation(fld, value: Any, rest: list[str], scope: Scope, *, key: str) -> Operand:
    """Follow a relation whose ids are known in Python (the auth record's or the submitted ones)."""
    ctx = scope.ctx
    ids = list(dict.fromkeys(str(item) for item in _to_list(value) if item not in (None, "")))
    target = ctx.load(fld.collectionId)
    if not ids or target is None:
        return null_operand()
    alias = target.table(ctx.dialect).alias()
    alias = scope.join(key, alias, alias.c.id.in_(ids), expands=fld.is_multiple())
    return _walk(target, alias, rest, scope, key=key, multi=fld.is_multiple(), hidden_ok=True, nullify=True, hops=1)


def _static(path: list[str], ctx: Context) -> Operand:
    """A plain `@request.*` value, looked up in Python and bound (a missing key is NULL)."""
    *keys, last = path
    last, modifier = split_modifier(last)
    keys.append(last)
    found, value = _lookup(ctx.request.static(), keys)
    if modifier == "isset":
        return constant(found)
    if isinstance(value, str):
        # multipart bodies submit numbers as text; PocketBase converts them for number fields
        fld = ctx.collection.get_field(keys[-1])
        if fld is not None and fld.type == "number":
            try:
                value = float(value)
            except ValueError:
                pass
    operand = constant(value) if value is not None else null_operand()
    return lower(operand, ctx.dialect) if modifier == "lower" else operand


def _lookup(data: Any, keys: list[str]) -> tuple[bool, Any]:
    for key in keys:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, (list, tuple)) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return False, None
    return True, data


def _to_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


# ---- macros ----------------------------------------------------------------------------------------------------


def _month_end(now: datetime) -> datetime:
    first_next = (now.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(milliseconds=1)


def _day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


MACROS: dict[str, Callable[[datetime], Any]] = {
    "@now": format_datetime,
    "@yesterday": lambda now: format_datetime(now - timedelta(days=1)),
    "@tomorrow": lambda now: format_datetime(now + timedelta(days=1)),
    "@todayStart": lambda now: format_datetime(_day_start(now)),
    "@todayEnd": lambda now: format_datetime(_day_start(now) + timedelta(days=1, milliseconds=-1)),
    "@monthStart": lambda now: format_datetime(_day_start(now).replace(day=1)),
    "@monthEnd": lambda now: format_datetime(_month_end(now)),
    "@yearStart": lambda now: format_datetime(_day_start(now).replace(month=1, day=1)),
    "@yearEnd": lambda now: format_datetime(_day_start(now).replace(month=12, day=31) + timedelta(days=1, milliseconds=-1)),
    "@second": lambda now: now.second,
    "@minute": lambda now: now.minute,
    "@hour": lambda now: now.hour,
    "@day": lambda now: now.day,
    "@month": lambda now: now.month,
    "@weekday": lambda now: (now.weekday() + 1) % 7,  # 0 = Sunday, as Go's time.Weekday
    "@year": lambda now: now.year,
}
