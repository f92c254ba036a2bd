"""Who receives a record event and what each receives: the API rules, per subscriber.

For every subscription a record event reaches, PocketBase's rules apply as if the subscriber had asked
for the record itself: `<collection>/*` topics need the listRule, `<collection>/<id>` topics the
viewRule, and the subscription's own `filter` must match too. Rules are evaluated for the subscriber's
auth with `@request.context = "realtime"`, `@request.method = "GET"` and the subscription's query and
headers. Superusers pass every rule and see hidden fields; an auth record's email is shown to its owner,
superusers and holders of the manageRule, or when `emailVisibility` is on. Each subscription's `expand`
and `fields` options then shape its copy of the record.

Subscribers that would see an event identically (same auth, same rule, same options) form one audience
(the service keeps them grouped as they subscribe), judged once; all audiences' conditions go to the
database in a few batched SELECTs against the record's row, so a thousand guests watching `posts/*` cost
one query and one JSON encoding, not a thousand. Whatever fails to
compile or evaluate for an audience (a stored rule that broke, a bad client filter) drops only that
audience's messages, as PocketBase does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

import orjson
from sqlalchemy import case, literal, select
from sqlalchemy.sql import ColumnElement

from ... import errors
from ...hooks.events import RecordEnrichEvent
from ...query.compiler import FilterError, FilterForbidden, compile_filter
from ..context import RequestContext
from ..records.projection import Projection
from ..records.record import Record
from ..records.rules import LOCKED, rule_condition
from ..records.serialize import to_api
from .client import Client, Message
from .topics import Subscription

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger(__name__)

#: conditions evaluated per SELECT (keeps statements and their bound parameters reasonably small)
CONDITIONS_PER_QUERY = 100


class Audience(NamedTuple):
    """Subscriptions that see an event alike: one auth, one rule, one set of options (`subscription` is
    any of them), and the `(client, topic)` pairs to send to."""

    auth: Record | None
    subscription: Subscription
    rule: str
    pairs: list[tuple[Client, str]]


@dataclass
class _Verdict:
    ctx: RequestContext
    access: ColumnElement | bool = False  # rule AND filter: True, False or a condition on the row
    manage: ColumnElement | bool = False  # sees an auth record's email as a manager
    data: bytes | None = None


def subscriber_context(auth: Record | None, subscription: Subscription) -> RequestContext:
    """The request a subscriber is treated as making: a realtime GET with the subscription's options."""
    return RequestContext(
        auth=auth, method="GET", headers=dict(subscription.headers), query=dict(subscription.query), context="realtime"
    )


def build_messages(app: "App", action: str, record: Record, audiences: Iterable[Audience]) -> list[tuple[Client, Message]]:
    """The message each subscriber of `audiences` gets for `action` on `record` (none if the rules say so).

    Reads the database (rules, expand): call it where the state it should see is visible, i.e. after
    the commit for creates and updates, before the commit and outside the transaction for deletes.
    Audiences alike (same auth, rule and options, e.g. `posts/*` and the legacy `posts`) are judged once,
    and subscribers that get the same payload under the same topic share one `Message`."""
    collection = record.collection
    verdicts: dict[tuple, _Verdict] = {}
    pending: list[tuple[_Verdict, Audience]] = []
    for audience in audiences:
        if not audience.pairs:
            continue
        auth, subscription, rule = audience.auth, audience.subscription, audience.rule
        key = (None if auth is None else (auth.collection.id, auth.id), rule, subscription.options_key)
        verdict = verdicts.get(key)
        if verdict is None:
            ctx = subscriber_context(auth, subscription)
            verdict = verdicts[key] = _Verdict(ctx)
            verdict.access = _access(app, collection, ctx, rule, subscription)
            verdict.manage = _manage(app, record, ctx) if verdict.access is not False else False
        pending.append((verdict, audience))
    if not pending:
        return []
    _evaluate(app, record, list(verdicts.values()))
    out: list[tuple[Client, Message]] = []
    for verdict, audience in pending:
        if verdict.access is not True:
            continue
        if verdict.data is None:
            try:
                verdict.data = _payload(app, action, record, verdict, audience.subscription)
            except Exception:  # noqa: BLE001 - one audience's failure (e.g. a plugin's enrich hook) drops only its messages
                log.exception("realtime: failed to build the %s message of %s for a subscriber", action, record)
                verdict.access = False
                continue
        shared: dict[str, Message] = {}
        for client, topic in audience.pairs:
            message = shared.get(topic)
            if message is None:
                message = shared[topic] = Message(topic, verdict.data)
            out.append((client, message))
    return out


def _access(app: "App", collection, ctx: RequestContext, rule: str, subscription: Subscription) -> ColumnElement | bool:
    try:
        condition = rule_condition(app, collection, rule, ctx)
    except errors.ApiError:  # the stored rule no longer compiles
        return False
    if condition is LOCKED:
        return False
    text = subscription.option("filter").strip()
    if not text:
        return True if condition is None else condition
    try:
        client_filter = compile_filter(
            text, collection, schema=app.collections.get, dialect=app.db.dialect,
            request=ctx.request_data(), client=not ctx.is_superuser,
        )
    except (FilterError, FilterForbidden):
        return False
    return client_filter if condition is None else condition & client_filter


def _manage(app: "App", record: Record, ctx: RequestContext) -> ColumnElement | bool:
    """Whether the subscriber sees `record` as a manager (only matters for auth records' emails)."""
    collection = record.collection
    if not collection.is_auth or ctx.auth is None or ctx.is_superuser:
        return False
    if ctx.auth.collection.id == collection.id and ctx.auth.id == record.id:
        return False  # the owner sees its email anyway
    try:
        condition = rule_condition(app, collection, "manageRule", ctx)
    except errors.ApiError:
        return False
    if condition is LOCKED:
        return False
    return True if condition is None else condition


def _evaluate(app: "App", record: Record, verdicts: list[_Verdict]) -> None:
    """Resolve every verdict's SQL conditions against the record's stored row, in batches."""
    pending: list[tuple[_Verdict, str, ColumnElement]] = []
    for audience in verdicts:
        for attribute in ("access", "manage"):
            value = getattr(audience, attribute)
            if not isinstance(value, bool):
                pending.append((audience, attribute, value))
    if not pending:
        return
    table = record.collection.table(app.db.dialect)
    for start in range(0, len(pending), CONDITIONS_PER_QUERY):
        chunk = pending[start : start + CONDITIONS_PER_QUERY]
        columns = [case((condition, literal(1)), else_=literal(0)).label(f"c{index}") for index, (_a, _n, condition) in enumerate(chunk)]
        query = select(*columns).select_from(table).where(table.c.id == record.id)
        try:
            with app.db.read() as connection:
                row = connection.execute(query).first()
        except Exception:  # noqa: BLE001 - e.g. a rule joining a table that is gone: nobody in this batch gets it
            log.exception("realtime: evaluating the rules for %s failed", record)
            row = None
        for index, (audience, attribute, _condition) in enumerate(chunk):
            setattr(audience, attribute, bool(row is not None and row[index]))


def _payload(app: "App", action: str, record: Record, audience: _Verdict, subscription: Subscription) -> bytes:
    ctx = audience.ctx
    copy = Record(record.collection, dict(record.data), original=dict(record.data))
    app.hooks.hook.baas_record_enrich(event=RecordEnrichEvent(app, copy, ctx))
    expand = subscription.option("expand").strip()
    if expand:
        app.records.expand([copy], expand, ctx)
    data: Any = to_api(copy, ctx, can_manage=audience.manage is True)
    fields = subscription.option("fields")
    if fields.strip():
        try:
            projection = Projection.parse(fields)
        except errors.ApiError:  # PocketBase sends the whole record when `fields` does not parse
            projection = None
        if projection is not None:
            data = projection.apply(data)
    return orjson.dumps({"record": data, "action": action})
