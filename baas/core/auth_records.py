"""Housekeeping of the auth system collections (`_otps`, `_mfas`, `_authOrigins`, `_externalAuths`).

Their rows point at an auth record through `collectionRef`/`recordRef`. They go with that record when it is
deleted (in the same transaction), and expired one-time passwords and MFA sessions are deleted by hourly
cron jobs, as PocketBase's `__pbOTPCleanup__` / `__pbMFACleanup__` do.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, select

from ..dates import format_datetime, now
from .records.record import Record

if TYPE_CHECKING:
    from .app import App

LINKED = ("_otps", "_mfas", "_authOrigins", "_externalAuths")
OTP_CLEANUP_JOB = "__baasOTPCleanup__"
MFA_CLEANUP_JOB = "__baasMFACleanup__"


def linked_records(app: "App", system_name: str, record: Record, newest_by: str) -> list[Record]:
    """The rows of `system_name` that belong to `record`, newest (by the `newest_by` column) first."""
    linked = app.collections.get(system_name)
    table = linked.table(app.db.dialect)
    query = (
        select(table)
        .where(table.c.collectionRef == record.collection.id, table.c.recordRef == record.id)
        .order_by(table.c[newest_by].desc(), table.c.id)
    )
    with app.db.read() as connection:
        rows = connection.execute(query).all()
    return [app.records_repo.from_row(linked, row) for row in rows]


def delete_linked_rows(app: "App", record: Record) -> None:
    """Delete the rows of the system collections that belong to `record` (inside the caller's transaction)."""
    connection = app.db.current.connection
    for name in LINKED:
        linked = app.collections.get(name)
        if linked is None:
            continue
        table = linked.table(app.db.dialect)
        connection.execute(
            delete(table).where(and_(table.c.collectionRef == record.collection.id, table.c.recordRef == record.id))
        )


def delete_expired(app: "App", system_name: str, option: str) -> int:
    """Delete the `_otps` / `_mfas` rows older than their auth collection's `otp` / `mfa` duration."""
    target = app.collections.get(system_name)
    if target is None:
        return 0
    table = target.table(app.db.dialect)
    removed = 0
    with app.db.transaction() as tx:
        for collection in app.collections.all():
            if not collection.is_auth:
                continue
            duration = int((collection.options.get(option) or {}).get("duration") or 0)
            cutoff = format_datetime(now() - timedelta(seconds=duration))
            removed += tx.connection.execute(
                delete(table).where(and_(table.c.collectionRef == collection.id, table.c.created < cutoff))
            ).rowcount
    return removed


def schedule_cleanups(app: "App") -> None:
    app.cron.add(OTP_CLEANUP_JOB, "0 * * * *", lambda: delete_expired(app, "_otps", "otp"))
    app.cron.add(MFA_CLEANUP_JOB, "0 * * * *", lambda: delete_expired(app, "_mfas", "mfa"))
