"""The payloads hooks receive. Handlers may change the mutable attributes documented on each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.app import App
    from ..core.context import RequestContext
    from ..core.records.listing import ListQuery, ListResult
    from ..core.records.record import Record
    from ..schema.collection import Collection


@dataclass
class RecordEvent:
    """A record being saved or deleted. `record` is mutable until the row is written."""

    app: "App"
    record: "Record"
    ctx: "RequestContext"
    error: BaseException | None = None  # set for the after-error hooks

    @property
    def collection(self) -> "Collection":
        return self.record.collection


@dataclass
class RecordRequestEvent:
    """One API-level record operation (list, view, create, update, delete), whatever door it came from.

    `body` (create/update) may be changed before the default action runs; `record` is the loaded record
    (view/update/delete) or the result (create); `result` is the list answer (list); `query` the list
    parameters, which a handler may replace before the default action."""

    app: "App"
    collection: "Collection"
    ctx: "RequestContext"
    body: dict[str, Any] = field(default_factory=dict)
    record: "Record | None" = None
    record_id: str = ""
    query: "ListQuery | None" = None
    result: "ListResult | None" = None


@dataclass
class RecordEnrichEvent:
    """A record about to be rendered for `ctx`; set `record.extra[...]` to add computed values."""

    app: "App"
    record: "Record"
    ctx: "RequestContext"


@dataclass
class CollectionEvent:
    """A collection being created, updated or deleted; `old` is the stored definition (None on create)."""

    app: "App"
    collection: "Collection"
    old: "Collection | None" = None
    error: BaseException | None = None


# ---- settings and batch -------------------------------------------------------------------------------
@dataclass
class SettingsEvent:
    """A settings change: `old` is what is in force, `new` the complete settings after the change (secrets
    included), which a before-handler of `baas_settings_update` may change in place."""

    app: "App"
    old: dict[str, Any]
    new: dict[str, Any]
    error: BaseException | None = None


@dataclass
class BatchRequestEvent:
    """One `POST /api/batch`: `requests` holds the parsed items (each with `method`, `url`, `body`,
    `headers`), `responses` the items' answers once the default ran; `timeout` (seconds, from the batch
    settings) bounds the transaction."""

    app: "App"
    ctx: "RequestContext"
    requests: list[Any] = field(default_factory=list)
    responses: list[Any] | None = None
    timeout: float = 3.0


# ---- mail and auth ---------------------------------------------------------------------------------
@dataclass
class MailerEvent:
    """An email about to be sent (`baas_mailer_send`), on the background mail worker.

    `message` (a `baas.core.mailer.Message`) may be changed in place or replaced; `kind` names the email
    (`verification`, `password-reset`, `email-change`, `otp`, `login-alert`, `test`, or "" for others),
    `record` is the auth record it is about (if any) and `meta` the values it carries (`token`, `newEmail`,
    `otpId`, `password`, `info`)."""

    app: "App"
    message: Any
    kind: str = ""
    record: "Record | None" = None
    meta: dict[str, Any] = field(default_factory=dict)
    sent: bool = False  # set by the default once the SMTP server accepted the message


@dataclass
class RecordAuthEvent:
    """A successful authentication (`baas_record_auth_request`), before the answer is built.

    `method` is "password", "otp", ... or "" for a refresh or an impersonation (no MFA, no login alert);
    `token` is the token to return and `meta` the optional `meta` of the answer (both may be replaced);
    `mfa_id` is the MFA session the client sent (query `?mfaId=` or body), `ip` the client's address."""

    app: "App"
    collection: "Collection"
    ctx: "RequestContext"
    record: "Record"
    token: str
    method: str = ""
    meta: Any = None
    mfa_id: str = ""
    ip: str = ""
    body: dict[str, Any] = field(default_factory=dict)


@dataclass
class RecordAuthActionEvent:
    """One auth action (refresh, verification, password reset, email change, OTP, impersonation).

    `record` is the auth record the action is about; it is None for the request-* actions when no account
    has the given email (the default then answers as if it had, so nothing reveals which accounts exist).
    `ip` is the client's address and `body` the parsed request body."""

    app: "App"
    collection: "Collection"
    ctx: "RequestContext"
    record: "Record | None" = None
    ip: str = ""
    body: dict[str, Any] = field(default_factory=dict)


@dataclass
class RecordAuthWithPasswordEvent(RecordAuthActionEvent):
    """auth-with-password: `record` is the account found for `identity` (None when none); a handler may
    look the record up itself (custom identities) or change `password` before the default checks it."""

    identity: str = ""
    identity_field: str = ""
    password: str = ""
    mfa_id: str = ""


@dataclass
class RecordAuthWithOTPEvent(RecordAuthActionEvent):
    """auth-with-otp: the OTP (`otp`, a `_otps` record) is valid for `record`; the default marks the record
    verified when the code went to its email, deletes the OTP and signs the record in."""

    otp: "Record | None" = None
    mfa_id: str = ""


@dataclass
class RecordRequestOTPEvent(RecordAuthActionEvent):
    """request-otp: `password` is the generated code (a handler may change it); the default stores it in a
    new `_otps` record, emails it and returns the OTP id."""

    password: str = ""


@dataclass
class RecordEmailChangeEvent(RecordAuthActionEvent):
    """request-email-change (`record` is the caller) or confirm-email-change (`record` from the token)."""

    new_email: str = ""


@dataclass
class RecordPasswordResetEvent(RecordAuthActionEvent):
    """confirm-password-reset: `record` from the token, `password` the new password (already validated
    against the form rules; the field's own rules apply when the record is saved)."""

    password: str = ""
    token: str = ""


@dataclass
class RecordImpersonateEvent(RecordAuthActionEvent):
    """impersonate: a superuser asks for a non-refreshable token of `record` valid `duration` seconds
    (0 = the collection's auth token duration)."""

    duration: int = 0


# ---- realtime -------------------------------------------------------------------------------------------
if TYPE_CHECKING:
    from ..core.realtime.client import Client as RealtimeClient
    from ..core.realtime.client import Message as RealtimeMessage


@dataclass
class RealtimeConnectEvent:
    """`GET /api/realtime`: a client opens its SSE stream. `client` is the new, not yet registered client
    (`client.id`, `client.ip`, `client.store` for a plugin's own data); `idle_timeout` (seconds without a
    message before the server closes the stream) and `max_timeout` (seconds a stream may stay open at
    all) may be changed; the SDK reconnects and resubscribes after either."""

    app: "App"
    client: "RealtimeClient"
    ctx: "RequestContext"
    ip: str = ""
    idle_timeout: float = 300.0
    max_timeout: float = 1800.0


@dataclass
class RealtimeSubscribeEvent:
    """`POST /api/realtime` for a client of this process, after the client id, IP and auth checks.
    `subscriptions` (the topics, replacing all previous ones) may be changed; `ctx` is the request (its
    `auth` is what the client gets bound to), `token` the auth token it came with ("" for guests)."""

    app: "App"
    client: "RealtimeClient"
    ctx: "RequestContext"
    subscriptions: list[str] = field(default_factory=list)
    ip: str = ""
    token: str = ""


@dataclass
class RealtimeMessageEvent:
    """One message about to be written to one client's stream (`PB_CONNECT` included). `message.name` is
    the SSE event name (the topic), `message.data` the payload bytes; both may be changed, or `message`
    set to None to drop it for this client."""

    app: "App"
    client: "RealtimeClient"
    message: "RealtimeMessage | None"


# ---- auth: OAuth2 -----------------------------------------------------------------------------------------
@dataclass
class RecordAuthWithOAuth2Event(RecordAuthActionEvent):
    """auth-with-oauth2, after the code exchange and the profile fetch. `provider_name` is the provider's
    name, `provider` the configured client (a `baas.core.oauth2.Provider`), `oauth2_user` the normalized
    profile (`baas.core.oauth2.OAuth2User`, mutable: e.g. change `name` before a sign-up). `record` is the
    account found (linked through `_externalAuths`, the signed-in caller's, or the one with the provider's
    verified email) or None for a sign-up; `is_new_record` says which. `create_data` (the body's
    `createData`) may be changed before the sign-up; `external_auth` is the existing `_externalAuths`
    link (None when the default will create it); `mfa_id` the MFA session the client continues."""

    provider_name: str = ""
    provider: Any = None
    oauth2_user: Any = None
    create_data: dict[str, Any] = field(default_factory=dict)
    is_new_record: bool = False
    external_auth: "Record | None" = None
    mfa_id: str = ""
