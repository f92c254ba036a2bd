"""request-otp `{email}` -> `{otpId}` and auth-with-otp `{otpId, password}`.

A one-time password is `otp.length` digits, stored bcrypt-hashed in a `_otps` record and emailed with the
collection's OTP template; it is valid for `otp.duration` seconds. The request answers an `otpId` for any
email, known or not (no enumeration); once a record has `MAX_ACTIVE` unexpired OTPs the newest one is
reused without another email. Signing in with it deletes it and, when it was sent to the record's current
email, marks the record verified.

Built-in protection (as PocketBase): `ATTEMPTS` attempts per record and client IP within `ATTEMPT_WINDOW`
seconds, whatever their outcome; past that 429, also for a new OTP, until the window closes.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any


from .. import errors
from ..hooks import hookimpl
from ..hooks.events import MailerEvent, RecordAuthWithOTPEvent, RecordRequestOTPEvent
from ..ids import new_record_id
from ..schema.collection import Collection
from . import record_mails
from .auth import find_by_email, password_matches
from .auth_flows import REQUIRED, AuthResult, auth_response, check, email_error, length_error, rate_limits, text
from .context import RequestContext
from .mfa import has_expired
from .records.record import Record
from .auth_records import linked_records

if TYPE_CHECKING:
    from .app import App

OTPS = "_otps"
MAX_ACTIVE = 10
ATTEMPTS = 5
ATTEMPT_WINDOW = 180
INVALID = "Invalid or expired OTP."
TOO_MANY = "Too many attempts, please try again later with a new OTP."
METHOD = "otp"


def _enabled(collection: Collection) -> dict[str, Any]:
    options = collection.options.get("otp") or {}
    if not options.get("enabled"):
        raise errors.forbidden("The collection is not configured to allow OTP authentication.")
    return options


def request_otp(app: "App", collection: Collection, body: dict[str, Any], ctx: RequestContext, *, ip: str = "") -> str:
    """The id of the OTP emailed to `email` (a random, unused id when there is no such account)."""
    options = _enabled(collection)
    email = text(body, "email")
    check({"email": email_error(email)})
    record = find_by_email(app, collection, email)
    length = max(4, int(options.get("length") or 8))
    code = "".join(secrets.choice("0123456789") for _ in range(length))
    event = RecordRequestOTPEvent(app, collection, ctx, record, ip, dict(body), password=code)
    return app.hooks.hook.baas_record_request_otp_request(event=event)


def auth_with_otp(
    app: "App", collection: Collection, body: dict[str, Any], ctx: RequestContext, *, ip: str = "", mfa_id: str = ""
) -> AuthResult:
    options = _enabled(collection)
    otp_id, password = text(body, "otpId"), text(body, "password")
    check({
        "otpId": REQUIRED if not otp_id else length_error(otp_id, 1, 255),
        "password": REQUIRED if not password else length_error(password, 1, 71),
    })
    otp = app.records_repo.find(app.collections.get(OTPS), otp_id)
    if otp is None or otp.get("collectionRef") != collection.id or has_expired(otp, int(options.get("duration") or 0)):
        raise errors.bad_request(INVALID)
    record = app.records_repo.find(collection, otp.get("recordRef") or "")
    if record is None:
        raise errors.bad_request(INVALID)
    if not rate_limits(app).attempt(f"otp-attempts:{record.id}:{ip}", limit=ATTEMPTS, duration=ATTEMPT_WINDOW):
        raise errors.ApiError(429, TOO_MANY)
    if not password_matches(otp, password):
        raise errors.bad_request(INVALID)
    event = RecordAuthWithOTPEvent(app, collection, ctx, record, ip, dict(body), otp=otp, mfa_id=mfa_id)
    return app.hooks.hook.baas_record_auth_with_otp_request(event=event)


def otps_of(app: "App", record: Record) -> list[Record]:
    """The record's OTPs, newest first."""
    return linked_records(app, OTPS, record, newest_by="created")


def _mark_sent(app: "App", otp_id: str):
    """After the email went out: remember where, so signing in with it can mark the record verified."""

    def on_sent(event: MailerEvent) -> None:
        to = event.message.to[0].address if event.message.to else ""
        otp = app.records_repo.find(app.collections.get(OTPS), otp_id)
        if otp is None or not to or otp.get("sentTo"):
            return
        otp.set("sentTo", to)
        app.records.save(otp, RequestContext.system())

    return on_sent


class Defaults:
    @hookimpl(trylast=True)
    def baas_record_request_otp_request(self, event: RecordRequestOTPEvent) -> str:
        app, record = event.app, event.record
        otps = app.collections.get(OTPS)
        if record is None:  # the same bcrypt work as a real OTP, so the timing reveals nothing either
            otps.get_field("password").prepare(event.password).hash  # noqa: B018
            return new_record_id()
        duration = int((event.collection.options.get("otp") or {}).get("duration") or 0)
        system = RequestContext.system()
        active = []
        for existing in otps_of(app, record):
            if has_expired(existing, duration):
                app.records.remove(existing, system)
            else:
                active.append(existing)
        if len(active) >= MAX_ACTIVE:
            return active[0].id
        otp = Record(otps)
        otp.set("collectionRef", record.collection.id)
        otp.set("recordRef", record.id)
        otp.set("password", otps.get_field("password").prepare(event.password))
        app.records.save(otp, system)
        record_mails.send_otp(app, record, otp.id, event.password, on_sent=_mark_sent(app, otp.id))
        return otp.id

    @hookimpl(trylast=True)
    def baas_record_auth_with_otp_request(self, event: RecordAuthWithOTPEvent) -> AuthResult:
        app, record, otp = event.app, event.record, event.otp
        system = RequestContext.system()
        sent_to = otp.get("sentTo") if otp is not None else ""
        if not record.get("verified") and sent_to and sent_to == record.get("email"):
            record.set("verified", True)
            app.records.save(record, system)
        if otp is not None:
            app.records.remove(otp, system)
        return auth_response(app, record, event.ctx, method=METHOD, mfa_id=event.mfa_id, ip=event.ip, body=event.body)
