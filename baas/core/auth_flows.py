"""The auth flows: what they share, the auth answer, and their installation on an App.

    auth-with-password              password_auth.py     request/confirm-verification   verification.py
    auth-refresh                    refresh.py           request/confirm-password-reset password_reset.py
    request-otp, auth-with-otp      otp.py               request/confirm-email-change   email_change.py
    impersonate                     impersonate.py       MFA sessions                   mfa.py
    the emails                      record_mails.py      login alerts (_authOrigins)    auth_origins.py

Each flow module has the service functions every front door calls (they validate the input the way
PocketBase's forms do, then fire the action's hook from `baas.hooks.specs`) and a `Defaults` plugin with
baas's own behaviour as `trylast` implementations, so a plugin can act before it, change the event, or
take over. Every successful sign-in ends in `auth_response`: the authRule, then `baas_record_auth_request`
(MFA, login alert, the answer).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import errors
from ..errors import FieldError
from ..hooks import hookimpl
from ..hooks.events import RecordAuthEvent
from ..schema.collection import Collection
from ..schema.fields.email import is_email
from .auth import auth_token
from .records.record import Record
from .records.rules import LOCKED, rule_condition

if TYPE_CHECKING:
    from .app import App
    from .context import RequestContext
    from .ratelimit import RateLimits

log = logging.getLogger("baas.auth")

VALIDATION_FAILED = "An error occurred while validating the submitted data."
LOADING_FAILED = "An error occurred while loading the submitted data."
REQUIRED = FieldError("validation_required", "Cannot be blank.")
INVALID_EMAIL = FieldError("validation_is_email", "Must be a valid email address.")
SUPERUSERS = "_superusers"
_install_lock = threading.Lock()


@dataclass
class AuthResult:
    """The outcome of a sign-in: `token` and `record` (and `meta`), or only `mfa_id` when the client must
    complete the sign-in with a second, different method (the API answers 401 `{"mfaId": ...}`)."""

    record: Record
    token: str = ""
    meta: Any = None
    mfa_id: str = ""


# ---- installation -----------------------------------------------------------------------------------
def install(app: "App") -> None:
    """Give `app` its rate limits and register the mailer's and the flows' default plugins (idempotent;
    `App.__init__` calls it, next to the records' defaults)."""
    if getattr(app, "rate_limits", None) is not None:
        return
    from . import email_change, impersonate, mailer, otp, password_auth, password_reset, refresh, verification
    from .ratelimit import RateLimits

    with _install_lock:
        if getattr(app, "rate_limits", None) is not None:
            return
        plugins = {
            "baas.mailer": mailer.MailerDefaults(),
            "baas.auth": AuthResponseDefaults(),
            "baas.auth.password": password_auth.Defaults(),
            "baas.auth.refresh": refresh.Defaults(),
            "baas.auth.otp": otp.Defaults(),
            "baas.auth.verification": verification.Defaults(),
            "baas.auth.password_reset": password_reset.Defaults(),
            "baas.auth.email_change": email_change.Defaults(),
            "baas.auth.impersonate": impersonate.Defaults(),
        }
        for name, plugin in plugins.items():
            if not app.hooks.is_registered(name):
                app.hooks.register(plugin, name)
        app.rate_limits = RateLimits(app)


def rate_limits(app: "App") -> "RateLimits":
    install(app)
    return app.rate_limits


# ---- input checks shared by the forms -----------------------------------------------------------------
def text(body: dict[str, Any], key: str) -> str:
    """A string body value (numbers are taken as text, like PocketBase's form binding); anything else is a
    400 "An error occurred while loading the submitted data."."""
    value = body.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise errors.bad_request(LOADING_FAILED)


def length_error(value: str, low: int, high: int) -> FieldError | None:
    if low <= len(value) <= high:
        return None
    return FieldError(
        "validation_length_out_of_range", f"The length must be between {low} and {high}.", {"max": high, "min": low}
    )


def email_error(value: str) -> FieldError | None:
    if not value:
        return REQUIRED
    return length_error(value, 1, 255) or (None if is_email(value) else INVALID_EMAIL)


def check(problems: dict[str, FieldError | None]) -> None:
    found = {key: value for key, value in problems.items() if value is not None}
    if found:
        raise errors.bad_request(VALIDATION_FAILED, found)


def require_same_collection(ctx: "RequestContext", collection: Collection) -> Record:
    """The caller's own record, which must belong to `collection` (401 for guests, 403 otherwise)."""
    if ctx.auth is None:
        raise errors.unauthorized()
    if ctx.auth.collection.id != collection.id:
        raise errors.forbidden(f"The request requires auth record from {ctx.auth.collection.name} collection.")
    return ctx.auth


def refuse_superusers(collection: Collection, message: str) -> None:
    if collection.name == SUPERUSERS:
        raise errors.bad_request(message)


def save_as_system(app: "App", record: Record, message: str) -> Record:
    """Save a record the flow itself changes (not the caller), re-labelling a validation failure."""
    from .context import RequestContext

    try:
        return app.records.save(record, RequestContext.system())
    except errors.ApiError as error:
        if error.status != 400:
            raise
        raise errors.ApiError(400, message, error.data, error) from error


# ---- the auth answer ----------------------------------------------------------------------------------
def auth_response(
    app: "App",
    record: Record,
    ctx: "RequestContext",
    *,
    method: str,
    token: str = "",
    meta: Any = None,
    mfa_id: str = "",
    ip: str = "",
    body: dict[str, Any] | None = None,
) -> AuthResult:
    """Finish a successful authentication: the collection's authRule (403), then `baas_record_auth_request`.

    `method` ("password", "otp", ...; "" for refresh and impersonation) drives MFA and the login alert."""
    collection = record.collection
    condition = rule_condition(app, collection, "authRule", ctx, body=body)
    if condition is LOCKED or (condition is not None and not app.records_repo.matches(collection, record.id, condition)):
        raise errors.forbidden("The request doesn't satisfy the collection requirements to authenticate.")
    event = RecordAuthEvent(
        app, collection, ctx, record, token or auth_token(record), method, meta, mfa_id, ip, dict(body or {})
    )
    return app.hooks.hook.baas_record_auth_request(event=event)


class AuthResponseDefaults:
    """baas's own `baas_record_auth_request`: MFA, then the login origin and alert, then the answer."""

    @hookimpl(trylast=True)
    def baas_record_auth_request(self, event: RecordAuthEvent) -> AuthResult:
        from . import auth_origins, mfa

        pending = mfa.check(event)
        if pending:
            return AuthResult(event.record, mfa_id=pending)
        if event.method and (event.collection.options.get("authAlert") or {}).get("enabled"):
            try:
                auth_origins.track(event.app, event.record, event.ctx, event.ip)
            except Exception:  # a failed alert must not fail the sign-in
                log.exception("recording the login origin of %s failed", event.record)
        return AuthResult(event.record, event.token, event.meta)
