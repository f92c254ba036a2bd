"""request-password-reset `{email}` and confirm-password-reset `{token, password, passwordConfirm}`.

The request always ends in 204 (no enumeration) and emails a reset link at most once per `RESEND_WAIT`
seconds per account. The confirmation sets the new password, which rotates the record's tokenKey: the
reset token and every auth token issued before stop working. It also marks the record verified when the
token was sent to its current email.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors
from ..errors import FieldError
from ..hooks import hookimpl
from ..hooks.events import RecordAuthActionEvent, RecordPasswordResetEvent
from ..schema.collection import Collection
from . import record_mails, tokens
from .auth import find_by_email, find_record_by_token
from .auth_flows import REQUIRED, check, email_error, length_error, rate_limits, save_as_system, text
from .records.auth_input import MISMATCH
from .records.record import Record

if TYPE_CHECKING:
    from .app import App
    from .context import RequestContext

RESEND_WAIT = 120
MAX_PASSWORD = 255


def resend_key(record: Record) -> str:
    return f"password-reset-email:{record.collection.id}:{record.id}"


def request_password_reset(
    app: "App", collection: Collection, body: dict[str, Any], ctx: "RequestContext", *, ip: str = ""
) -> None:
    if not (collection.options.get("passwordAuth") or {}).get("enabled"):
        raise errors.bad_request("The collection is not configured to allow password authentication.")
    email = text(body, "email")
    check({"email": email_error(email)})
    record = find_by_email(app, collection, email)
    if record is None or not rate_limits(app).once(resend_key(record), RESEND_WAIT):
        return
    event = RecordAuthActionEvent(app, collection, ctx, record, ip, dict(body))
    app.hooks.hook.baas_record_request_password_reset_request(event=event)


def confirm_password_reset(
    app: "App", collection: Collection, body: dict[str, Any], ctx: "RequestContext", *, ip: str = ""
) -> None:
    token, password, confirm = text(body, "token"), text(body, "password"), text(body, "passwordConfirm")
    record, token_problem = (None, REQUIRED) if not token else _check_token(app, collection, token)
    field = collection.get_field("password")
    low = max(1, int(getattr(field, "min", 0) or 0))
    check({
        "token": token_problem,
        "password": REQUIRED if not password else length_error(password, low, MAX_PASSWORD),
        "passwordConfirm": REQUIRED if not confirm else (MISMATCH if confirm != password else None),
    })
    event = RecordPasswordResetEvent(app, collection, ctx, record, ip, dict(body), password=password, token=token)
    app.hooks.hook.baas_record_confirm_password_reset_request(event=event)


def _check_token(app: "App", collection: Collection, token: str) -> tuple[Record | None, FieldError | None]:
    try:
        record = find_record_by_token(app, token, tokens.PASSWORD_RESET)
    except tokens.InvalidToken:
        return None, FieldError("validation_invalid_token", "Invalid or expired token.")
    if record.collection.id != collection.id:
        return None, FieldError("validation_token_collection_mismatch", "The provided token is for different auth collection.")
    return record, None


class Defaults:
    @hookimpl(trylast=True)
    def baas_record_request_password_reset_request(self, event: RecordAuthActionEvent) -> None:
        if event.record is not None:
            record_mails.send_password_reset(event.app, event.record)

    @hookimpl(trylast=True)
    def baas_record_confirm_password_reset_request(self, event: RecordPasswordResetEvent) -> None:
        record = event.record
        if record is None:
            raise errors.bad_request("Invalid or expired password reset token.")
        record.set("password", record.collection.get_field("password").prepare(event.password))
        if not record.get("verified") and tokens.peek_or_empty(event.token).get("email") == record.get("email"):
            record.set("verified", True)
        save_as_system(event.app, record, "Failed to set new password.")
        rate_limits(event.app).forget(resend_key(record))
