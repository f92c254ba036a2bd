"""request-email-change `{newEmail}` (by the signed-in record) and confirm-email-change `{token, password}`.

The request emails a confirmation link to the *new* address. The confirmation (token of type
`emailChange` plus the record's current password) sets the new email, marks the record verified and
rotates its tokenKey, so every token issued before stops working. Superusers change their email directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import FieldError
from ..hooks import hookimpl
from ..hooks.events import RecordEmailChangeEvent
from ..ids import ALNUM, random_string
from ..schema.collection import Collection
from . import record_mails, tokens
from .auth import find_by_email, find_record_by_token, password_matches
from .auth_flows import (
    REQUIRED, check, email_error, length_error, refuse_superusers, require_same_collection, save_as_system, text,
)
from .records.record import Record

if TYPE_CHECKING:
    from .app import App
    from .context import RequestContext

SUPERUSERS_DIRECT = "All superusers can change their emails directly."
TOKEN_KEY_LENGTH = 50


def request_email_change(
    app: "App", collection: Collection, body: dict[str, Any], ctx: "RequestContext", *, ip: str = ""
) -> None:
    refuse_superusers(collection, SUPERUSERS_DIRECT)
    record = require_same_collection(ctx, collection)
    new_email = text(body, "newEmail")
    problem = email_error(new_email)
    if problem is None and new_email == record.get("email"):
        problem = FieldError("validation_not_in_invalid", "Must not be in list.")
    if problem is None:
        other = find_by_email(app, collection, new_email)
        if other is not None and other.id != record.id:
            problem = FieldError("validation_invalid_new_email", "Invalid new email address.")
    check({"newEmail": problem})
    event = RecordEmailChangeEvent(app, collection, ctx, record, ip, dict(body), new_email=new_email)
    app.hooks.hook.baas_record_request_email_change_request(event=event)


def confirm_email_change(
    app: "App", collection: Collection, body: dict[str, Any], ctx: "RequestContext", *, ip: str = ""
) -> None:
    refuse_superusers(collection, SUPERUSERS_DIRECT)
    token, password = text(body, "token"), text(body, "password")
    record, new_email, token_problem = (None, "", REQUIRED) if not token else _parse_token(app, collection, token)
    if not password:
        password_problem: FieldError | None = REQUIRED
    else:
        password_problem = length_error(password, 1, 100)
        if password_problem is None and not password_matches(record, password):
            password_problem = FieldError("validation_invalid_password", "Missing or invalid auth record password.")
    check({"token": token_problem, "password": password_problem})
    event = RecordEmailChangeEvent(app, collection, ctx, record, ip, dict(body), new_email=new_email)
    app.hooks.hook.baas_record_confirm_email_change_request(event=event)


def _parse_token(app: "App", collection: Collection, token: str) -> tuple[Record | None, str, FieldError | None]:
    """The record and new email of a valid email-change token, checked in PocketBase 0.40's order."""
    new_email = tokens.peek_or_empty(token).get("newEmail")
    if not isinstance(new_email, str) or not new_email:
        return None, "", FieldError("validation_invalid_token_payload", "Invalid token payload - newEmail must be set.")
    try:
        record = find_record_by_token(app, token, tokens.EMAIL_CHANGE)
    except tokens.InvalidToken:
        return None, "", FieldError("validation_invalid_token", "Invalid or expired token.")
    if record.collection.id != collection.id:
        return None, "", FieldError(
            "validation_token_collection_mismatch", "The provided token is for different auth collection."
        )
    if find_by_email(app, collection, new_email) is not None:
        return None, "", FieldError("validation_invalid_token_email", "The new email address is invalid.")
    return record, new_email, None


class Defaults:
    @hookimpl(trylast=True)
    def baas_record_request_email_change_request(self, event: RecordEmailChangeEvent) -> None:
        record_mails.send_email_change(event.app, event.record, event.new_email)

    @hookimpl(trylast=True)
    def baas_record_confirm_email_change_request(self, event: RecordEmailChangeEvent) -> None:
        record = event.record
        record.set("email", event.new_email)
        record.set("verified", True)
        record.set("tokenKey", random_string(TOKEN_KEY_LENGTH, ALNUM))
        save_as_system(event.app, record, "Failed to confirm email change.")
