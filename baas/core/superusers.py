"""Superuser accounts for the CLI and the console's installer (records of `_superusers`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .auth import find_by_identity
from .context import RequestContext
from .records.record import Record

if TYPE_CHECKING:
    from .app import App

SUPERUSERS = "_superusers"


def upsert(app: "App", email: str, password: str) -> Record:
    """Create the superuser, or set the password of an existing one; raises ApiError on bad input."""
    app.refresh()
    collection = app.collections.get(SUPERUSERS)
    existing = find_by_identity(app, collection, email, "email")
    body = {"email": email, "password": password, "passwordConfirm": password, "verified": True}
    ctx = RequestContext.system()
    if existing is None:
        return app.records.create(collection, ctx, body)
    return app.records.update(collection, existing.id, ctx, body)


def delete(app: "App", email: str) -> bool:
    app.refresh()
    collection = app.collections.get(SUPERUSERS)
    existing = find_by_identity(app, collection, email, "email")
    if existing is None:
        return False
    app.records.remove(existing, RequestContext.system())
    return True


def exists(app: "App") -> bool:
    app.refresh()
    return app.records_repo.count(app.collections.get(SUPERUSERS)) > 0
