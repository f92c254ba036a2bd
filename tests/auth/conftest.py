"""Fixtures of the auth tests: one real SMTP server per module, settings pointed at it per test.

    smtp        (module) authkit.SMTPServer on a free loopback port
    mailbox     smtp.mailbox, emptied before the test (after earlier background sends finished)
    mail_core   the App with SMTP and sender settings pointed at `smtp`
    users       the `users` collection

New passwords hash with bcrypt cost 4 here (the hashes stay `$2a$`, checks stay real) to keep the module
fast; a test that needs PocketBase's default cost 10 asks for the `real_bcrypt_cost` fixture.
"""

from __future__ import annotations

import pytest

from authkit import SMTPServer
from baas.core.mailer import Mailer
from baas.schema.fields import password as password_field

SENDER = {"senderName": "Acme Support", "senderAddress": "support@acme.test", "appName": "Acme", "appURL": "https://acme.test"}


@pytest.fixture(scope="module")
def smtp():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp):
    Mailer.wait_idle()
    smtp.mailbox.clear()
    yield smtp.mailbox
    Mailer.wait_idle()


@pytest.fixture
def mail_core(core, smtp, mailbox):
    core.settings.update({"smtp": smtp.settings(), "meta": SENDER})
    return core


@pytest.fixture
def users(core):
    return core.collections.get("users")


@pytest.fixture(autouse=True)
def fast_bcrypt(request, monkeypatch):
    if "real_bcrypt_cost" not in request.fixturenames:
        monkeypatch.setattr(password_field, "DEFAULT_COST", 4)


@pytest.fixture
def real_bcrypt_cost():
    """PocketBase's default bcrypt cost (10) for new passwords."""
    return password_field.DEFAULT_COST
