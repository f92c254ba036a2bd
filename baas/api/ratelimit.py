"""The rate limiter's hook into every request (see `baas.core.ratelimit` for the rules' semantics).

Collection routes are limited by `collection:action` labels; their actions come from the view function's
`rate_limit_actions` attribute (set with `@rate_limit_actions(...)`) or, for endpoints declared elsewhere,
from `ENDPOINT_ACTIONS`. Every other route only has its path labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from flask import current_app, request
from werkzeug.wrappers import Request

from ..core.auth_flows import rate_limits
from ..core.context import RequestContext
from . import pipeline
from .util import core, ctx

if TYPE_CHECKING:
    from ..core.app import App

ENDPOINT_ACTIONS: dict[str, tuple[str, ...]] = {
    "auth_methods.auth_methods": ("listAuthMethods",),
    "auth_refresh.auth_refresh": ("authRefresh",),
    "auth_password.auth_with_password": ("authWithPassword", "auth"),
    "auth_otp.request_otp": ("requestOTP",),
    "auth_otp.auth_with_otp": ("authWithOTP", "auth"),
    "auth_password_reset.request_password_reset": ("requestPasswordReset",),
    "auth_password_reset.confirm_password_reset": ("confirmPasswordReset",),
    "auth_verification.request_verification": ("requestVerification",),
    "auth_verification.confirm_verification": ("confirmVerification",),
    "auth_email_change.request_email_change": ("requestEmailChange",),
    "auth_email_change.confirm_email_change": ("confirmEmailChange",),
    "files.download": ("file",),
}


def rate_limit_actions(*actions: str) -> Callable:
    """Mark a collection route's view with its rate limit actions (e.g. `"file"`)."""

    def mark(view: Callable) -> Callable:
        view.rate_limit_actions = actions
        return view

    return mark


def check_rate_limit() -> None:
    """`before_request`, after the caller's auth is known: 429 when a rule's budget is used up."""
    if request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    actions = getattr(view, "rate_limit_actions", None) or ENDPOINT_ACTIONS.get(request.endpoint, ())
    route = request.url_rule.rule if request.url_rule is not None else ""
    check(core(), request, ctx(), actions, (request.view_args or {}).get("collection"), route)


def check(app: "App", request: Request, context: RequestContext, actions: tuple[str, ...], collection_name: str | None, route: str) -> None:
    """Apply the rate limit rules to one request (`route`: its URL rule, as Flask writes it)."""
    if not (app.settings.get().get("rateLimits") or {}).get("enabled"):
        return
    collection = app.collections.get(collection_name) if collection_name and actions else None
    rate_limits(app).check_request(
        method=request.method,
        path=request.path,
        ip=pipeline.client_ip(app, request),
        authenticated=context.auth is not None,
        superuser=context.is_superuser,
        collection=collection,
        actions=actions,
        route=route,
    )
