"""Superuser sign-in for the console: flask-login over `_superusers` records, the installer, sign-out.

* The session stores `<record id>:<fingerprint of its tokenKey>`; the records service renews `tokenKey`
  whenever the password changes, so a password change signs every console session of that superuser out.
* A session lasts as long as the `_superusers` auth token (`authToken.duration`, 1 day by default) from
  the moment of sign-in, whatever the activity; `CONSOLE_SESSION_LIFETIME` (seconds) overrides it.
* While no superuser exists, every console URL leads to the installer, which creates the first one and
  closes itself: once a superuser exists it only redirects to sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from baas.core import superusers
from baas.core.auth import password_sign_in
from baas.errors import ApiError

from .forms import InstallForm, SignInForm, apply_api_errors
from .site import core, render

SIGNED_IN_AT = "console_signed_in_at"
DEFAULT_LIFETIME = 86400

login_manager = LoginManager()


class ConsoleUser(UserMixin):
    """A signed-in superuser: wraps the `_superusers` record the services get as `RequestContext.auth`."""

    def __init__(self, record):
        self.record = record

    @property
    def email(self) -> str:
        return self.record.get("email", "")

    def get_id(self) -> str:
        return f"{self.record.id}:{_fingerprint(self.record.get('tokenKey', ''))}"


def _fingerprint(token_key: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, token_key.encode(), hashlib.sha256).hexdigest()[:32]


def _load_user(session_id: str) -> ConsoleUser | None:
    record_id, _, fingerprint = session_id.partition(":")
    collection = core().collections.get(superusers.SUPERUSERS)
    record = core().records_repo.find(collection, record_id) if collection is not None and record_id else None
    if record is None or not hmac.compare_digest(fingerprint, _fingerprint(record.get("tokenKey", ""))):
        return None
    return ConsoleUser(record)


def init_app(flask_app: Flask) -> None:
    login_manager.init_app(flask_app)
    login_manager.user_loader(_load_user)
    login_manager.session_protection = "basic"


def session_lifetime() -> int:
    configured = current_app.config.get("CONSOLE_SESSION_LIFETIME")
    if configured:
        return int(configured)
    collection = core().collections.get(superusers.SUPERUSERS)
    duration = collection.options.get("authToken", {}).get("duration") if collection is not None else None
    return int(duration or DEFAULT_LIFETIME)


def session_expired() -> bool:
    """Sign out a session older than its lifetime; True when that just happened."""
    if not current_user.is_authenticated:
        return False
    started = session.get(SIGNED_IN_AT)
    if isinstance(started, (int, float)) and time.time() - started <= session_lifetime():
        return False
    logout_user()
    session.clear()
    return True


def _safe_next(target: str | None) -> str:
    """Only a path inside the console: never another host (`//evil`, `https://...`) or scheme."""
    if not target:
        return url_for("admin_ui.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/_/") or "\\" in target:
        return url_for("admin_ui.index")
    return target


def _start_session(record) -> None:
    session.clear()  # no state from before sign-in survives it
    session.permanent = True
    login_user(ConsoleUser(record))
    session[SIGNED_IN_AT] = int(time.time())


# ---- views ----------------------------------------------------------------------------------------
def login():
    if not superusers.exists(core()):
        return redirect(url_for("admin_ui.install"))
    if current_user.is_authenticated:
        return redirect(url_for("admin_ui.index"))
    form = SignInForm()
    if request.args.get("expired"):
        flash("Your session expired. Sign in again.", "warning")
    if form.validate_on_submit():
        collection = core().collections.get(superusers.SUPERUSERS)
        try:
            record = password_sign_in(core(), collection, form.email.data.strip(), form.password.data)
        except ApiError:
            form.password.errors.append("Invalid email or password.")
        else:
            _start_session(record)
            return redirect(_safe_next(request.args.get("next")))
    return render("login.html", form=form, title="Sign in")


def logout():
    logout_user()
    session.clear()
    flash("You have been signed out.", "info")
    return redirect(url_for("admin_ui.login"))


def install():
    """Create the first superuser; closed for good once one exists."""
    if superusers.exists(core()):
        return redirect(url_for("admin_ui.login"))
    form = InstallForm()
    if form.validate_on_submit():
        try:
            record = superusers.upsert(core(), form.email.data.strip(), form.password.data)
        except ApiError as error:
            apply_api_errors(form, error)
        else:
            _start_session(record)
            flash("Superuser created. Welcome!", "success")
            return redirect(url_for("admin_ui.index"))
    return render("install.html", form=form, title="Create the first superuser")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
    bp.add_url_rule("/install", "install", install, methods=["GET", "POST"])
