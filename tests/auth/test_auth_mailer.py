"""The mailer: SMTP options (STARTTLS, implicit TLS, AUTH PLAIN/LOGIN, EHLO name), the background queue
(after commit, never blocking the request), the mail hook, templates and POST /api/settings/test/email."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import ssl
import time

import pytest
from aiosmtpd.smtp import AuthResult
from authkit import SMTPServer, create_user, token_of
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from baas.core import record_mails
from baas.core.mailer import Address, Mailer, MailerError, Message, SMTPClient, html_to_text
from baas.hooks import hookimpl


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (server context, client context trusting it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    return server, str(cert_path)


@pytest.fixture
def trust(monkeypatch, certificate):
    monkeypatch.setattr(SMTPClient, "ssl_context_factory", staticmethod(lambda: ssl.create_default_context(cafile=certificate[1])))


def message(to="to@example.com", subject="Hello") -> Message:
    return Message(sender=Address("from@example.com", "Sender Name"), to=[Address(to)], subject=subject, html="<p>Hi <a href='https://x.test/a'>link</a></p>")


class Credentials:
    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.seen.append((mechanism, auth_data.login, auth_data.password))
        ok = auth_data.login == b"mailuser" and auth_data.password == b"mail-pass"
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 235 / 535 itself


@pytest.mark.parametrize("method", ["PLAIN", "LOGIN"])
def test_starttls_with_auth(certificate, trust, method):
    credentials = Credentials()
    server = SMTPServer(tls_context=certificate[0], require_starttls=True, authenticator=credentials, auth_required=True).start()
    try:
        settings = server.settings(username="mailuser", password="mail-pass", authMethod=method, localName="app.example.com")
        SMTPClient(settings).send(message())
        mail = server.mailbox.wait(to="to@example.com")
    finally:
        server.stop()
    assert mail.session["tls"] is True and mail.session["host_name"] == "app.example.com"
    assert credentials.seen == [(method, b"mailuser", b"mail-pass")]
    assert mail.headers["From"] == "Sender Name <from@example.com>" and mail.subject == "Hello"
    assert mail.text.strip() == "Hi [link](https://x.test/a)"


def test_wrong_credentials_raise(certificate, trust):
    server = SMTPServer(tls_context=certificate[0], authenticator=Credentials(), auth_required=True).start()
    try:
        with pytest.raises(MailerError):
            SMTPClient(server.settings(username="mailuser", password="nope")).send(message())
    finally:
        server.stop()


def test_implicit_tls(certificate, trust):
    server = SMTPServer(ssl_context=certificate[0]).start()
    try:
        SMTPClient(server.settings(tls=True)).send(message())
        assert server.mailbox.wait(to="to@example.com").subject == "Hello"
    finally:
        server.stop()


def test_an_untrusted_certificate_is_refused(certificate):
    server = SMTPServer(tls_context=certificate[0], require_starttls=True).start()
    try:
        with pytest.raises(MailerError):
            SMTPClient(server.settings()).send(message())
    finally:
        server.stop()


def test_html_to_text():
    html = "<html><head><style>p{}</style></head><body><p>One &amp; two</p><p>Go <a href='https://a.test'>here</a></p></body></html>"
    assert html_to_text(html) == "One & two\nGo [here](https://a.test)"


def test_the_request_does_not_wait_for_a_slow_smtp_server(client, core):
    slow = SMTPServer(delay=1.5).start()
    try:
        core.settings.update({"smtp": slow.settings()})
        create_user(client, "slow@example.com")
        started = time.monotonic()
        assert client.post("/api/collections/users/request-verification", json={"email": "slow@example.com"}).status_code == 204
        assert time.monotonic() - started < 1.0
        assert slow.mailbox.wait(to="slow@example.com", timeout=10).subject.startswith("Verify")
    finally:
        Mailer.wait_idle()
        slow.stop()


def test_mail_queued_in_a_transaction_waits_for_the_commit(mail_core, mailbox):
    mailer = Mailer(mail_core)
    with pytest.raises(RuntimeError):
        with mail_core.db.transaction():
            mailer.queue(message("rolled@example.com"))
            raise RuntimeError("roll back")
    with mail_core.db.transaction():
        mailer.queue(message("committed@example.com"))
        time.sleep(0.2)
        assert mailbox.matching(to="committed@example.com") == []
    mailbox.wait(to="committed@example.com")
    Mailer.wait_idle()
    assert mailbox.matching(to="rolled@example.com") == []


def test_the_mail_hook_may_change_or_cancel_a_message(client, mail_core, mailbox):
    seen = []

    class Plugin:
        @hookimpl
        def baas_mailer_send(self, event):
            seen.append((event.kind, event.record.get("email") if event.record else None, sorted(event.meta)))
            if event.kind == "password-reset":
                return "cancelled"
            event.message.subject = "[Acme] " + event.message.subject
            event.message.bcc.append(Address("audit@example.com"))

    mail_core.hooks.register(Plugin(), "test-mailer")
    create_user(client, "hooked@example.com")
    client.post("/api/collections/users/request-password-reset", json={"email": "hooked@example.com"})
    client.post("/api/collections/users/request-verification", json={"email": "hooked@example.com"})
    mail = mailbox.wait(to="hooked@example.com")
    Mailer.wait_idle()
    assert mail.subject == "[Acme] Verify your Acme email"
    assert "audit@example.com" in mail.recipients and "audit" not in mail.headers.get("To", "")
    assert len(mailbox.messages) == 1  # the reset email was cancelled
    assert seen == [("password-reset", "hooked@example.com", ["token"]), ("verification", "hooked@example.com", ["token"])]


def test_smtp_disabled_or_down_never_fails_the_request(client, core, caplog):
    create_user(client, "quiet@example.com")
    with caplog.at_level(logging.WARNING, logger="baas.mailer"):
        assert client.post("/api/collections/users/request-verification", json={"email": "quiet@example.com"}).status_code == 204
        Mailer.wait_idle()
    assert "SMTP is disabled" in caplog.text
    core.settings.update({"smtp": {"enabled": True, "host": "127.0.0.1", "port": 1}})
    with caplog.at_level(logging.ERROR, logger="baas.mailer"):
        assert client.post("/api/collections/users/request-password-reset", json={"email": "quiet@example.com"}).status_code == 204
        Mailer.wait_idle()
    assert "not sent" in caplog.text


def test_record_placeholders_are_escaped_except_plain_values(client, mail_core, mailbox, su_headers):
    client.patch(
        "/api/collections/users",
        json={"verificationTemplate": {
            "subject": "{APP_NAME} for {RECORD:name}",
            "body": "<p>{RECORD:name}|{RECORD:verified}|{RECORD:emailVisibility}|{RECORD:id}|{RECORD:tokenKey}|{APP_URL}|{TOKEN}</p>",
        }},
        headers=su_headers,
    )
    user = create_user(client, "ph@example.com", name='<img src="x">', emailVisibility=True)
    client.post("/api/collections/users/request-verification", json={"email": "ph@example.com"})
    mail = mailbox.wait(to="ph@example.com")
    token = mail.html.split("|")[-1].split("</p>")[0]
    assert mail.subject == 'Acme for &lt;img src=&quot;x&quot;&gt;'
    assert f"<p>&lt;img src=&quot;x&quot;&gt;|false|true|{user['id']}|{{RECORD:tokenKey}}|https://acme.test|{token}</p>" in mail.html


@pytest.mark.parametrize(
    ("template", "subject", "marker"),
    [
        ("verification", "Verify your Acme email", "/_/#/auth/confirm-verification/"),
        ("password-reset", "Reset your Acme password", "/_/#/auth/confirm-password-reset/"),
        ("email-change", "Confirm your Acme new email address", "/_/#/auth/confirm-email-change/"),
        ("otp", "OTP for Acme", "123456"),
        ("login-alert", "Login from a new location", "TEST_IP TEST_USER_AGENT"),
    ],
)
def test_the_test_email_endpoint(client, mail_core, mailbox, su_headers, template, subject, marker):
    response = client.post(
        "/api/settings/test/email", json={"email": "probe@example.com", "template": template, "collection": "users"}, headers=su_headers
    )
    assert response.status_code == 204, response.get_data(as_text=True)
    mail = mailbox.matching(to="probe@example.com")[0]  # sent before the answer
    assert mail.subject == subject and marker in mail.html


def test_the_test_email_endpoint_validates_and_reports_failures(client, core, su_headers, superuser):
    response = client.post("/api/settings/test/email", json={"email": "x", "template": "nope", "collection": "posts"}, headers=su_headers)
    assert response.status_code == 400
    assert response.get_json()["message"] == "Failed to send the test email."
    assert {key: value["code"] for key, value in response.get_json()["data"].items()} == {
        "email": "validation_is_email", "template": "validation_in_invalid", "collection": "validation_invalid_auth_collection",
    }
    assert client.post("/api/settings/test/email", json={}).status_code == 401
    create_user(client, "plain@example.com")
    user_headers = {"Authorization": token_of(client, "plain@example.com")}
    assert client.post("/api/settings/test/email", json={}, headers=user_headers).status_code == 403
    core.settings.update({"smtp": {"enabled": True, "host": "127.0.0.1", "port": 1}})
    response = client.post("/api/settings/test/email", json={"email": "a@example.com", "template": "otp"}, headers=su_headers)
    assert response.get_json() == {"status": 400, "message": "Failed to send the test email.", "data": {}}


def test_record_mails_templates_are_per_collection(mail_core, mailbox, client, su_headers):
    client.patch("/api/collections/users", json={"resetPasswordTemplate": {"subject": "Users reset", "body": "<p>{TOKEN}</p>"}}, headers=su_headers)
    user = create_user(client, "per@example.com")
    record = mail_core.records_repo.find(mail_core.collections.get("users"), user["id"])
    record_mails.send_password_reset(mail_core, record, now=True)
    assert mailbox.matching(to="per@example.com")[0].subject == "Users reset"
