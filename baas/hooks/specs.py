"""Every hook a plugin can implement. These docstrings are the plugin author's reference.

How a hook runs (pluggy): implementations are called newest-registered first; `@hookimpl(tryfirst=True)`
and `@hookimpl(trylast=True)` pin a position. baas's own behaviour for a hook (writing the row, running the
validation, ...) is an ordinary implementation registered with `trylast=True`, so by default a plugin's
implementation runs *before* it:

* change the event's mutable attributes to change the input;
* raise `baas.errors.ApiError` (e.g. `baas.errors.bad_request("...", {"title": FieldError(...)})`) to stop
  the operation: the API answers with that error and any open transaction rolls back;
* return a non-None value to take over: the rest of the chain, baas's default included, is skipped;
* use `@hookimpl(wrapper=True)` and `result = yield` to run code before *and after* everything else,
  see or replace the result (`return result`) or catch the error.

Record and collection hooks fire from the services, so the REST API, the batch API, the console, the CLI and
other plugins trigger the same ones. Hooks named `..._request` fire once per API-level operation (rules
apply there); the others fire for every save, including programmatic ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import hookspec

if TYPE_CHECKING:
    from .events import CollectionEvent, RecordEnrichEvent, RecordEvent, RecordRequestEvent


# ---- records: model level (every save; inside the transaction unless "after") ---------------------
@hookspec(firstresult=True)
def baas_record_validate(event: "RecordEvent") -> Any:
    """Check `event.record` before it is written. Fires inside `baas_record_create` / `baas_record_update`,
    inside the transaction. The default raises a 400 with every field error; a before-handler may fix values
    first, or raise its own ApiError."""


@hookspec(firstresult=True)
def baas_record_create(event: "RecordEvent") -> Any:
    """A new record is being saved. Inside the transaction; the default validates (`baas_record_validate`)
    and INSERTs. A before-handler may change `event.record`; raising aborts and rolls everything back.

    On SQLite the writes of a worker that queue up behind each other share one database transaction (group
    commit, `baas/db/write_groups.py`), each alone and in order in a savepoint: raising rolls back this
    write only, and the after-success hooks fire once the shared commit is done. So inside any model-level
    hook, never wait for another request to the same server to write (an HTTP call to its own API): that
    request queues behind this one."""


@hookspec(firstresult=True)
def baas_record_update(event: "RecordEvent") -> Any:
    """An existing record is being saved (`event.record.original` holds the stored values). Inside the
    transaction; the default validates and UPDATEs."""


@hookspec(firstresult=True)
def baas_record_delete(event: "RecordEvent") -> Any:
    """A record is being deleted. Inside the transaction; the default follows cascadeDelete relations,
    unsets optional references (a required one blocks with a 400) and DELETEs the row."""


@hookspec
def baas_record_after_create_success(event: "RecordEvent") -> None:
    """After the transaction that created `event.record` committed. Errors here are logged, never undo."""


@hookspec
def baas_record_after_create_error(event: "RecordEvent") -> None:
    """After a create was rolled back; `event.error` holds the cause."""


@hookspec
def baas_record_after_update_success(event: "RecordEvent") -> None:
    """After the transaction that updated `event.record` committed."""


@hookspec
def baas_record_after_update_error(event: "RecordEvent") -> None:
    """After an update was rolled back; `event.error` holds the cause."""


@hookspec
def baas_record_after_delete_success(event: "RecordEvent") -> None:
    """After the transaction that deleted `event.record` committed (cascaded deletes fire their own)."""


@hookspec
def baas_record_after_delete_error(event: "RecordEvent") -> None:
    """After a delete was rolled back; `event.error` holds the cause."""


@hookspec
def baas_record_enrich(event: "RecordEnrichEvent") -> None:
    """A record is about to be rendered for `event.ctx` (API answers, expand). Put computed values in
    `event.record.extra`; they appear as extra keys of the JSON."""


# ---- records: request level (one per API operation, rules included) -------------------------------
@hookspec(firstresult=True)
def baas_records_list_request(event: "RecordRequestEvent") -> Any:
    """A list of `event.collection`. A before-handler may replace `event.query`; the default applies the
    listRule and returns a `ListResult` (also stored in `event.result`)."""


@hookspec(firstresult=True)
def baas_record_view_request(event: "RecordRequestEvent") -> Any:
    """One record by `event.record_id`; the default applies the viewRule and returns the record."""


@hookspec(firstresult=True)
def baas_record_create_request(event: "RecordRequestEvent") -> Any:
    """A create with `event.body`; a before-handler may change the body. The default checks the
    createRule and saves (firing the model hooks); it returns the new record."""


@hookspec(firstresult=True)
def baas_record_update_request(event: "RecordRequestEvent") -> Any:
    """An update of `event.record_id` with `event.body`; the default checks the updateRule and saves."""


@hookspec(firstresult=True)
def baas_record_delete_request(event: "RecordRequestEvent") -> Any:
    """A delete of `event.record_id`; the default checks the deleteRule and deletes."""


# ---- collections -----------------------------------------------------------------------------------
@hookspec(firstresult=True)
def baas_collection_create(event: "CollectionEvent") -> Any:
    """A collection is being created (checked already). Inside the transaction; the default writes the
    definition and creates the table."""


@hookspec(firstresult=True)
def baas_collection_update(event: "CollectionEvent") -> Any:
    """A collection is being changed from `event.old`. Inside the transaction; the default alters the table."""


@hookspec(firstresult=True)
def baas_collection_delete(event: "CollectionEvent") -> Any:
    """A collection is being deleted. Inside the transaction; the default drops the table."""


@hookspec
def baas_collection_after_create_success(event: "CollectionEvent") -> None:
    """After a collection creation committed."""


@hookspec
def baas_collection_after_update_success(event: "CollectionEvent") -> None:
    """After a collection change committed."""


@hookspec
def baas_collection_after_delete_success(event: "CollectionEvent") -> None:
    """After a collection deletion committed."""


# ---- app lifecycle, collections (errors), settings, batch ---------------------------------------------
if TYPE_CHECKING:
    from flask import Flask

    from ..core.app import App
    from .events import BatchRequestEvent, SettingsEvent


@hookspec
def baas_bootstrap(app: "App") -> None:
    """The App is built, migrated and refreshed, the API is registered and every plugin is loaded;
    nothing has been served yet. Fires once per App, from `create_app`: once in every server worker
    process, and once for each CLI command that builds an App. Not inside a transaction.

    Create what the plugin needs here (a collection it stores data in, cron jobs with
    `app.cron.add(id, "*/5 * * * *", fn)`). Several workers and nodes bootstrap at the same time, so make
    such set-up idempotent (create a collection only when `app.collections.get(name)` is None, and accept
    losing the race to another worker). Raising stops startup: `baas serve` prints the error and exits."""


@hookspec
def baas_serve(app: "App", flask_app: "Flask") -> None:
    """Register custom routes: `flask_app.register_blueprint(bp)`. Fires once per App right after
    `baas_bootstrap`, before the first request (Flask refuses routes added later). Handlers can use
    everything in `baas.plugin_api`: `require_auth()`, `require_superuser()`, `current_auth()`,
    `json_response()`, `get_app()`, and raise `ApiError` for PocketBase's error shape. The scheduler of
    cron jobs starts after this hook, on servers only."""


@hookspec
def baas_terminate(app: "App") -> None:
    """The App is closing (`App.close()`: a CLI command ended, a test finished, a server worker process
    exits). Fires once, before the cron scheduler stops and the database connections close. Keep it
    short; exceptions are logged and ignored."""


@hookspec
def baas_collection_after_create_error(event: "CollectionEvent") -> None:
    """After a collection creation was rolled back; `event.error` holds the cause."""


@hookspec
def baas_collection_after_update_error(event: "CollectionEvent") -> None:
    """After a collection change was rolled back; `event.error` holds the cause."""


@hookspec
def baas_collection_after_delete_error(event: "CollectionEvent") -> None:
    """After a collection deletion was rolled back; `event.error` holds the cause."""


@hookspec(firstresult=True)
def baas_settings_update(event: "SettingsEvent") -> Any:
    """The settings are being changed (`PATCH /api/settings`, the console, `app.settings.update(...)`).
    `event.old` is the current settings, `event.new` the merged result (secrets included), which a
    before-handler may change in place. Inside the transaction; the default validates `event.new` (400
    with per-field errors) and stores it. Raising aborts; nothing is stored."""


@hookspec
def baas_settings_after_update_success(event: "SettingsEvent") -> None:
    """After the settings change committed and this process reloaded the settings."""


@hookspec(firstresult=True)
def baas_batch_request(event: "BatchRequestEvent") -> Any:
    """A batch (`POST /api/batch`): `event.requests` is the list of parsed items (method, url, body,
    headers), which a before-handler may change, drop or extend. The default opens one transaction, runs
    each item through the records service (so every record hook fires per item, with
    `ctx.context == "batch"`) and returns the list of item responses (also kept in
    `event.responses`); a failing item rolls the whole batch back. Raising aborts the batch with that
    error."""


# ---- mail -------------------------------------------------------------------------------------------
if TYPE_CHECKING:
    from .events import (
        MailerEvent, RecordAuthActionEvent, RecordAuthEvent, RecordAuthWithOTPEvent, RecordAuthWithPasswordEvent,
        RecordEmailChangeEvent, RecordImpersonateEvent, RecordPasswordResetEvent, RecordRequestOTPEvent,
    )


@hookspec(firstresult=True)
def baas_mailer_send(event: "MailerEvent") -> Any:
    """An email is about to be sent. Fires on the background mail worker, after the transaction that
    queued it committed (the request that caused it has usually been answered already).

    Change `event.message` (recipients, subject, html, text, headers) to change what is sent; return a
    non-None value to cancel it (the default, which sends through the SMTP settings, is then skipped).
    Exceptions are logged and the email is dropped; the request that queued it is not affected."""


# ---- auth (request level; one per auth action, fired by the auth services) ----------------------------
@hookspec(firstresult=True)
def baas_record_auth_request(event: "RecordAuthEvent") -> Any:
    """Every successful authentication (password, OTP, refresh, impersonation), after the collection's
    authRule passed and before the answer is built. The default checks MFA (returning an `AuthResult` with
    `mfa_id` when a second method is required), records the login origin and sends the new-device alert,
    then returns `AuthResult(record, token, meta)`. Replace `event.token`/`event.meta` to change the answer,
    raise ApiError to refuse the sign-in, or return your own `AuthResult` to take over."""


@hookspec(firstresult=True)
def baas_record_auth_with_password_request(event: "RecordAuthWithPasswordEvent") -> Any:
    """auth-with-password, after the body was validated and the account looked up (`event.record` may be
    None). The default checks `event.password` (400 "Failed to authenticate.") and continues with
    `baas_record_auth_request`; it returns the `AuthResult`."""


@hookspec(firstresult=True)
def baas_record_auth_refresh_request(event: "RecordAuthActionEvent") -> Any:
    """auth-refresh with a refreshable token of `event.record`. The default issues a new token and
    continues with `baas_record_auth_request`."""


@hookspec(firstresult=True)
def baas_record_auth_with_otp_request(event: "RecordAuthWithOTPEvent") -> Any:
    """auth-with-otp, after the OTP and its code were checked. The default may mark the record verified,
    deletes the OTP and continues with `baas_record_auth_request`."""


@hookspec(firstresult=True)
def baas_record_request_otp_request(event: "RecordRequestOTPEvent") -> Any:
    """request-otp. `event.record` is None for an unknown email (the default then returns a random id, so
    nothing reveals which accounts exist). The default stores the code and emails it; returns the OTP id."""


@hookspec(firstresult=True)
def baas_record_request_verification_request(event: "RecordAuthActionEvent") -> Any:
    """request-verification for an existing, not throttled account. The default emails a verification
    link unless the record is verified already."""


@hookspec(firstresult=True)
def baas_record_confirm_verification_request(event: "RecordAuthActionEvent") -> Any:
    """confirm-verification with a valid token of `event.record`. The default marks it verified."""


@hookspec(firstresult=True)
def baas_record_request_password_reset_request(event: "RecordAuthActionEvent") -> Any:
    """request-password-reset for an existing, not throttled account. The default emails a reset link."""


@hookspec(firstresult=True)
def baas_record_confirm_password_reset_request(event: "RecordPasswordResetEvent") -> Any:
    """confirm-password-reset with a valid token of `event.record`. The default sets `event.password`
    (which rotates the tokenKey, so every older token stops working) and marks the record verified when
    the token was sent to its current email."""


@hookspec(firstresult=True)
def baas_record_request_email_change_request(event: "RecordEmailChangeEvent") -> Any:
    """request-email-change by `event.record` for `event.new_email`. The default emails a confirmation
    link to the new address."""


@hookspec(firstresult=True)
def baas_record_confirm_email_change_request(event: "RecordEmailChangeEvent") -> Any:
    """confirm-email-change with a valid token and password. The default sets the new email, marks the
    record verified and rotates its tokenKey (older tokens stop working)."""


@hookspec(firstresult=True)
def baas_record_impersonate_request(event: "RecordImpersonateEvent") -> Any:
    """impersonate by a superuser. The default issues a non-refreshable token and continues with
    `baas_record_auth_request` (no MFA, no login alert)."""


# ---- realtime ---------------------------------------------------------------------------------------------
if TYPE_CHECKING:
    from .events import RealtimeConnectEvent, RealtimeMessageEvent, RealtimeSubscribeEvent


@hookspec(firstresult=True)
def baas_realtime_connect_request(event: "RealtimeConnectEvent") -> Any:
    """A client opens `GET /api/realtime`. Fires in the process that will hold the client, before
    anything is streamed. A before-handler may change `event.idle_timeout` / `event.max_timeout`, keep
    data in `event.client.store`, or raise an ApiError to refuse the connection (answered as JSON). The
    default registers `event.client` and returns it; the stream then starts with `PB_CONNECT`."""


@hookspec(firstresult=True)
def baas_realtime_subscribe_request(event: "RealtimeSubscribeEvent") -> Any:
    """A client sets its subscriptions (`POST /api/realtime`). Fires in the process holding the client (a
    request reaching another worker or node is forwarded there first), after the checks: unknown client
    404, another IP 400, another auth 403. A before-handler may change `event.subscriptions` or raise an
    ApiError (the API answers with it). The default binds the client to `event.ctx.auth` and replaces
    its subscriptions; the API then answers 204."""


@hookspec
def baas_realtime_message_send(event: "RealtimeMessageEvent") -> None:
    """Right before one message is written to one client's SSE stream, in the stream's own process and
    greenlet (record events have passed the rules for that client by then). Change `event.message.name`
    or `.data`, or set `event.message = None` to drop the message for this client. Every implementation
    runs; keep them fast, they run once per message and client."""


# ---- auth: OAuth2 -------------------------------------------------------------------------------------------
if TYPE_CHECKING:
    from .events import RecordAuthWithOAuth2Event


@hookspec(firstresult=True)
def baas_record_auth_with_oauth2_request(event: "RecordAuthWithOAuth2Event") -> Any:
    """auth-with-oauth2, after the code was exchanged and the provider's profile fetched (neither touches
    the database). `event.record` is the account to sign in, or None for a sign-up. The default, in one
    transaction: creates the account through the records service when there is none (the body's
    `createData` plus the mapped fields and the downloaded avatar, a random password; the collection's
    createRule applies, with `@request.context = "oauth2"`) or updates the found one (email, verified),
    then creates the `_externalAuths` link if missing; after the commit it continues with
    `baas_record_auth_request` (authRule, MFA with method "oauth2") and returns the `AuthResult`, whose
    `meta` is the provider profile. Change `event.create_data` or `event.oauth2_user`, set `event.record`
    to sign in another account, raise ApiError to refuse, or return your own `AuthResult`."""
