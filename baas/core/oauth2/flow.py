"""auth-with-oauth2 `{provider, code, codeVerifier, redirectURL, createData?}` -> an `AuthResult`.

1. The collection must allow OAuth2 (403) and name the provider (400 `validation_invalid_provider`).
2. The code is exchanged for a token and the profile fetched (400 "Failed to fetch OAuth2 token." /
   "Failed to fetch OAuth2 user."), before anything is written.
3. The account: the one linked to this provider account in `_externalAuths`, else the signed-in caller
   (of this collection: linking another provider), else the one with the provider's *verified* email,
   else none (a sign-up).
4. `baas_record_auth_with_oauth2_request`; its default (`Defaults`) writes in one transaction - the
   sign-up through the records service (createRule, hooks) or the updates of the found account, and the
   link - so a failure leaves no account and no link behind; then `auth_response` (authRule, MFA, the
   login alert, the token). Superusers cannot sign up this way.

Every request of this flow carries `@request.context = "oauth2"`.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select

from ... import errors
from ...errors import FieldError
from ...hooks import hookimpl
from ...hooks.events import RecordAuthWithOAuth2Event, RecordEvent
from ..auth import find_by_email, find_by_identity
from ..auth_flows import LOADING_FAILED, REQUIRED, SUPERUSERS, AuthResult, auth_response, length_error, save_as_system
from ..context import RequestContext
from ..records.record import Record
from . import avatar, config, redirect
from .base import ProfileError, Provider, ProviderError
from .user import OAuth2User

if TYPE_CHECKING:
    from ...schema.collection import Collection
    from ..app import App
    from ..files import Upload

log = logging.getLogger("baas.auth.oauth2")

METHOD = "oauth2"
CONTEXT = "oauth2"
EXTERNAL_AUTHS = "_externalAuths"
NOT_ENABLED = "The collection is not configured to allow OAuth2 authentication."
TOKEN_FAILED = "Failed to fetch OAuth2 token."
USER_FAILED = "Failed to fetch OAuth2 user."
AUTH_FAILED = "Failed to authenticate."
PLUGIN_NAME = "baas.auth.oauth2"
_install_lock = threading.Lock()


def install(app: "App") -> None:
    """Register the flow's default plugin on `app` (idempotent; `register_api` and the first sign-in call it)."""
    if app.hooks.is_registered(PLUGIN_NAME):
        return
    with _install_lock:
        if not app.hooks.is_registered(PLUGIN_NAME):
            app.hooks.register(Defaults(), PLUGIN_NAME)


@dataclass
class Form:
    provider: Provider
    code: str
    code_verifier: str
    redirect_url: str
    create_data: dict[str, Any]


def read_form(collection: "Collection", body: dict[str, Any]) -> Form:
    """PocketBase's form: `provider` (known and configured) and `code` required; `createData` an object."""
    name, code = _string(body, "provider"), _string(body, "code")
    code_verifier = _string(body, "codeVerifier")
    redirect_url = _string(body, "redirectURL") or _string(body, "redirectUrl")  # the latter: before 0.23
    create_data = body.get("createData")
    if create_data is not None and not isinstance(create_data, dict):
        raise errors.bad_request(LOADING_FAILED)
    entry = config.find_config(collection, name)
    problems = {
        "code": REQUIRED if not code else None,
        "provider": REQUIRED if not name else length_error(name, 0, 100),
    }
    if name and problems["provider"] is None and entry is None:
        problems["provider"] = FieldError(
            "validation_invalid_provider", f"Provider with name {name} is missing or is not enabled.", {"name": name}
        )
    if any(problems.values()):
        raise errors.bad_request(LOADING_FAILED, {key: value for key, value in problems.items() if value is not None})
    return Form(config.build(entry), code, code_verifier, redirect_url, dict(create_data or {}))


def _string(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise errors.bad_request(LOADING_FAILED)
    return value


def auth_with_oauth2(
    app: "App", collection: "Collection", body: dict[str, Any], ctx: RequestContext, *, ip: str = "", mfa_id: str = ""
) -> AuthResult:
    install(app)
    if not config.enabled(collection):
        raise errors.forbidden(NOT_ENABLED)
    ctx = ctx.with_context(CONTEXT)
    form = read_form(collection, body)
    provider = form.provider
    provider.redirect_url = form.redirect_url
    try:
        provider.prepare()
        token = provider.fetch_token(form.code, form.code_verifier)
    except ProviderError as error:
        log.info("OAuth2 %s token exchange for %s failed: %s", provider.name, collection.name, error)
        raise errors.bad_request(TOKEN_FAILED, cause=error) from error
    try:
        user = provider.fetch_user(token)
    except (ProviderError, ValueError, TypeError, KeyError) as error:
        log.info("OAuth2 %s profile for %s failed: %s", provider.name, collection.name, error)
        raise errors.bad_request(USER_FAILED, cause=error) from error
    if not user.id:
        raise errors.bad_request(USER_FAILED, cause=ProfileError(f"{provider.name}: the profile has no id"))
    if not user.name:
        user.name = redirect.take_name(form.code)
    record, link = find_account(app, collection, ctx, provider, user)
    event = RecordAuthWithOAuth2Event(
        app, collection, ctx, record, ip, dict(body),
        provider_name=type(provider).name, provider=provider, oauth2_user=user, create_data=form.create_data,
        is_new_record=record is None, external_auth=link, mfa_id=mfa_id,
    )
    return app.hooks.hook.baas_record_auth_with_oauth2_request(event=event)


def find_account(
    app: "App", collection: "Collection", ctx: RequestContext, provider: Provider, user: OAuth2User
) -> tuple[Record | None, Record | None]:
    """(the account to sign in or None, its `_externalAuths` link or None): the linked account, else the
    caller's own (of this collection), else the one with the email the provider vouches for."""
    link = find_link(app, collection, provider, user)
    if link is not None:
        record = app.records_repo.find(collection, link.get("recordRef") or "")
        if record is not None:
            return record, link
        app.records.remove(link, RequestContext.system())  # the account is gone: forget its link
    if ctx.auth is not None and ctx.auth.collection.id == collection.id:
        return ctx.auth, None
    if user.email and user.email_verified:
        return find_by_email(app, collection, user.email), None
    return None, None


def find_link(app: "App", collection: "Collection", provider: Provider, user: OAuth2User) -> Record | None:
    links = app.collections.get(EXTERNAL_AUTHS)
    table = links.table(app.db.dialect)
    condition = and_(
        table.c.collectionRef == collection.id, table.c.provider == type(provider).name, table.c.providerId == user.id
    )
    return app.records_repo.find_first(links, condition)


def links_of(app: "App", record: Record) -> list[Record]:
    links = app.collections.get(EXTERNAL_AUTHS)
    table = links.table(app.db.dialect)
    condition = and_(table.c.collectionRef == record.collection.id, table.c.recordRef == record.id)
    with app.db.read() as connection:
        rows = connection.execute(select(table).where(condition)).all()
    return [app.records_repo.from_row(links, row) for row in rows]


# ---- the default: sign up or update, link, answer ------------------------------------------------------
def sign_up_payload(event: RecordAuthWithOAuth2Event, avatar_upload: "Upload | None") -> dict[str, Any]:
    """`createData` plus the email and the mapped fields it does not set, and a random password."""
    collection, user = event.collection, event.oauth2_user
    mapped = config.options(collection).get("mappedFields") or {}
    payload = dict(event.create_data)
    if not isinstance(payload.get("email"), str) or not payload.get("email"):
        payload["email"] = user.email
    for key, value in (("id", user.id), ("name", user.name)):
        target = mapped.get(key)
        if target and target not in payload:
            payload[target] = value
    username = mapped.get("username")
    if username and username not in payload and user.username and _username_fits(event, username, user.username):
        payload[username] = user.username
    avatar_field = mapped.get("avatarURL")
    if avatar_field and avatar_field not in payload and user.avatar_url:
        field = collection.get_field(avatar_field)
        if field is not None and field.type == "file":
            if avatar_upload is not None:
                payload[avatar_field] = avatar_upload
        else:
            payload[avatar_field] = user.avatar_url
    if "password" not in payload:
        payload["password"] = payload["passwordConfirm"] = secrets.token_urlsafe(24)
    return payload


def _username_fits(event: RecordAuthWithOAuth2Event, field_name: str, username: str) -> bool:
    """Whether the provider's username may go into the mapped field: free (when a unique index guards
    it) and valid for the field; otherwise the sign-up goes on without it."""
    from ...schema.fields import ValueContext

    field = event.collection.get_field(field_name)
    if field is None or field.type != "text":
        return False
    if find_by_identity(event.app, event.collection, username, field_name) is not None:
        return False
    return field.validate(field.prepare(username), ValueContext(event.collection)) is None


def _avatar_for_sign_up(event: RecordAuthWithOAuth2Event) -> "Upload | None":
    mapped = config.options(event.collection).get("mappedFields") or {}
    target = mapped.get("avatarURL")
    field = event.collection.get_field(target) if target else None
    if event.record is not None or field is None or field.type != "file" or target in event.create_data:
        return None
    if not event.oauth2_user.avatar_url:
        return None
    return avatar.download(event.oauth2_user.avatar_url, field, timeout=event.provider.timeout)


def submit(event: RecordAuthWithOAuth2Event) -> None:
    """Create or update the account and link it, in one transaction (`event.record` is set after)."""
    app, collection, user = event.app, event.collection, event.oauth2_user
    avatar_upload = _avatar_for_sign_up(event)
    try:
        with app.db.transaction():
            if event.record is None:
                if collection.name == SUPERUSERS:
                    raise errors.bad_request(AUTH_FAILED)  # superusers cannot sign up with OAuth2
                created = app.records.create(collection, event.ctx, sign_up_payload(event, avatar_upload))
                # read back: inside the transaction a saved record's `original` is still the pre-save one
                record = event.record = app.records_repo.find(collection, created.id) or created
                vouched = user.email_verified or not user.email
                if record.get("email") == user.email and vouched and not record.get("verified"):
                    record.set("verified", True)  # the provider vouches for the address (or there is none)
                    save_as_system(app, record, AUTH_FAILED)
            else:
                _update_found(event)
            if event.external_auth is None:
                links = app.collections.get(EXTERNAL_AUTHS)
                link = Record(links)
                for key, value in (
                    ("collectionRef", collection.id), ("recordRef", event.record.id),
                    ("provider", event.provider_name), ("providerId", user.id),
                ):
                    link.set(key, value)
                event.external_auth = save_as_system(app, link, AUTH_FAILED)
    except errors.ApiError:
        raise
    except Exception as error:
        log.exception("OAuth2 sign-in to %s failed", collection.name)
        raise errors.bad_request(AUTH_FAILED, cause=error) from error
    finally:
        if avatar_upload is not None:
            avatar_upload.stream.close()


def _update_found(event: RecordAuthWithOAuth2Event) -> None:
    """PocketBase's rules for an existing account: an unverified one that the caller is not signed in as
    gets a random password (someone may have registered the address before its owner); an empty email
    takes the provider's; the account becomes verified when its email is the one the provider vouches for
    (or it has none)."""
    record, user, ctx = event.record, event.oauth2_user, event.ctx
    signed_in = ctx.auth is not None and ctx.auth.id == record.id and ctx.auth.collection.id == record.collection.id
    changed = False
    if not signed_in and record.get("email") and not record.get("verified"):
        password = record.collection.get_field("password")
        record.set("password", password.prepare(secrets.token_urlsafe(24)))
        changed = True
    if not record.get("email") and user.email:
        record.set("email", user.email)
        changed = True
    vouched = user.email_verified and record.get("email") == user.email
    if not record.get("verified") and (not record.get("email") or vouched):
        record.set("verified", True)
        changed = True
    if changed:
        save_as_system(event.app, record, AUTH_FAILED)


class Defaults:
    """baas's own behaviour: the sign-up or update and the link, then the auth answer; and removing an
    auth record's `_externalAuths` links with it."""

    @hookimpl(trylast=True)
    def baas_record_auth_with_oauth2_request(self, event: RecordAuthWithOAuth2Event) -> AuthResult:
        submit(event)
        return auth_response(
            event.app, event.record, event.ctx, method=METHOD, meta=event.oauth2_user.meta(is_new=event.is_new_record),
            mfa_id=event.mfa_id, ip=event.ip, body=event.body,
        )

    @hookimpl
    def baas_record_delete(self, event: RecordEvent) -> None:
        record = event.record
        if not record.collection.is_auth:
            return None
        for link in links_of(event.app, record):
            event.app.records.remove(link, RequestContext.system())
        return None
