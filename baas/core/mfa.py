"""Multi-factor sign-in: an MFA session (`_mfas` record) links a first successful method to a second one.

With the collection's `mfa.enabled` (and its optional `mfa.rule` matching the record; an empty rule means
everyone), a sign-in through password or OTP answers 401 `{"mfaId"}` instead of a token. Sending that id
(query `?mfaId=` or body `mfaId`) with a *different* method within `mfa.duration` seconds completes the
sign-in and uses the session up. Refresh and impersonation (method "") never need a second factor.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from .. import dates, errors
from ..hooks.events import RecordAuthEvent
from ..query.compiler import FilterError, compile_filter
from .context import RequestContext
from .records.record import Record

log = logging.getLogger("baas.auth")

MFAS = "_mfas"


def wants_mfa(event: RecordAuthEvent) -> bool:
    """Whether the record needs a second factor: the `mfa.rule` (empty = everyone; on error, yes)."""
    rule = (event.collection.options.get("mfa") or {}).get("rule") or ""
    if not rule.strip():
        return True
    app = event.app
    try:
        condition = compile_filter(
            rule, event.collection, schema=app.collections.get, dialect=app.db.dialect,
            request=event.ctx.request_data(event.body),
        )
    except FilterError:
        log.warning("the MFA rule of %s does not compile; requiring MFA", event.collection.name)
        return True
    return app.records_repo.matches(event.collection, event.record.id, condition)


def has_expired(record: Record, seconds: int) -> bool:
    try:
        created = dates.parse_datetime(str(record.get("created") or ""))
    except ValueError:
        return True
    return created + timedelta(seconds=seconds) < dates.now()


def check(event: RecordAuthEvent) -> str:
    """"" when the sign-in may complete; a new MFA session id when a second method is required.

    Raises 400 for an unknown or expired session, one of another record, or the same method twice."""
    options = event.collection.options.get("mfa") or {}
    if not options.get("enabled") or not event.method or not wants_mfa(event):
        return ""
    app = event.app
    sessions = app.collections.get(MFAS)
    system = RequestContext.system()
    if not event.mfa_id:
        session = Record(sessions)
        session.set("collectionRef", event.collection.id)
        session.set("recordRef", event.record.id)
        session.set("method", event.method)
        app.records.save(session, system)
        return session.id
    session = app.records_repo.find(sessions, event.mfa_id)
    if session is None or has_expired(session, int(options.get("duration") or 0)):
        if session is not None:
            app.records.remove(session, system)
        raise errors.bad_request("Invalid or expired MFA session.")
    if session.get("recordRef") != event.record.id or session.get("collectionRef") != event.collection.id:
        raise errors.bad_request("Invalid MFA session.")
    if session.get("method") == event.method:
        raise errors.bad_request("A different authentication method is required.")
    app.records.remove(session, system)
    return ""
