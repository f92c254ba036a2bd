"""`/api/oauth2-redirect`: hand the provider's answer to the SDK waiting on the realtime topic `@oauth2`.

The SDK's all-in-one flow (`authWithOAuth2({provider})`) subscribes to `@oauth2` and sends its realtime
client id as the OAuth2 `state`; the provider redirects the browser here with `code` and `state` (GET, or
a form POST for Apple's `response_mode=form_post`). `deliver` sends `{state, code, error?}` to that client
only, wherever it is connected (another worker or node included), and says whether the sign-in may go
on; the API then redirects the popup to the console's success or failure page.

Apple posts the person's name (`user`) only here and only on the first consent; it is kept in this
process for `NAME_TTL` seconds under the code, for the `auth-with-oauth2` call that follows.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from ..realtime.topics import OAUTH2_TOPIC

if TYPE_CHECKING:
    from ..app import App

log = logging.getLogger("baas.auth.oauth2")

NAME_TTL = 60.0
MAX_NAME = 150
_names: dict[str, tuple[float, str]] = {}
_names_lock = threading.Lock()


def deliver(app: "App", state: str, code: str, error: str = "", apple_user: str = "") -> bool:
    """Send the redirect's values to the client whose id is `state`; True when the client got them and
    they carry a code (the popup's success page), False otherwise (its failure page)."""
    if not state:
        log.debug("OAuth2 redirect without state")
        return False
    if apple_user and code and not error:
        remember_name(code, apple_user)
    message: dict[str, Any] = {"state": state, "code": code}
    if error:
        message["error"] = error
    try:
        sent = app.realtime.send(state, OAUTH2_TOPIC, message, subscribed_only=True)
    except Exception:  # a broken broker must not turn the redirect into a 500
        log.exception("delivering the OAuth2 redirect to %s failed", state)
        return False
    if not sent:
        log.debug("OAuth2 redirect for a missing or unsubscribed realtime client %s", state)
        return False
    return bool(code) and not error


def remember_name(code: str, apple_user: str) -> None:
    try:
        names = json.loads(apple_user).get("name") or {}
        full = f"{names.get('firstName') or ''} {names.get('lastName') or ''}"[:MAX_NAME].strip()
    except (ValueError, AttributeError, TypeError):
        return
    if not full or len(code) > 1000:
        return
    now = time.monotonic()
    with _names_lock:
        for key in [key for key, (expires, _) in _names.items() if expires < now]:
            del _names[key]
        _names[code] = (now + NAME_TTL, full)


def take_name(code: str) -> str:
    """The name Apple posted with `code` (once), or ""."""
    with _names_lock:
        found = _names.pop(code, None)
    return found[1] if found and found[0] >= time.monotonic() else ""
