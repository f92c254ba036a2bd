"""The rate limiter's hook into every request (see `baas.core.ratelimit` for the rules' semantics).

Collection routes are limited by `collection:action` labels; their actions come from the view function's
`rate_limit_actions` attribute (set with `@rate_limit_actions(...)`) or, for endpoints declared elsewhere,
from `ENDPOINT_ACTIONS`. Every other route only has its path labels.
"""

from __future__ import annotations

from typing import Callable

from flask import current_app, request

from ..core.auth_flows import rate_limits
from .auth_common import client_ip
from .util import core, ctx

ENDPOINT_ACTIONS: dict[str, tuple[str, ...]] = {
    "records.list_records": ("list",),
    "records.view_record": ("view",),
    "records.create_record": ("create",),
    "records.update_record": ("update",),
    "records.delete_record": ("delete",),
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
    app = core()
    if not (app.settings.get().get("rateLimits") or {}).get("enabled") or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    actions = getattr(view, "rate_limit_actions", None) or ENDPOINT_ACTIONS.get(request.endpoint, ())
    name = (request.view_args or {}).get("collection")
    collection = app.collections.get(name) if name and actions else None
    context = ctx()
    rate_limits(app).check_request(
        method=request.method,
        path=request.path,
        ip=client_ip(),
        authenticated=context.auth is not None,
        superuser=context.is_superuser,
        collection=collection,
        actions=actions,
        route=request.url_rule.rule if request.url_rule is not None else "",
    )
