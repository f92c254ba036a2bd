"""auth-with-password: `{identity, password, identityField?}` -> an `AuthResult`.

Validation as PocketBase's form (both values required, at most 255 characters, `identityField` one of the
collection's identity fields), then the lookup (`auth.find_for_password_auth`) and the hook
`baas_record_auth_with_password_request`. Wrong credentials and unknown identities fail alike, after the
same bcrypt work. Built-in protection: a client (IP) that failed `FAILURE_LIMIT` times within
`FAILURE_WINDOW` seconds on one collection gets 429 until the window closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors
from ..errors import FieldError
from ..hooks import hookimpl
from ..hooks.events import RecordAuthWithPasswordEvent
from ..schema.collection import Collection
from .auth import AUTH_FAILED, find_for_password_auth, password_matches
from .auth_flows import REQUIRED, AuthResult, auth_response, check, length_error, rate_limits, text

if TYPE_CHECKING:
    from .app import App
    from .context import RequestContext

FAILURE_LIMIT = 10
FAILURE_WINDOW = 300
TOO_MANY_FAILURES = "Too many failed authentication attempts, please try again later."
METHOD = "password"


def failure_key(collection: Collection, ip: str) -> str:
    return f"auth-failures:{collection.id}:{ip}"


def auth_with_password(
    app: "App", collection: Collection, body: dict[str, Any], ctx: "RequestContext", *, ip: str = "", mfa_id: str = ""
) -> AuthResult:
    options = collection.options.get("passwordAuth") or {}
    if not options.get("enabled"):
        raise errors.forbidden("The collection is not configured to allow password authentication.")
    identity, password, identity_field = text(body, "identity"), text(body, "password"), text(body, "identityField")
    fields = list(options.get("identityFields") or [])
    check({
        "identity": REQUIRED if not identity else length_error(identity, 1, 255),
        "password": REQUIRED if not password else length_error(password, 1, 255),
        "identityField": (
            FieldError("validation_in_invalid", "Must be a valid value.")
            if identity_field and identity_field not in fields else None
        ),
    })
    if rate_limits(app).exceeded(failure_key(collection, ip), limit=FAILURE_LIMIT):
        raise errors.ApiError(429, TOO_MANY_FAILURES)
    record = find_for_password_auth(app, collection, identity, identity_field)
    event = RecordAuthWithPasswordEvent(
        app, collection, ctx, record, ip, dict(body),
        identity=identity, identity_field=identity_field, password=password, mfa_id=mfa_id,
    )
    return app.hooks.hook.baas_record_auth_with_password_request(event=event)


class Defaults:
    @hookimpl(trylast=True)
    def baas_record_auth_with_password_request(self, event: RecordAuthWithPasswordEvent) -> AuthResult:
        if not password_matches(event.record, event.password):
            rate_limits(event.app).record_failure(failure_key(event.collection, event.ip), duration=FAILURE_WINDOW)
            raise errors.bad_request(AUTH_FAILED)
        return auth_response(
            event.app, event.record, event.ctx, method=METHOD, mfa_id=event.mfa_id, ip=event.ip, body=event.body
        )
