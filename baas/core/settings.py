"""Application settings, in PocketBase's JSON shape, stored in `_params` and shared by every process.

`get()` returns the current settings (secrets included, for the services that need them), `public()`
the same with every secret removed (what `GET /api/settings` shows), and `update()` deep-merges a partial
change and fires `baas_settings_update`, whose default (this service, registered as a `trylast` plugin)
validates it with marshmallow and saves it with a version bump, so every worker and node applies it on
its next request without a restart.
"""

from __future__ import annotations

import copy
import re
import threading
from typing import TYPE_CHECKING, Any

import orjson
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import insert, select, update

from .. import errors
from ..dates import now_text
from ..db.tables import params_table
from ..errors import FieldError
from .cron import CronError, Schedule
from ..hooks import hookimpl
from ..hooks.events import SettingsEvent

if TYPE_CHECKING:
    from .app import App

SETTINGS_KEY = "settings"
#: (section path, key) of every write-only value
SECRETS = (("smtp", "password"), ("s3", "secret"), ("backups.s3", "secret"))

_S3 = {"enabled": False, "bucket": "", "region": "", "endpoint": "", "accessKey": "", "secret": "", "forcePathStyle": False}
DEFAULTS: dict[str, Any] = {
    "meta": {
        "appName": "baas",
        "appURL": "http://127.0.0.1:8090",
        "senderName": "Support",
        "senderAddress": "support@example.com",
        "hideControls": False,
    },
    "smtp": {
        "enabled": False, "host": "smtp.example.com", "port": 587, "username": "", "password": "",
        "authMethod": "", "tls": False, "localName": "",
    },
    "s3": dict(_S3),
    "backups": {"cron": "", "cronMaxKeep": 3, "s3": dict(_S3)},
    "batch": {"enabled": False, "maxRequests": 50, "timeout": 3, "maxBodySize": 0},
    "rateLimits": {
        "enabled": False,
        "excludedIPs": [],
        "rules": [
            {"label": "*:auth", "audience": "", "duration": 3, "maxRequests": 2},
            {"label": "*:create", "audience": "", "duration": 5, "maxRequests": 20},
            {"label": "/api/batch", "audience": "", "duration": 1, "maxRequests": 3},
            {"label": "/api/", "audience": "", "duration": 10, "maxRequests": 300},
        ],
    },
    "trustedProxy": {"headers": [], "useLeftmostIP": False},
    "logs": {"maxDays": 5, "minLevel": 0, "logIP": True, "logAuthId": False, "maxDataSize": 0},
    "superuserIPs": [],
}


# ---- validation ---------------------------------------------------------------------------------
class _Strict(Schema):
    class Meta:
        unknown = "exclude"


class MetaSchema(_Strict):
    appName = fields.String(required=True, validate=validate.Length(min=1, max=255))
    appURL = fields.URL(required=True, require_tld=False)
    senderName = fields.String(required=True, validate=validate.Length(min=1, max=255))
    senderAddress = fields.Email(required=True)
    hideControls = fields.Boolean()


class SMTPSchema(_Strict):
    enabled = fields.Boolean()
    host = fields.String()
    port = fields.Integer(validate=validate.Range(min=0, max=65535))
    username = fields.String()
    password = fields.String()
    authMethod = fields.String(validate=validate.OneOf(["", "PLAIN", "LOGIN"]))
    tls = fields.Boolean()
    localName = fields.String()


class S3Schema(_Strict):
    enabled = fields.Boolean()
    bucket = fields.String()
    region = fields.String()
    endpoint = fields.String()
    accessKey = fields.String()
    secret = fields.String()
    forcePathStyle = fields.Boolean()


def _cron_expression(value: str) -> None:
    if value:
        try:
            Schedule(value)
        except CronError as error:
            raise ValidationError("Invalid cron expression.") from error


class BackupsSchema(_Strict):
    cron = fields.String(validate=_cron_expression)
    cronMaxKeep = fields.Integer(validate=validate.Range(min=1))
    s3 = fields.Nested(S3Schema)


class BatchSchema(_Strict):
    enabled = fields.Boolean()
    maxRequests = fields.Integer(validate=validate.Range(min=1))
    timeout = fields.Integer(validate=validate.Range(min=1))
    maxBodySize = fields.Integer(validate=validate.Range(min=0))


class RateLimitRuleSchema(_Strict):
    label = fields.String(required=True, validate=validate.Length(min=1))
    audience = fields.String(validate=validate.OneOf(["", "@guest", "@auth"]))
    duration = fields.Integer(required=True, validate=validate.Range(min=1))
    maxRequests = fields.Integer(required=True, validate=validate.Range(min=1))


class RateLimitsSchema(_Strict):
    enabled = fields.Boolean()
    excludedIPs = fields.List(fields.String())
    rules = fields.List(fields.Nested(RateLimitRuleSchema))


class TrustedProxySchema(_Strict):
    headers = fields.List(fields.String())
    useLeftmostIP = fields.Boolean()


class LogsSchema(_Strict):
    maxDays = fields.Integer(validate=validate.Range(min=0, max=100000))
    minLevel = fields.Integer()
    logIP = fields.Boolean()
    logAuthId = fields.Boolean()
    maxDataSize = fields.Integer(validate=validate.Range(min=0))


class SettingsSchema(_Strict):
    meta = fields.Nested(MetaSchema)
    smtp = fields.Nested(SMTPSchema)
    s3 = fields.Nested(S3Schema)
    backups = fields.Nested(BackupsSchema)
    batch = fields.Nested(BatchSchema)
    rateLimits = fields.Nested(RateLimitsSchema)
    trustedProxy = fields.Nested(TrustedProxySchema)
    logs = fields.Nested(LogsSchema)
    superuserIPs = fields.List(fields.String())


_SCHEMA = SettingsSchema()

#: a rate limit rule's label: a path prefix (optionally after a method) or `<collection|*>:<action>`
RATE_LIMIT_LABEL = re.compile(r"^(?:[\w*]+:\w+|(?:(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) )?/\S*)$")


def rate_limit_rule_errors(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """PocketBase's checks of the rules list: well-formed labels, no two rules for one label and audience."""
    problems: dict[str, Any] = {}
    seen: set[tuple[str, str]] = set()
    for index, rule in enumerate(rules):
        label, audience = str(rule.get("label", "")), str(rule.get("audience", ""))
        if not RATE_LIMIT_LABEL.match(label):
            problems[str(index)] = {"label": FieldError("validation_match_invalid", "Must be in a valid format.")}
        elif (label, audience) in seen:
            problems[str(index)] = {"label": FieldError(
                "validation_conflicting_rate_limit_rule",
                f"Rate limit rule configuration with label {label} already exists or conflicts with another rule.",
            )}
        seen.add((label, audience))
    return problems


def _field_errors(messages: Any) -> Any:
    """marshmallow's `{"smtp": {"port": ["..."]}}` as PocketBase's `{"smtp": {"port": {code, message}}}`."""
    if isinstance(messages, list):
        return FieldError("validation_invalid_value", str(messages[0]))
    return {str(key): _field_errors(value) for key, value in messages.items()}


def _deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _section(data: dict[str, Any], path: str) -> dict[str, Any]:
    for part in path.split("."):
        data = data.get(part, {})
    return data


class SettingsService:
    def __init__(self, app: "App"):
        self.app = app
        self._settings: dict[str, Any] = copy.deepcopy(DEFAULTS)
        self._version: int | None = None
        self._lock = threading.Lock()

    def get(self) -> dict[str, Any]:
        return self._settings

    def public(self) -> dict[str, Any]:
        shown = copy.deepcopy(self._settings)
        for path, key in SECRETS:
            _section(shown, path).pop(key, None)
        return shown

    def refresh(self, version: int | None) -> None:
        """Reload when the stored version differs from the one this process has."""
        if version is not None and version == self._version:
            return
        with self.app.db.read() as connection:
            row = connection.execute(
                select(params_table.c.value, params_table.c.version).where(params_table.c.id == SETTINGS_KEY)
            ).first()
        stored = orjson.loads(row.value) if row is not None and row.value else {}
        with self._lock:
            self._settings = _deep_merge(DEFAULTS, stored)
            self._version = row.version if row is not None else 0

    def update(self, patch: dict[str, Any]) -> dict[str, Any]:
        """Merge `patch` over the current settings, validate, save; empty secrets keep their stored value."""
        self.app.refresh()
        patch = copy.deepcopy(patch)
        for path, key in SECRETS:
            section = _section(patch, path)
            if isinstance(section, dict) and not section.get(key):
                section.pop(key, None)
        event = SettingsEvent(self.app, old=self._settings, new=_deep_merge(self._settings, patch))
        hook = self.app.hooks.hook
        with self.app.db.transaction() as tx:
            hook.baas_settings_update(event=event)
            tx.on_commit(lambda: hook.baas_settings_after_update_success(event=event))
        return self.public()

    @hookimpl(trylast=True)
    def baas_settings_update(self, event: SettingsEvent) -> None:
        """The default: validate `event.new` and store it with a version bump (every process reloads)."""
        try:
            _SCHEMA.load(event.new)
        except ValidationError as error:
            raise errors.bad_request("An error occurred while validating the submitted data.", _field_errors(error.messages)) from error
        rule_problems = rate_limit_rule_errors(event.new.get("rateLimits", {}).get("rules") or [])
        if rule_problems:
            raise errors.bad_request("An error occurred while validating the submitted data.", {"rateLimits": {"rules": rule_problems}})
        tx = self.app.db.current
        stamp = now_text()
        value = orjson.dumps(event.new).decode()
        result = tx.connection.execute(
            update(params_table)
            .where(params_table.c.id == SETTINGS_KEY)
            .values(value=value, version=params_table.c.version + 1, updated=stamp)
        )
        if result.rowcount == 0:
            tx.connection.execute(insert(params_table).values(id=SETTINGS_KEY, value=value, version=1, created=stamp, updated=stamp))
        tx.on_commit(lambda: self.refresh(None))
