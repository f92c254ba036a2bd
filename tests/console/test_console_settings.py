"""Settings screens, the API preview, the start page and the per-collection template overrides."""

from __future__ import annotations

import pytest

SECTIONS = ["application", "mail", "storage", "batch", "rate-limits", "proxy"]


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_renders_and_saves_unchanged(signed_in, core, section):
    before = core.settings.get()
    values = signed_in.form(f"/_/settings?section={section}", "settings-form")
    response = signed_in.submit(f"/_/settings/{section}", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/_/settings?section={section}"
    assert core.settings.get() == before


def test_change_the_application_name(signed_in, core):
    values = signed_in.form("/_/settings?section=application", "settings-form")
    values.set("appName", "Acme <Backend>").set("appURL", "https://acme.example.com")
    assert signed_in.submit("/_/settings/application", values).status_code == 302
    assert core.settings.get()["meta"]["appName"] == "Acme <Backend>"
    assert core.settings.get()["meta"]["appURL"] == "https://acme.example.com"
    html = signed_in.text("/_/settings")
    assert "Acme &lt;Backend&gt;" in html and "<Backend>" not in html  # the title in the header, escaped


def test_validation_errors_are_shown(signed_in, core):
    values = signed_in.form("/_/settings?section=application", "settings-form").set("appURL", "not a url")
    response = signed_in.submit("/_/settings/application", values)
    assert response.status_code == 400
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert core.settings.get()["meta"]["appURL"] != "not a url"
    values = signed_in.form("/_/settings?section=batch", "settings-form").set("maxRequests", "0")
    assert signed_in.submit("/_/settings/batch", values).status_code == 400


def test_smtp_password_is_write_only(signed_in, core):
    values = signed_in.form("/_/settings?section=mail", "settings-form")
    values.set("enabled", "on").set("host", "mail.example.com").set("port", "2525").set("username", "mailer")
    values.set("password", "SMTP-SECRET-123")
    assert signed_in.submit("/_/settings/mail", values).status_code == 302
    assert core.settings.get()["smtp"]["password"] == "SMTP-SECRET-123"
    html = signed_in.text("/_/settings?section=mail")
    assert "SMTP-SECRET-123" not in html
    assert 'data-testid="secret-stored"' in html
    values = signed_in.form("/_/settings?section=mail", "settings-form")
    assert values.get("password") == ""
    assert signed_in.submit("/_/settings/mail", values.set("port", "2526")).status_code == 302
    assert core.settings.get()["smtp"] == {**core.settings.get()["smtp"], "password": "SMTP-SECRET-123", "port": 2526}


def test_s3_secret_is_write_only(signed_in, core):
    values = signed_in.form("/_/settings?section=storage", "settings-form")
    values.set("enabled", "on").set("bucket", "files").set("region", "eu-1").set("endpoint", "http://127.0.0.1:9000")
    values.set("accessKey", "AKIA-TEST").set("secret", "S3-SECRET-456").set("forcePathStyle", "on")
    assert signed_in.submit("/_/settings/storage", values).status_code == 302
    stored = core.settings.get()["s3"]
    assert stored["secret"] == "S3-SECRET-456" and stored["forcePathStyle"] is True and stored["bucket"] == "files"
    for section in SECTIONS:
        assert "S3-SECRET-456" not in signed_in.text(f"/_/settings?section={section}")


def test_rate_limit_rules(signed_in, core):
    values = signed_in.form("/_/settings?section=rate-limits", "settings-form")
    assert values.get("rules-0-label") == "*:auth"
    values.set("enabled", "on").set("excludedIPs", "10.0.0.1\n10.0.0.2")
    values.remove_prefix("rules-3-")  # remove the /api/ rule
    values.add("rules-9-label", "/api/custom").add("rules-9-audience", "@guest").add("rules-9-duration", "60").add("rules-9-maxRequests", "5")
    # the page's script renumbers rows before posting; do the same
    renumbered, seen = [], {}
    for name, value in values.pairs:
        if name.startswith("rules-"):
            _, index, key = name.split("-", 2)
            name = f"rules-{seen.setdefault(index, len(seen))}-{key}"
        renumbered.append((name, value))
    values.pairs = renumbered
    response = signed_in.submit("/_/settings/rate-limits", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    limits = core.settings.get()["rateLimits"]
    assert limits["enabled"] is True and limits["excludedIPs"] == ["10.0.0.1", "10.0.0.2"]
    assert [rule["label"] for rule in limits["rules"]] == ["*:auth", "*:create", "/api/batch", "/api/custom"]
    assert limits["rules"][-1] == {"label": "/api/custom", "audience": "@guest", "duration": 60, "maxRequests": 5}


def test_trusted_proxy_and_batch(signed_in, core):
    values = signed_in.form("/_/settings?section=proxy", "settings-form").set("headers", "X-Forwarded-For\nX-Real-IP").set("useLeftmostIP", "on")
    assert signed_in.submit("/_/settings/proxy", values).status_code == 302
    assert core.settings.get()["trustedProxy"] == {"headers": ["X-Forwarded-For", "X-Real-IP"], "useLeftmostIP": True}
    values = signed_in.form("/_/settings?section=batch", "settings-form").set("enabled", "on").set("maxRequests", "20")
    assert signed_in.submit("/_/settings/batch", values).status_code == 302
    assert core.settings.get()["batch"]["enabled"] is True and core.settings.get()["batch"]["maxRequests"] == 20


def test_unknown_section_is_a_404(signed_in):
    assert signed_in.get("/_/settings?section=nope").status_code == 404
    assert signed_in.post("/_/settings/nope", {}, token_from="/_/settings").status_code == 404


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from support.server import free_port

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_send_test_email_through_the_saved_smtp_settings(signed_in, core, smtp_server):
    controller, inbox = smtp_server
    core.settings.update({"smtp": {"enabled": True, "host": "127.0.0.1", "port": controller.port, "tls": False}})
    response = signed_in.post(
        "/_/settings/test-email", {"email": "me@example.com", "template": "verification"}, token_from="/_/settings?section=mail"
    )
    assert response.status_code == 302
    assert "Test email sent to me@example.com." in signed_in.text("/_/settings?section=mail")
    (recipients, content), = inbox.messages
    assert recipients == ["me@example.com"] and "Verify" in content


def test_send_test_email_reports_failures(signed_in, core):
    from support.server import free_port

    core.settings.update({"smtp": {"enabled": True, "host": "127.0.0.1", "port": free_port(), "tls": False}})
    signed_in.post("/_/settings/test-email", {"email": "me@example.com", "template": "otp"}, token_from="/_/settings?section=mail")
    assert "Failed to send the test email" in signed_in.text("/_/settings?section=mail")
    signed_in.post("/_/settings/test-email", {"email": "", "template": "otp"}, token_from="/_/settings?section=mail")
    assert "Enter an email address" in signed_in.text("/_/settings?section=mail")


def test_s3_connection_test_succeeds_against_a_real_s3_server(signed_in, core, s3_settings):
    core.settings.update({"s3": s3_settings})
    signed_in.post("/_/settings/test-storage", {}, token_from="/_/settings?section=storage")
    assert "S3 connection succeeded." in signed_in.text("/_/settings?section=storage")


def test_s3_connection_test_reports_failures(signed_in, core):
    from support.server import free_port

    signed_in.post("/_/settings/test-storage", {}, token_from="/_/settings?section=storage")
    assert "S3 storage filesystem is not enabled" in signed_in.text("/_/settings?section=storage")
    settings = {"enabled": True, "bucket": "nope", "region": "us-east-1", "endpoint": f"http://127.0.0.1:{free_port()}",
                "accessKey": "x", "secret": "y", "forcePathStyle": True}
    core.settings.update({"s3": settings})
    signed_in.post("/_/settings/test-storage", {}, token_from="/_/settings?section=storage")
    assert "S3 connection failed" in signed_in.text("/_/settings?section=storage")


def test_settings_link_to_superusers(signed_in):
    html = signed_in.text("/_/settings")
    assert 'href="/_/collections/_superusers/records"' in html


# ---- API preview -----------------------------------------------------------------------------------------
def test_api_preview_of_a_base_collection(signed_in, posts):
    html = signed_in.text("/_/collections/posts/api")
    for title in ("List/Search", "View", "Create", "Update", "Delete", "Realtime"):
        assert f'data-endpoint="{title}"' in html
    assert "pb.collection(&#34;posts&#34;).getList" in html
    assert "curl" in html and "/api/collections/posts/records" in html
    assert "Superusers only" in html


def test_api_preview_of_an_auth_collection(signed_in):
    html = signed_in.text("/_/collections/users/api")
    assert 'data-endpoint="Auth with password"' in html and "authWithPassword" in html


def test_api_preview_of_a_view_collection_has_no_writes(signed_in, core, posts):
    core.collections_service.create({"name": "titles", "type": "view", "viewQuery": "SELECT id, title FROM posts"})
    html = signed_in.text("/_/collections/titles/api")
    assert 'data-endpoint="List/Search"' in html and 'data-endpoint="Create"' not in html


# ---- start page and template overrides ---------------------------------------------------------------------
def test_start_page_without_collections_offers_to_create_one(signed_in, core):
    core.collections_service.delete("users")
    html = signed_in.text("/_/")
    assert "No collections yet" in html
    assert 'href="/_/collections/new?type=auth"' in html


def test_start_page_opens_the_first_collection(signed_in, posts):
    response = signed_in.get("/_/")
    assert response.status_code == 302 and response.headers["Location"] == "/_/collections/posts/records"


def test_sidebar_lists_user_and_system_collections(signed_in, posts):
    html = signed_in.text("/_/collections/posts/records")
    sidebar = html.split('aria-label="Collections"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/_/collections/posts/records"' in sidebar and 'href="/_/collections/tags/records"' in sidebar
    assert 'href="/_/collections/_superusers/records"' in sidebar


def test_templates_resolve_per_collection_first(app, signed_in, posts):
    from jinja2 import ChoiceLoader, DictLoader

    override = {"admin_ui/collections/posts/change_list.html": "{% extends 'admin_ui/change_list.html' %}{% block search %}<p>custom posts search</p>{% endblock %}"}
    app.jinja_env.loader = ChoiceLoader([DictLoader(override), app.jinja_env.loader])
    app.jinja_env.cache.clear() if app.jinja_env.cache is not None else None
    assert "custom posts search" in signed_in.text("/_/collections/posts/records")
    assert "custom posts search" not in signed_in.text("/_/collections/tags/records")


def test_widgets_resolve_per_collection_first(app, signed_in, posts):
    from jinja2 import ChoiceLoader, DictLoader

    override = {"admin_ui/collections/posts/widgets/number.html": "<p>custom number widget for {{ field.name }}</p>"}
    app.jinja_env.loader = ChoiceLoader([DictLoader(override), app.jinja_env.loader])
    assert "custom number widget for views" in signed_in.text("/_/collections/posts/records/new")


def test_every_field_type_has_a_widget_template(app):
    from baas.schema.fields import field_types

    with app.app_context():
        for cls in field_types().values():
            app.jinja_env.get_template(f"admin_ui/widgets/{cls.widget}.html")


def test_bootstrap_is_served_locally(signed_in, posts):
    html = signed_in.text("/_/collections/posts/records")
    assert "cdn.jsdelivr" not in html and "https://" not in html.split("<body", 1)[0]
    for url in ("/bootstrap/static/css/bootstrap.min.css", "/bootstrap/static/js/bootstrap.min.js", "/bootstrap/static/umd/popper.min.js", "/_/static/admin_ui/console.js"):
        response = signed_in.get(url)
        response.close()
        assert response.status_code == 200, url
