"""Where a record signs in from (`_authOrigins`), and the new-device alert email.

An origin is the MD5 fingerprint of the client IP and User-Agent (first 300 characters). After every
sign-in with a method (not refresh or impersonation) of a collection whose `authAlert` is enabled, the
origin is created or touched; a new origin for a record that already had some sends the `authAlert`
email with `{ALERT_INFO}` = "<time> - <ip> <user agent>". A record keeps at most `MAX_ORIGINS`.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING


from .. import dates
from . import record_mails
from .context import RequestContext
from .records.record import Record
from .auth_records import linked_records

if TYPE_CHECKING:
    from .app import App

AUTH_ORIGINS = "_authOrigins"
MAX_ORIGINS = 5
USER_AGENT_LIMIT = 300


def fingerprint(ip: str, user_agent: str) -> str:
    return hashlib.md5((ip + user_agent[:USER_AGENT_LIMIT]).encode()).hexdigest()


def origins_of(app: "App", record: Record) -> list[Record]:
    """The record's origins, most recently used first."""
    return linked_records(app, AUTH_ORIGINS, record, newest_by="updated")


def track(app: "App", record: Record, ctx: RequestContext, ip: str) -> None:
    """Create or touch the origin of this sign-in; alert the record's email about a new one."""
    user_agent = (ctx.headers.get("user_agent") or "")[:USER_AGENT_LIMIT]
    print_ = fingerprint(ip, user_agent)
    known = origins_of(app, record)
    current = next((origin for origin in known if origin.get("fingerprint") == print_), None)
    system = RequestContext.system()
    if current is None:
        current = Record(app.collections.get(AUTH_ORIGINS))
        current.set("collectionRef", record.collection.id)
        current.set("recordRef", record.id)
        if known and record.get("email"):
            record_mails.send_login_alert(app, record, f"{dates.now_text()} - {ip} {user_agent}")
        for stale in known[MAX_ORIGINS - 1:]:
            app.records.remove(stale, system)
    current.set("fingerprint", print_)
    app.records.save(current, system)
