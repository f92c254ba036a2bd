"""request-verification `{email}` and confirm-verification `{token}`.

The request always ends in 204, account or not (no enumeration); for an existing, unverified account it
emails a verification link at most once per `RESEND_WAIT` seconds. The confirmation checks the token
(type `verification`, this collection, the record's current email) and marks the record verified; it is
idempotent. Superusers are verified by definition and cannot use either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import FieldError
from ..hooks import hookimpl
from ..hooks.events import RecordAuthActionEvent
from ..schema.collection import Collection
from . import record_mails, tokens
from .auth import find_by_email, find_record_by_token
from .auth_flows import REQUIRED, check, email_error, rate_limits, refuse_superusers, save_as_system, text
from .records.record import Record

if TYPE_CHECKING:
    from .app import App
    from .context import RequestContext

RESEND_WAIT = 120
SUPERUSERS_VERIFIED = "All superusers are verified by default."


def resend_key(record: Record) -> str:
    return f"verification-email:{record.collection.id}:{record.id}"


def request_verification(
    app: "App", collection: Collection, body: dict[str, Any], ctx: "RequestContext", *, ip: str = ""
) -> None:
    refuse_superusers(collection, SUPERUSERS_VERIFIED)
    email = text(body, "email")
    check({"email": email_error(email)})
    record = find_by_email(app, collection, email)
    if record is None:
        return
    if not record.get("verified") and not rate_limits(app).once(resend_key(record), RESEND_WAIT):
        return
    event = RecordAuthActionEvent(app, collection, ctx, record, ip, dict(body))
    app.hooks.hook.baas_record_request_verification_request(event=event)


def confirm_verification(
    app: "App", collection: Collection, body: dict[str, Any], ctx: "RequestContext", *, ip: str = ""
) -> None:
    refuse_superusers(collection, SUPERUSERS_VERIFIED)
    token = text(body, "token")
    record, problem = (None, REQUIRED) if not token else _check_token(app, collection, token)
    check({"token": problem})
    event = RecordAuthActionEvent(app, collection, ctx, record, ip, dict(body))
    app.hooks.hook.baas_record_confirm_verification_request(event=event)


def _check_token(app: "App", collection: Collection, token: str) -> tuple[Record | None, FieldError | None]:
    email = tokens.peek_or_empty(token).get("email")
    if not isinstance(email, str) or not email:
        return None, FieldError("validation_invalid_token_claims", "Missing email token claim.")
    try:
        record = find_record_by_token(app, token, tokens.VERIFICATION)
    except tokens.InvalidToken:
        return None, FieldError("validation_invalid_token", "Invalid or expired token.")
    if record.collection.id != collection.id:
        return None, FieldError("validation_token_collection_mismatch", "The provided token is for different auth collection.")
    if record.get("email") != email:
        return None, FieldError(
            "validation_token_email_mismatch", "The record email doesn't match with the requested token claims."
        )
    return record, None


class Defaults:
    @hookimpl(trylast=True)
    def baas_record_request_verification_request(self, event: RecordAuthActionEvent) -> None:
        if event.record is not None and not event.record.get("verified"):
            record_mails.send_verification(event.app, event.record)

    @hookimpl(trylast=True)
    def baas_record_confirm_verification_request(self, event: RecordAuthActionEvent) -> None:
        record = event.record
        if record is None or record.get("verified"):
            return
        record.set("verified", True)
        save_as_system(event.app, record, "An error occurred while saving the verified state.")
        rate_limits(event.app).forget(resend_key(record))
