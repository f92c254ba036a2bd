"""impersonate: a superuser gets a non-refreshable auth token of any auth record.

`{"duration": seconds}` (0 or missing = the collection's `authToken.duration`). The token carries
`"refreshable": false`, so auth-refresh hands it back unchanged. No MFA and no login alert apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors
from ..errors import FieldError
from ..hooks import hookimpl
from ..hooks.events import RecordImpersonateEvent
from ..schema.collection import Collection
from .auth import auth_token
from .auth_flows import LOADING_FAILED, AuthResult, auth_response, check

if TYPE_CHECKING:
    from .app import App
    from .context import RequestContext


def impersonate(
    app: "App", collection: Collection, record_id: str, body: dict[str, Any], ctx: "RequestContext", *, ip: str = ""
) -> AuthResult:
    if ctx.auth is None and not ctx.system_access:
        raise errors.unauthorized()
    if not ctx.is_superuser:
        raise errors.forbidden()
    record = app.records_repo.find(collection, record_id)
    if record is None:
        raise errors.not_found()
    duration = _duration(body.get("duration"))
    check({
        "duration": (
            FieldError("validation_min_greater_equal_than_required", "Must be no less than 0.", {"threshold": 0})
            if duration < 0 else None
        )
    })
    event = RecordImpersonateEvent(app, collection, ctx, record, ip, dict(body), duration=duration)
    return app.hooks.hook.baas_record_impersonate_request(event=event)


def _duration(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise errors.bad_request(LOADING_FAILED)
    if isinstance(value, float) and not value.is_integer():
        raise errors.bad_request(LOADING_FAILED)
    return int(value)


class Defaults:
    @hookimpl(trylast=True)
    def baas_record_impersonate_request(self, event: RecordImpersonateEvent) -> AuthResult:
        token = auth_token(event.record, duration=event.duration or None, refreshable=False)
        return auth_response(event.app, event.record, event.ctx, method="", token=token, ip=event.ip)
