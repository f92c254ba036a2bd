"""Sign-in, the installer, sign-out, session cookie and expiry, CSRF, and the sign-in gate on every page."""

from __future__ import annotations

import time

import pytest

from baas.core import superusers

#: every console page a signed-out visitor might try (GET), with the collection fixtures in place
PROTECTED_PAGES = [
    "/_/",
    "/_/collections/new",
    "/_/collections/posts/edit",
    "/_/collections/posts/delete",
    "/_/collections/posts/records",
    "/_/collections/posts/records/new",
    "/_/collections/posts/records/RECORD",
    "/_/collections/posts/records/RECORD/delete",
    "/_/collections/posts/lookup?q=x",
    "/_/collections/posts/api",
    "/_/settings",
    "/_/settings?section=mail",
]
#: every console endpoint that changes something (POST)
UNSAFE_ENDPOINTS = [
    "/_/logout",
    "/_/collections/new",
    "/_/collections/posts/edit",
    "/_/collections/posts/delete",
    "/_/collections/posts/records/new",
    "/_/collections/posts/records/RECORD",
    "/_/collections/posts/records/RECORD/delete",
    "/_/collections/posts/records/bulk-delete",
    "/_/settings/application",
    "/_/settings/test-email",
    "/_/settings/test-storage",
]


@pytest.fixture
def record_id(core, posts):
    from baas.core.context import RequestContext

    return core.records.create(posts, RequestContext.system(), {"title": "first"}).id


# ---- the gate ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", PROTECTED_PAGES)
def test_every_page_needs_a_superuser_session(console, superuser, record_id, url):
    response = console.get(url.replace("RECORD", record_id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/_/login")


@pytest.mark.parametrize("url", UNSAFE_ENDPOINTS)
def test_every_unsafe_endpoint_needs_a_session_too(console, superuser, record_id, url):
    token = console.csrf("/_/login")
    response = console.post_raw(url.replace("RECORD", record_id), {"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/_/login")


@pytest.mark.parametrize("url", UNSAFE_ENDPOINTS)
def test_every_form_is_rejected_without_a_csrf_token(signed_in, record_id, core, posts, url):
    before = core.records_repo.count(posts)
    response = signed_in.post_raw(url.replace("RECORD", record_id), {"title": "changed", "confirm_name": "posts"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert core.collections.get("posts") is not None
    assert core.records_repo.count(posts) == before


def test_a_forged_csrf_token_is_rejected(signed_in, core, posts):
    response = signed_in.post_raw("/_/collections/posts/delete", {"csrf_token": "forged", "confirm_name": "posts"})
    assert response.status_code == 400
    assert core.collections.get("posts") is not None


def test_a_token_from_another_session_is_rejected(app, signed_in, core, posts):
    from console_support import CSRF_PATTERN

    other = app.test_client()
    foreign = CSRF_PATTERN.search(other.get("/_/login").get_data(as_text=True)).group(1)
    response = signed_in.post_raw("/_/collections/posts/delete", {"csrf_token": foreign, "confirm_name": "posts"})
    assert response.status_code == 400
    assert core.collections.get("posts") is not None


def test_the_json_api_is_not_subject_to_csrf(client, superuser):
    """API clients authenticate with tokens; a cookie-less JSON POST/PATCH must work without a CSRF token."""
    response = client.post(
        "/api/collections/_superusers/auth-with-password", json={"identity": "admin@example.com", "password": "Passw0rd!23"}
    )
    assert response.status_code == 200
    response = client.patch("/api/settings", json={"meta": {"appName": "Via API"}}, headers={"Authorization": superuser[1]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "baas_console" not in response.headers.get("Set-Cookie", "")


def test_api_responses_never_set_the_console_cookie(signed_in):
    response = signed_in.get("/api/health")
    assert "Set-Cookie" not in response.headers


# ---- sign in / out -------------------------------------------------------------------------------------
def test_sign_in_page_renders_with_a_csrf_token(console, superuser):
    html = console.text("/_/login")
    assert 'name="csrf_token"' in html
    assert 'type="password"' in html


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(console, superuser):
    response = console.sign_in(password="wrong-password")
    assert response.status_code == 200
    assert "Invalid email or password." in response.get_data(as_text=True)
    assert console.get("/_/settings").status_code == 302


def test_unknown_email_is_refused(console, superuser):
    response = console.sign_in(email="nobody@example.com")
    assert "Invalid email or password." in response.get_data(as_text=True)


def test_a_regular_auth_record_cannot_sign_in(console, superuser, core):
    from baas.core.context import RequestContext

    users = core.collections.get("users")
    core.records.create(users, RequestContext.system(), {"email": "user@example.com", "password": "Passw0rd!23", "passwordConfirm": "Passw0rd!23"})
    response = console.sign_in(email="user@example.com")
    assert "Invalid email or password." in response.get_data(as_text=True)


def test_sign_in_then_out(console, superuser):
    response = console.sign_in()
    assert response.status_code == 302
    assert response.headers["Location"] == "/_/"
    assert console.get("/_/settings").status_code == 200
    response = console.post("/_/logout", token_from="/_/settings")
    assert response.status_code == 302 and response.headers["Location"] == "/_/login"
    assert console.get("/_/settings").status_code == 302


def test_sign_out_needs_post(signed_in):
    assert signed_in.get("/_/logout").status_code == 405
    assert signed_in.get("/_/settings").status_code == 200


def test_next_parameter_returns_to_the_page(console, superuser):
    response = console.get("/_/settings?section=mail")
    assert "next=" in response.headers["Location"]
    response = console.post("/_/login?next=/_/settings?section%3Dmail", {"email": "admin@example.com", "password": "Passw0rd!23"})
    assert response.headers["Location"] == "/_/settings?section=mail"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/api/settings", "javascript:alert(1)", "/_/\\\\evil"])
def test_next_parameter_never_leaves_the_console(console, superuser, target):
    response = console.post(f"/_/login?next={target}", {"email": "admin@example.com", "password": "Passw0rd!23"}, token_from="/_/login")
    assert response.headers["Location"] == "/_/"


# ---- the session cookie ----------------------------------------------------------------------------------
def _console_cookie(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("baas_console=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_is_httponly_samesite_and_scoped_to_the_console(console, superuser):
    cookie = _console_cookie(console.sign_in())
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/_/" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1 keeps working


def test_session_cookie_is_secure_over_https(console, superuser):
    token = console.csrf("/_/login")
    response = console.client.post(
        "/_/login",
        data={"email": "admin@example.com", "password": "Passw0rd!23", "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/_/login"},  # Flask-WTF checks the referrer over https
    )
    assert response.status_code == 302
    assert "Secure" in _console_cookie(response)


def test_console_pages_are_not_cached_and_carry_a_strict_csp(signed_in, posts):
    response = signed_in.get("/_/collections/posts/records")
    assert response.headers["Cache-Control"] == "no-store"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


# ---- expiry ---------------------------------------------------------------------------------------------
def test_session_expires_after_its_lifetime(app, signed_in, monkeypatch):
    app.config["CONSOLE_SESSION_LIFETIME"] = 60
    assert signed_in.get("/_/settings").status_code == 200
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 61)
    response = signed_in.get("/_/settings")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    monkeypatch.setattr(time, "time", real)
    assert signed_in.get("/_/settings").status_code == 302  # signed out for good
    assert "Your session expired" in signed_in.text("/_/login?expired=1")


def test_default_lifetime_is_the_superusers_auth_token_duration(app, core):
    from baas.admin_ui.auth import session_lifetime

    core.collections_service.update("_superusers", {"authToken": {"duration": 3600}})
    with app.test_request_context("/_/"):
        assert session_lifetime() == 3600


def test_changing_the_password_ends_existing_sessions(signed_in, core):
    superusers.upsert(core, "admin@example.com", "An0ther-Passw0rd")
    response = signed_in.get("/_/settings")
    assert response.status_code == 302


def test_deleting_the_superuser_ends_the_session(signed_in, core):
    superusers.delete(core, "admin@example.com")
    assert signed_in.get("/_/settings").status_code == 302


# ---- installer ------------------------------------------------------------------------------------------
def test_first_visit_without_superusers_leads_to_the_installer(console):
    response = console.get("/_/")
    assert response.headers["Location"].startswith("/_/login")
    response = console.get("/_/login")
    assert response.headers["Location"] == "/_/install"
    assert "Create your first superuser" in console.text("/_/install")


def test_installer_creates_the_superuser_and_signs_in(console, core):
    response = console.post(
        "/_/install", {"email": "owner@example.com", "password": "Sup3r-secret", "password_confirm": "Sup3r-secret"}
    )
    assert response.status_code == 302
    assert superusers.exists(core)
    assert console.get("/_/settings").status_code == 200


def test_installer_checks_the_confirmation_and_length(console, core):
    response = console.post("/_/install", {"email": "owner@example.com", "password": "Sup3r-secret", "password_confirm": "other"})
    assert "Passwords don&#39;t match." in response.get_data(as_text=True) or "Passwords don't match." in response.get_data(as_text=True)
    response = console.post("/_/install", {"email": "owner@example.com", "password": "short", "password_confirm": "short"})
    assert response.status_code == 200
    assert not superusers.exists(core)


def test_installer_closes_once_a_superuser_exists(console, superuser, core):
    assert console.get("/_/install").headers["Location"] == "/_/login"
    token = console.csrf("/_/login")
    response = console.post_raw(
        "/_/install", {"csrf_token": token, "email": "intruder@example.com", "password": "Sup3r-secret", "password_confirm": "Sup3r-secret"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/_/login"
    collection = core.collections.get("_superusers")
    assert core.records_repo.count(collection) == 1
