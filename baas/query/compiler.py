"""Compile PocketBase filters, sorts and API rules into SQLAlchemy Core expressions.

    compile_filter("author.name ?= 'Bob' && created > @yesterday", posts, schema=..., dialect=...,
                   request=RequestData.guest())   ->  ColumnElement[bool] for .where()

The result is meant for `select(...).select_from(table).where(result)`: comparisons on the record's own
columns are plain SQL; anything that follows a relation becomes one `EXISTS` subquery correlated to
the record's row (see `baas.query.resolver`), so the caller's rows are never multiplied. Values are
always bound parameters and identifiers always resolve to schema columns.

Semantics follow PocketBase 0.40 (checked against a live 0.40.6 server):

* `=`/`!=` treat `''` and NULL alike except for JSON values (compared NULL-safely as `IS`), `!=` is
  NULL-safe (`IS NOT`);
* `~`/`!~` wrap the value in `%...%` (escaping `%`, `_`, `\\`) unless it has an unescaped `%`;
* on a multi-valued path the plain operators mean "all values match" and need at least one joined
  row to match too (an empty relation behaves as one NULL value: `rel.name != 'x'` is true,
  `rel.name = 'x'` false, `rel.name = ''` true); the `?` operators mean "any value matches";
* client filters (`client=True`) may not use `@request.*`/`@collection.*` (`FilterForbidden`) or hidden
  fields, only see auth emails whose `emailVisibility` is on, and every collection a relation path
  reaches must be listable: its listRule is ANDed for the joined row, a locked one is an error.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from sqlalchemy import Text, and_, func, literal, not_, or_, select, true
from sqlalchemy.sql import ColumnElement, FromClause

from ..db.dialect import Dialect
from ..schema.collection import Collection
from . import functions
from .ast import Call, Comparison, Expr, Identifier, Literal, Logical, Placeholder
from .coerce import unify
from .errors import FilterError, FilterForbidden
from .parser import FilterSyntaxError, parse
from .request import RequestData
from .resolver import Context, Operand, Scope, Unresolvable, constant, go_string, null_operand, resolve, text_of

__all__ = ["FilterError", "FilterForbidden", "RequestData", "check_rule", "compile_filter", "compile_sort"]

MAX_SORT_FIELDS = 8
_SORT_FIELD = re.compile(r"^@?\w[\w.:]*$")

SchemaLookup = Callable[[str], "Collection | None"]


def compile_filter(
    text: str,
    collection: Collection,
    *,
    schema: SchemaLookup,
    dialect: Dialect,
    request: RequestData,
    table: FromClause | None = None,
    params: dict[str, Any] | None = None,
    client: bool = False,
) -> ColumnElement[bool]:
    """The WHERE condition for `text` on rows of `table` (default: the collection's table).

    `schema` finds other collections by id or name; `params` fills `{:name}` placeholders; `client`
    applies the restrictions of a non-superuser's `filter` query parameter.
    """
    ctx = _context(collection, table, schema, dialect, request, client)
    scope = Scope(ctx, guarded=client)
    condition = _Compiler(ctx, params or {}).expr(_parse(text), scope)
    if not scope.joins:
        return condition
    return scope.exists(and_(condition, *scope.guards))


def compile_sort(
    text: str,
    collection: Collection,
    *,
    schema: SchemaLookup,
    dialect: Dialect,
    request: RequestData,
    table: FromClause | None = None,
    client: bool = False,
) -> list[ColumnElement]:
    """ORDER BY expressions for `-created,title,author.name,@random,@rowid` (at most 8).

    A path through relations becomes a correlated scalar subquery; when it reaches several values the
    record sorts by the smallest one ascending and the largest one descending. NULLs sort first
    ascending on both databases (SQLite's order). `@rowid` is SQLite's rowid and PostgreSQL's ctid.
    """
    ctx = _context(collection, table, schema, dialect, request, client)
    items = [item.strip() for item in text.split(",")]
    if not all(items):  # `title,` is a 400 in PocketBase, not a shorter sort
        raise FilterError("empty sort field.")
    if len(items) > MAX_SORT_FIELDS:
        raise FilterError(f"too many sort fields (max {MAX_SORT_FIELDS}).")
    order = []
    for item in items:
        descending = item.startswith("-")
        name = item[1:] if item[0] in "+-" else item
        if name == "@random":
            order.append(dialect.random())
            continue
        expr = dialect.rowid(ctx.table) if name == "@rowid" else _sort_value(name, descending, ctx)
        order.append(expr.desc().nulls_last() if descending else expr.asc().nulls_first())
    return order


def check_rule(text: str, collection: Collection, *, schema: SchemaLookup, dialect: Dialect) -> None:
    """Raise `FilterError` if `text` is not a valid rule for `collection`.

    Compiles for a guest, for whom every `@request.auth.*` is NULL, so fields of any auth collection
    are accepted; unknown `@request.body.*` keys are NULL as in PocketBase.
    """
    compile_filter(text, collection, schema=schema, dialect=dialect, request=RequestData.guest())


# ---- internals ---------------------------------------------------------------------------------------------


def _parse(text: str) -> Expr:
    try:
        return parse(text)
    except FilterSyntaxError as error:
        raise FilterError("invalid or incomplete filter expression.") from error


def _context(collection, table, schema, dialect, request, client) -> Context:
    def list_rule(target: Collection, alias: FromClause) -> ColumnElement | None:
        rule = target.rule("listRule")
        if rule is None:
            raise FilterError(f'only superusers can filter by the fields of "{target.name}".')
        if rule == "":
            return None
        return compile_filter(rule, target, schema=schema, dialect=dialect, request=request, table=alias)

    return Context(
        collection=collection,
        table=collection.table(dialect) if table is None else table,
        schema=schema,
        dialect=dialect,
        request=request,
        client=client,
        list_rule=list_rule,
    )


def _sort_value(name: str, descending: bool, ctx: Context) -> ColumnElement:
    if not _SORT_FIELD.match(name):
        raise FilterError(f'invalid sort field "{name}".')
    scope = Scope(ctx, guarded=ctx.client)
    try:
        operand = resolve(name, scope)
    except Unresolvable as error:
        raise FilterError(f'invalid sort field "{name}" - {error}.') from None
    if not scope.joins:
        return operand.expr
    value = operand.expr
    if ctx.dialect.strict_types and operand.kind in ("json", "bool"):
        value = text_of(operand, ctx.dialect)  # PostgreSQL has no min()/max() for jsonb or boolean
    aggregate = func.max(value) if descending else func.min(value)
    query = select(aggregate).select_from(scope.from_clause())
    if scope.guards:
        query = query.where(and_(*scope.guards))
    return query.scalar_subquery()


class _Compiler:
    def __init__(self, ctx: Context, params: dict[str, Any]):
        self.ctx = ctx
        self.dialect = ctx.dialect
        self.params = params

    def expr(self, node: Expr, scope: Scope) -> ColumnElement[bool]:
        if isinstance(node, Logical):
            items = [self.expr(item, scope) for item in node.items]
            return and_(*items) if node.op == "&&" else or_(*items)
        return self.comparison(node, scope)

    def comparison(self, node: Comparison, scope: Scope) -> ColumnElement[bool]:
        left = self.operand(node.left, scope, "left")
        right = self.operand(node.right, scope, "right")
        condition = self.build(left, node.base_op, right)
        if not node.any_of and (left.multi or right.multi):
            condition = and_(condition, self.all_match(node, left, right))
        for operand in (left, right):
            if operand.after is not None:
                condition = operand.after(condition)
        return condition

    def all_match(self, node: Comparison, left: Operand, right: Operand) -> ColumnElement[bool]:
        """`NOT EXISTS` a value of the multi-valued side(s) for which the comparison fails.

        The path is resolved again in its own scope (PocketBase's "multi-match subquery"); with two
        multi-valued sides every pair must match. A NULL value (a dangling id) fails every operator
        but `=`, as in PocketBase.
        """
        iso = Scope(self.ctx, isolated=True)
        nulls = []
        if left.multi:
            left = self.operand(node.left, iso, "left")
            nulls.append(left.expr)
        if right.multi:
            other = Scope(self.ctx, isolated=True)
            right = self.operand(node.right, other, "right")
            iso.joins.update({"right" + key: join for key, join in other.joins.items()})
            nulls.append(right.expr)
        failed = not_(self.build(left, node.base_op, right))
        if node.base_op != "=":
            failed = or_(failed, *(value.is_(None) for value in nulls))
        return not_(iso.exists(failed))

    # ---- operands --------------------------------------------------------------------------------------

    def operand(self, node, scope: Scope, side: str) -> Operand:
        if isinstance(node, Literal):
            return null_operand() if node.value is None else constant(node.value)
        if isinstance(node, Placeholder):
            if node.name not in self.params:
                raise FilterError(f'missing value for the placeholder "{{:{node.name}}}".')
            return constant(self.params[node.name])
        if isinstance(node, Call):
            return self.call(node, scope, side)
        assert isinstance(node, Identifier)
        try:
            return resolve(node.name, scope)
        except Unresolvable as error:
            raise FilterError(f'invalid {side} operand "{node.name}" - {error}.') from None

    def call(self, node: Call, scope: Scope, side: str) -> Operand:
        try:
            if node.name == "geoDistance":
                return functions.geo_distance([self.operand(arg, scope, side) for arg in node.args], self.dialect)
            args = [self.operand(arg, scope, side) for arg in node.args[1:]]
            return functions.strftime(node.args[0].value, args, self.dialect)
        except FilterForbidden:
            raise
        except FilterError as error:
            raise FilterError(f'invalid {side} operand "{node.name}" - [{node.name}] {error}') from None

    # ---- operators -------------------------------------------------------------------------------------

    def build(self, left: Operand, op: str, right: Operand) -> ColumnElement[bool]:
        if op in ("=", "!="):
            return self.equal(op == "=", left, right)
        if op in ("~", "!~"):
            return self.like(left, right, negate=op == "!~")
        a, b, _ = unify(left, right, self.dialect)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]

    def equal(self, equal: bool, left: Operand, right: Operand) -> ColumnElement[bool]:
        """PocketBase's `resolveEqualExpr`: `''` and NULL are the same value except for JSON."""
        if left.kind == "json" or right.kind == "json":
            a, b, _ = unify(left, right, self.dialect)
            return a.is_not_distinct_from(b) if equal else a.is_distinct_from(b)
        left_empty, right_empty = _is_empty(left), _is_empty(right)
        if left_empty and right_empty:
            return true() if equal else not_(true())
        if _known_non_empty(left) or _known_non_empty(right):
            a, b, _ = unify(_blank() if left_empty else left, _blank() if right_empty else right, self.dialect)
            return a == b if equal else a.is_distinct_from(b)
        if left_empty or right_empty:
            a, b, _ = unify(_blank(), right if left_empty else left, self.dialect)
            if equal:
                return or_(a == b, b.is_(None))
            return and_(a.is_distinct_from(b), b.is_not(None))
        a, b, kind = unify(left, right, self.dialect)
        if self.dialect.strict_types and kind != "text":
            # PostgreSQL cannot COALESCE a number with ''; NULL-safe comparison gives the same answers
            return a.is_not_distinct_from(b) if equal else a.is_distinct_from(b)
        a, b = func.coalesce(a, ""), func.coalesce(b, "")
        return a == b if equal else a.is_distinct_from(b)

    def like(self, left: Operand, right: Operand, negate: bool) -> ColumnElement[bool]:
        subject = text_of(left, self.dialect)
        if right.is_constant and right.value is not None:
            pattern = literal(_like_pattern(go_string(right.value)), Text())
        else:
            pattern = literal("%", Text()).op("||")(text_of(right, self.dialect)).op("||")(literal("%", Text()))
        return self.dialect.like(subject, pattern, negate)


def _blank() -> Operand:
    return constant("")


def _is_empty(operand: Operand) -> bool:
    return operand.kind == "null" or (operand.is_constant and operand.value in (None, ""))


def _known_non_empty(operand: Operand) -> bool:
    return operand.is_constant and operand.value not in (None, "")


def _like_pattern(value: str) -> str:
    """PocketBase's LIKE value: used as is if it has an unescaped `%`, else escaped and wrapped."""
    if _has_unescaped(value, "%"):
        return value
    return "%" + _escape_unescaped(value, "\\%_") + "%"


def _has_unescaped(value: str, char: str) -> bool:
    previous = ""
    for current in value:
        if current == char and previous != "\\":
            return True
        previous = "" if current == "\\" and previous == "\\" else current
    return False


def _escape_unescaped(value: str, chars: str) -> str:
    """Backslash-escape each of `chars` not already preceded by a backslash (PocketBase's rules)."""
    out: list[str] = []
    pending = False  # the character appended last needs an escape unless the one before it is "\"
    for current in reversed(value):
        if pending:
            if current != "\\":
                out.append("\\")
            pending = False
        else:
            pending = current in chars
        out.append(current)
    if pending:
        out.append("\\")
    return "".join(reversed(out))
