"""The SQL of list requests whose filter, sort and list rule do not depend on the request, kept per collection.

A list request spent about a third of its time building the same statement again: compiling `filter=`,
`sort=` and the list rule, building the select and its count, and SQLAlchemy's per-execution work. Texts
without `@` (no `@request.*`, no datetime macro, no `@collection`, no `@random`) compile to the same SQL
and values on every request, so that SQL is kept, ready for the driver, and runs on a driver cursor like a
read by id. Plans live as long as their `Collection` object: the registry makes new ones whenever the
schema changes, and with them new plans.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import TYPE_CHECKING, NamedTuple
from weakref import WeakKeyDictionary

from sqlalchemy import Dialect as EngineDialect
from sqlalchemy.sql import Select

from ...db.driver_sql import DriverStatement, compile_for_driver
from ...schema.collection import Collection
from .listing import ListQuery

if TYPE_CHECKING:
    from ..context import RequestContext

#: plans kept per collection, the least recently used dropped first
PLANS_PER_COLLECTION = 256


class ListPlan(NamedTuple):
    rows: DriverStatement
    count: DriverStatement


PlanKey = tuple


class ListPlans:
    def __init__(self, engine_dialect: EngineDialect):
        self._engine_dialect = engine_dialect
        self._plans: WeakKeyDictionary[Collection, OrderedDict[PlanKey, ListPlan]] = WeakKeyDictionary()
        self._lock = Lock()

    @staticmethod
    def key(collection: Collection, query: ListQuery, ctx: "RequestContext") -> PlanKey | None:
        """What the SQL of this list request depends on, or None when it depends on the request itself."""
        texts = [query.filter, query.sort]
        if not ctx.is_superuser:  # superusers bypass the rule (and the limits on their filters)
            texts.append(collection.rule("listRule") or "")
        if any("@" in text for text in texts):
            return None
        return (ctx.is_superuser, query.filter, query.sort, query.per_page, query.offset)

    def get(self, collection: Collection, key: PlanKey) -> ListPlan | None:
        with self._lock:
            plans = self._plans.get(collection)
            if plans is None or key not in plans:
                return None
            plans.move_to_end(key)
            return plans[key]

    def add(self, collection: Collection, key: PlanKey, rows: Select, count: Select) -> ListPlan | None:
        """Compile and keep the plan; None when the statements cannot run without SQLAlchemy."""
        rows_sql, count_sql = compile_for_driver(rows, self._engine_dialect), compile_for_driver(count, self._engine_dialect)
        if rows_sql is None or count_sql is None:
            return None
        plan = ListPlan(rows_sql, count_sql)
        with self._lock:
            plans = self._plans.setdefault(collection, OrderedDict())
            plans[key] = plan
            if len(plans) > PLANS_PER_COLLECTION:
                plans.popitem(last=False)
        return plan
