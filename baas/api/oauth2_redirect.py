"""`GET|POST /api/oauth2-redirect`: the provider's redirect target in the SDK's all-in-one OAuth2 flow.

The query (GET) or form (POST, e.g. Apple's `form_post`) carries `state` (the SDK's realtime client id),
`code` and maybe `error`; they reach that client through the realtime topic `@oauth2`, and the browser
goes on to the console's success or failure page: 307 after a GET, 303 after a POST (as PocketBase, with
a relative location, so a deployment under a path prefix works too).
"""

from __future__ import annotations

from flask import Blueprint, redirect, request

from ..core import oauth2
from .util import core

bp = Blueprint("oauth2_redirect", __name__)

SUCCESS = "../_/#/auth/oauth2-redirect-success"
FAILURE = "../_/#/auth/oauth2-redirect-failure"


@bp.route("/api/oauth2-redirect", methods=["GET", "POST"])
def oauth2_redirect():
    values = request.args if request.method == "GET" else _posted()
    ok = oauth2.deliver(
        core(), values.get("state", ""), values.get("code", ""), values.get("error", ""), values.get("user", "")
    )
    return redirect(SUCCESS if ok else FAILURE, 307 if request.method == "GET" else 303)


def _posted() -> dict[str, str]:
    if request.is_json:
        data = request.get_json(silent=True)
        return {key: value for key, value in data.items() if isinstance(value, str)} if isinstance(data, dict) else {}
    return {key: request.form.get(key, "") for key in request.form}
