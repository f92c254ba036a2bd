"""Collection API rules as SQL conditions.

`null` = superusers only, `""` = everyone, an expression = a WHERE condition evaluated in the database for
the record(s) at hand. Superusers bypass every rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.sql import ColumnElement, FromClause

from ... import errors
from ...query.compiler import FilterError, compile_filter
from ...schema.collection import Collection

if TYPE_CHECKING:
    from ..app import App
    from ..context import RequestContext


class Locked:
    """The rule is `null`: only superusers pass."""


LOCKED = Locked()


def rule_condition(
    app: "App",
    collection: Collection,
    key: str,
    ctx: "RequestContext",
    *,
    body: dict[str, Any] | None = None,
    original: dict[str, Any] | None = None,
    table: FromClause | None = None,
) -> ColumnElement | Locked | None:
    """None when nothing restricts the caller, LOCKED for a `null` rule, else the rule's SQL condition
    (on `table`'s rows: the collection's table by default, a one-row subquery for a record not yet written)."""
    if ctx.is_superuser:
        return None
    rule = collection.rule(key)
    if rule is None:
        return LOCKED
    if not rule.strip():
        return None
    try:
        return compile_filter(
            rule,
            collection,
            schema=app.collections.get,
            dialect=app.db.dialect,
            request=ctx.request_data(body, original),
            table=table,
        )
    except FilterError as error:  # a stored rule that no longer compiles (e.g. a field was removed)
        raise errors.bad_request(cause=error) from error
