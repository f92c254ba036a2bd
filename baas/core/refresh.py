"""auth-refresh: a new token for the caller's own record (same collection).

A refreshable token gets a fresh one through `baas_record_auth_refresh_request`; a non-refreshable one
(impersonation) is answered with the same token, as PocketBase does. Either way the record is re-read and
the authRule applies again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hooks import hookimpl
from ..hooks.events import RecordAuthActionEvent
from ..schema.collection import Collection
from . import tokens
from .auth_flows import AuthResult, auth_response, require_same_collection

if TYPE_CHECKING:
    from .app import App
    from .context import RequestContext


def auth_refresh(app: "App", collection: Collection, ctx: "RequestContext", token: str, *, ip: str = "") -> AuthResult:
    record = require_same_collection(ctx, collection)
    if tokens.peek_or_empty(token).get("refreshable") is not True:
        return auth_response(app, record, ctx, method="", token=token, ip=ip)
    event = RecordAuthActionEvent(app, collection, ctx, record, ip)
    return app.hooks.hook.baas_record_auth_refresh_request(event=event)


class Defaults:
    @hookimpl(trylast=True)
    def baas_record_auth_refresh_request(self, event: RecordAuthActionEvent) -> AuthResult:
        return auth_response(event.app, event.record, event.ctx, method="", ip=event.ip)
