"""The emails of the auth flows, built from each auth collection's templates.

Placeholders, as PocketBase has them: `{APP_NAME}`, `{APP_URL}` (settings.meta), `{TOKEN}`, `{OTP}`,
`{OTP_ID}`, `{ALERT_INFO}` and `{RECORD:fieldName}` for every non-hidden field of the record (HTML-escaped,
except numbers, bools and dates). The body is HTML and is wrapped in the mail layout; the plain-text part
is derived from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .. import errors
from ..errors import FieldError
from ..ids import ALNUM, random_string
from ..schema.fields.email import is_email
from . import tokens
from .mailer import Address, Mailer, MailerError, Message, escape_html, render_layout
from .records.record import Record

if TYPE_CHECKING:
    from ..hooks.events import MailerEvent
    from .app import App

VERIFICATION = "verification"
PASSWORD_RESET = "password-reset"
EMAIL_CHANGE = "email-change"
OTP = "otp"
LOGIN_ALERT = "login-alert"
#: template names of POST /api/settings/test/email
KINDS = (VERIFICATION, PASSWORD_RESET, EMAIL_CHANGE, OTP, LOGIN_ALERT)

_TEMPLATE_OPTIONS = {
    VERIFICATION: ("verificationTemplate",),
    PASSWORD_RESET: ("resetPasswordTemplate",),
    EMAIL_CHANGE: ("confirmEmailChangeTemplate",),
    OTP: ("otp", "emailTemplate"),
    LOGIN_ALERT: ("authAlert", "emailTemplate"),
}
_UNESCAPED_TYPES = {"number", "bool", "date", "autodate"}


def template_of(record: Record, kind: str) -> dict[str, str]:
    value: Any = record.collection.options
    for key in _TEMPLATE_OPTIONS[kind]:
        value = value.get(key) or {}
    return value


def placeholders_for(app: "App", record: Record, extra: dict[str, str]) -> dict[str, str]:
    meta = app.settings.get()["meta"]
    values = {"{APP_NAME}": str(meta.get("appName", "")), "{APP_URL}": str(meta.get("appURL", ""))}
    for field in record.collection.fields:
        if field.hidden:
            continue
        value = field.to_api(record.get(field.name, field.zero()))
        text = _as_text(value)
        values["{RECORD:" + field.name + "}"] = text if field.type in _UNESCAPED_TYPES else escape_html(text)
    values.update(extra)
    return values


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ",".join(_as_text(item) for item in value)
    return str(value)


def resolve(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def build(app: "App", record: Record, kind: str, extra: dict[str, str], to: str) -> Message:
    template = template_of(record, kind)
    values = placeholders_for(app, record, extra)
    subject = resolve(template.get("subject", ""), values)
    html = render_layout(resolve(template.get("body", ""), values))
    return Message(sender=Mailer(app).sender(), to=[Address(to)], subject=subject, html=html)


def _dispatch(
    app: "App", record: Record, kind: str, message: Message, meta: dict[str, Any], *, now: bool,
    on_sent: Callable[["MailerEvent"], None] | None = None,
) -> None:
    mailer = Mailer(app)
    if now:
        event = mailer.send(message, kind=kind, record=record, meta=meta)
        if event.sent and on_sent is not None:
            on_sent(event)
    else:
        mailer.queue(message, kind=kind, record=record, meta=meta, on_sent=on_sent)


def send_verification(app: "App", record: Record, *, now: bool = False) -> None:
    token = tokens.verification_token(record)
    message = build(app, record, VERIFICATION, {"{TOKEN}": token}, record.get("email", ""))
    _dispatch(app, record, VERIFICATION, message, {"token": token}, now=now)


def send_password_reset(app: "App", record: Record, *, now: bool = False) -> None:
    token = tokens.password_reset_token(record)
    message = build(app, record, PASSWORD_RESET, {"{TOKEN}": token}, record.get("email", ""))
    _dispatch(app, record, PASSWORD_RESET, message, {"token": token}, now=now)


def send_email_change(app: "App", record: Record, new_email: str, *, now: bool = False) -> None:
    token = tokens.email_change_token(record, new_email)
    message = build(app, record, EMAIL_CHANGE, {"{TOKEN}": token}, new_email)
    _dispatch(app, record, EMAIL_CHANGE, message, {"token": token, "newEmail": new_email}, now=now)


def send_otp(
    app: "App", record: Record, otp_id: str, password: str, *, now: bool = False,
    on_sent: Callable[["MailerEvent"], None] | None = None,
) -> None:
    message = build(app, record, OTP, {"{OTP_ID}": otp_id, "{OTP}": password}, record.get("email", ""))
    _dispatch(app, record, OTP, message, {"otpId": otp_id, "password": password}, now=now, on_sent=on_sent)


def send_login_alert(app: "App", record: Record, info: str, *, now: bool = False) -> None:
    info = escape_html(info)
    message = build(app, record, LOGIN_ALERT, {"{ALERT_INFO}": info}, record.get("email", ""))
    _dispatch(app, record, LOGIN_ALERT, message, {"info": info}, now=now)


def send_test(app: "App", body: dict[str, Any]) -> None:
    """POST /api/settings/test/email `{email, template, collection?}`: send one template now, to `email`,
    about a made-up record of the collection (default `_superusers`); 400 when the input or SMTP fails."""
    email, kind, name = (body.get(key) if isinstance(body.get(key), str) else "" for key in ("email", "template", "collection"))
    collection = app.collections.get(name or "_superusers")
    problems: dict[str, FieldError] = {}
    if not email:
        problems["email"] = FieldError("validation_required", "Cannot be blank.")
    elif not is_email(email):
        problems["email"] = FieldError("validation_is_email", "Must be a valid email address.")
    if not kind:
        problems["template"] = FieldError("validation_required", "Cannot be blank.")
    elif kind not in KINDS:
        problems["template"] = FieldError("validation_in_invalid", "Must be a valid value.")
    if collection is None or not collection.is_auth:
        problems["collection"] = FieldError("validation_invalid_auth_collection", "Must be a valid auth collection id or name.")
    if problems:
        raise errors.bad_request("Failed to send the test email.", problems)
    record = Record(collection)
    for field in collection.fields:
        if field.type in ("text", "email", "url", "editor"):
            record.set(field.name, f"__pb_test_{field.name}__")
    record.set("id", "__pb_test_id__")
    record.set("tokenKey", random_string(50, ALNUM))
    record.set("email", email)
    senders = {
        VERIFICATION: lambda: send_verification(app, record, now=True),
        PASSWORD_RESET: lambda: send_password_reset(app, record, now=True),
        EMAIL_CHANGE: lambda: send_email_change(app, record, email, now=True),
        OTP: lambda: send_otp(app, record, "_PB_TEST_OTP_ID_", "123456", now=True),
        LOGIN_ALERT: lambda: send_login_alert(app, record, "TEST_TIME - TEST_IP TEST_USER_AGENT", now=True),
    }
    try:
        senders[kind]()
    except MailerError as error:
        raise errors.bad_request("Failed to send the test email.", cause=error) from error
