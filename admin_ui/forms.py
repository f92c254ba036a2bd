"""Flask-WTF forms of the console, and `ErrorMap`: an API error's `data` keyed by dotted path.

Fixed-shape screens (sign-in, installer, settings sections, confirmations) are WTForms classes. Forms
whose shape comes from data — a collection's fields editor, a record form generated from its schema —
are read by `collection_form` and `record_form`; they still post through a `ConfirmForm`, so every form
carries Flask-WTF's CSRF token (`site` rejects any unsafe request without one).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from baas.errors import ApiError, FieldError

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


def choices(*pairs: tuple[str, str]) -> list:
    return [SelectChoice(value, label) if SelectChoice else (value, label) for value, label in pairs]


class ErrorMap:
    """`ApiError.data` flattened: `{"fields.1.name": "Cannot be blank.", "listRule": "Invalid rule..."}`."""

    def __init__(self, data: dict[str, Any] | None = None, message: str = ""):
        self.message = message
        self.messages: dict[str, str] = {}
        self._flatten(data or {}, "")

    @classmethod
    def of(cls, error: ApiError) -> "ErrorMap":
        return cls(error.data, error.message)

    def _flatten(self, data: Any, prefix: str) -> None:
        if isinstance(data, FieldError):
            self.messages[prefix] = data.message
        elif isinstance(data, dict) and "message" in data and "code" in data:
            self.messages[prefix] = str(data["message"])
        elif isinstance(data, dict):
            for key, value in data.items():
                self._flatten(value, f"{prefix}.{key}" if prefix else str(key))
        elif data is not None:
            self.messages[prefix] = str(data)

    def get(self, path: str) -> str:
        return self.messages.get(path, "")

    def under(self, prefix: str) -> dict[str, str]:
        """Messages below `prefix.`, keyed by the rest of the path."""
        start = prefix + "."
        return {key[len(start):]: message for key, message in self.messages.items() if key.startswith(start)}

    def __bool__(self) -> bool:
        return bool(self.messages or self.message)


def apply_api_errors(form: Form, error: ApiError, prefix: str = "") -> list[str]:
    """Attach an API error's field messages to the form's fields; return the ones no field took."""
    errors = ErrorMap.of(error)
    if prefix:
        scoped = errors.under(prefix)
        leftover = [m for k, m in errors.messages.items() if not k.startswith(prefix + ".")]
    else:
        scoped, leftover = errors.messages, []
    for path, message in scoped.items():
        field = _field_at(form, path)
        if field is not None:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            leftover.append(f"{path}: {message}")
    if not errors.messages:
        leftover.append(error.message)
    return leftover


def _field_at(form: Any, path: str):
    """The field at a dotted path (`rules.0.label`), or None."""
    node = form
    for part in path.split("."):
        if isinstance(node, FieldList):
            node = node.entries[int(part)] if part.isdigit() and int(part) < len(node.entries) else None
        elif isinstance(node, FormField):
            node = node.form._fields.get(part)
        elif hasattr(node, "_fields"):
            node = node._fields.get(part)
        else:
            node = None
        if node is None:
            return None
    return None if isinstance(node, (FieldList, FormField)) else node


# ---- sign-in ---------------------------------------------------------------------------------------
class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired()])


class InstallForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=71)])
    password_confirm = PasswordField(
        "Password confirm", validators=[DataRequired(), EqualTo("password", message="Passwords don't match.")]
    )


class ConfirmForm(FlaskForm):
    """Only the CSRF token: confirmations and the schema-driven forms post through it."""


# ---- settings sections: field names are the settings keys, so `form_patch` is mechanical ------------
def _lines(value: str) -> list[str]:
    return [item.strip() for item in (value or "").replace(",", "\n").splitlines() if item.strip()]


class ApplicationForm(FlaskForm):
    appName = StringField("Application name", validators=[DataRequired(), Length(max=255)])
    appURL = StringField("Application URL", validators=[DataRequired()])
    senderName = StringField("Sender name", validators=[DataRequired(), Length(max=255)])
    senderAddress = EmailField("Sender address", validators=[DataRequired()])
    hideControls = BooleanField("Hide collection create and edit controls")
    section = "meta"


class MailForm(FlaskForm):
    enabled = BooleanField("Use SMTP mail server (recommended)")
    host = StringField("SMTP server host")
    port = IntegerField("Port", validators=[Optional(), NumberRange(min=0, max=65535)])
    username = StringField("Username")
    password = PasswordField("Password", description="Leave empty to keep the stored password.")
    authMethod = SelectField("Auth method", choices=choices(("", "Auto"), ("PLAIN", "PLAIN"), ("LOGIN", "LOGIN")))
    tls = BooleanField("Use TLS")
    localName = StringField("EHLO/HELO domain")
    section = "smtp"


class StorageForm(FlaskForm):
    enabled = BooleanField("Use S3 storage (otherwise files stay in the data directory)")
    bucket = StringField("Bucket")
    region = StringField("Region")
    endpoint = StringField("Endpoint")
    accessKey = StringField("Access key")
    secret = PasswordField("Secret", description="Leave empty to keep the stored secret.")
    forcePathStyle = BooleanField("Force path-style addressing")
    section = "s3"


class BatchForm(FlaskForm):
    enabled = BooleanField("Enable the batch API")
    maxRequests = IntegerField("Max requests in a batch", validators=[InputRequired(), NumberRange(min=1)])
    timeout = IntegerField("Timeout (seconds)", validators=[InputRequired(), NumberRange(min=1)])
    maxBodySize = IntegerField("Max body size (bytes, 0 = default)", validators=[InputRequired(), NumberRange(min=0)])
    section = "batch"


class RateLimitRuleForm(Form):
    label = StringField("Label", validators=[Optional()])
    audience = SelectField("Audience", choices=choices(("", "All"), ("@guest", "Guests"), ("@auth", "Authenticated")))
    duration = IntegerField("Interval (s)", validators=[Optional(), NumberRange(min=1)])
    maxRequests = IntegerField("Max requests", validators=[Optional(), NumberRange(min=1)])


class RateLimitsForm(FlaskForm):
    enabled = BooleanField("Enable rate limiting")
    excludedIPs = TextAreaField("Excluded IPs (one per line)")
    rules = FieldList(FormField(RateLimitRuleForm), min_entries=0)
    section = "rateLimits"

    def patch(self) -> dict[str, Any]:
        rules = [
            {key: entry.form.data[key] for key in ("label", "audience", "duration", "maxRequests")}
            for entry in self.rules.entries
            if (entry.form.data.get("label") or "").strip()
        ]
        return {"enabled": self.enabled.data, "excludedIPs": _lines(self.excludedIPs.data), "rules": rules}

    def fill(self, values: dict[str, Any]) -> None:
        self.enabled.data = bool(values.get("enabled"))
        self.excludedIPs.data = "\n".join(values.get("excludedIPs") or [])
        while self.rules.entries:
            self.rules.pop_entry()
        for rule in values.get("rules") or []:
            self.rules.append_entry(rule)


class TrustedProxyForm(FlaskForm):
    headers = TextAreaField("Trusted proxy headers (one per line, e.g. X-Forwarded-For)")
    useLeftmostIP = BooleanField("Use the leftmost IP of the header (the original client)")
    section = "trustedProxy"

    def patch(self) -> dict[str, Any]:
        return {"headers": _lines(self.headers.data), "useLeftmostIP": self.useLeftmostIP.data}

    def fill(self, values: dict[str, Any]) -> None:
        self.headers.data = "\n".join(values.get("headers") or [])
        self.useLeftmostIP.data = bool(values.get("useLeftmostIP"))


SECTION_FORMS = {
    "application": ApplicationForm,
    "mail": MailForm,
    "storage": StorageForm,
    "batch": BatchForm,
    "rate-limits": RateLimitsForm,
    "proxy": TrustedProxyForm,
}
#: form fields never filled from stored values (write-only secrets)
SECRET_FIELDS = {"password", "secret"}


def form_patch(form: FlaskForm) -> dict[str, Any]:
    """The settings section the form edits, as a patch for `settings.update`."""
    if hasattr(form, "patch"):
        return {form.section: form.patch()}
    values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    for name in SECRET_FIELDS & set(values):
        if not values[name]:
            values.pop(name)  # empty means "keep the stored one"
    return {form.section: values}


def fill_form(form: FlaskForm, values: dict[str, Any]) -> None:
    """Show stored settings in the form, leaving every secret field empty."""
    if hasattr(form, "fill"):
        form.fill(values)
        return
    for name, field in form._fields.items():
        if name == "csrf_token" or name in SECRET_FIELDS:
            continue
        if name in values:
            field.data = values[name]


class TestEmailForm(FlaskForm):
    email = EmailField("Send to", validators=[DataRequired()])
    template = SelectField(
        "Template",
        choices=choices(
            ("verification", "Verification"), ("password-reset", "Password reset"), ("email-change", "Email change"),
            ("otp", "OTP"), ("login-alert", "Login alert"),
        ),
    )


class TestStorageForm(FlaskForm):
    """Only the CSRF token: tests the stored S3 configuration."""
