"""Test helpers for the auth flows: a real SMTP server (aiosmtpd) with a mailbox, and small API helpers.

    server = SMTPServer().start()        # a free loopback port; .stop() at the end
    mail = server.mailbox.wait(to="a@example.com")
    token = link_token(mail, "confirm-verification")
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiosmtpd.controller import Controller

PASSWORD = "Secret-pass-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mail:
    envelope_from: str
    recipients: list[str]
    subject: str
    html: str
    text: str
    headers: dict[str, str]
    raw: bytes
    session: dict[str, Any] = field(default_factory=dict)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Mail] = []
        self._changed = threading.Condition()

    def add(self, mail: Mail) -> None:
        with self._changed:
            self.messages.append(mail)
            self._changed.notify_all()

    def clear(self) -> None:
        with self._changed:
            self.messages.clear()

    def matching(self, to: str | None = None, subject: str | None = None) -> list[Mail]:
        with self._changed:
            return [
                mail for mail in self.messages
                if (to is None or to in mail.recipients) and (subject is None or subject in mail.subject)
            ]

    def wait(self, to: str | None = None, *, subject: str | None = None, count: int = 1, timeout: float = 10) -> Mail:
        """The `count`-th message to `to` (and with `subject`), waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [
                    mail for mail in self.messages
                    if (to is None or to in mail.recipients) and (subject is None or subject in mail.subject)
                ]
                if len(found) >= count:
                    return found[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no message #{count} to {to!r} within {timeout}s; got {[m.recipients for m in self.messages]}")
                self._changed.wait(remaining)


class _Handler:
    def __init__(self, mailbox: Mailbox, delay: float = 0):
        self.mailbox = mailbox
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        html = text = ""
        for part in message.walk():
            if part.get_content_type() == "text/html":
                html = part.get_content()
            elif part.get_content_type() == "text/plain":
                text = part.get_content()
        self.mailbox.add(
            Mail(
                envelope_from=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                subject=str(message["Subject"] or ""),
                html=html,
                text=text,
                headers={key: str(value) for key, value in message.items()},
                raw=envelope.original_content or envelope.content,
                session={
                    "host_name": session.host_name,
                    "tls": session.ssl is not None,
                    "auth": getattr(session, "auth_data", None),
                },
            )
        )
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on 127.0.0.1 and a free port; extra keyword arguments go to aiosmtpd's SMTP class
    (`tls_context`, `require_starttls`, `authenticator`, ...), `ssl_context` makes it implicit TLS."""

    def __init__(self, *, delay: float = 0, ssl_context=None, **smtp_options: Any):
        self.mailbox = Mailbox()
        self.port = free_port()
        self.handler = _Handler(self.mailbox, delay)
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ssl_context=ssl_context, **smtp_options
        )

    def start(self) -> "SMTPServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """The `smtp` settings section pointing at this server."""
        return {"enabled": True, "host": "127.0.0.1", "port": self.port, "tls": False, **overrides}


LINK = r"/_/#/auth/{kind}/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)"


def link_token(mail: Mail, kind: str) -> str:
    """The token of a `{APP_URL}/_/#/auth/<kind>/<token>` link in the HTML part."""
    match = re.search(LINK.format(kind=re.escape(kind)), mail.html)
    assert match, f"no {kind} link in {mail.html!r}"
    return match.group(1)


def otp_code(mail: Mail) -> str:
    match = re.search(r"<strong>(\d+)</strong>", mail.html)
    assert match, mail.html
    return match.group(1)


def claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return orjson.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def create_user(client, email: str, password: str = PASSWORD, collection: str = "users", **fields: Any) -> dict:
    response = client.post(
        f"/api/collections/{collection}/records",
        json={"email": email, "password": password, "passwordConfirm": password, **fields},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def sign_in(client, email: str, password: str = PASSWORD, collection: str = "users", **extra: Any):
    return client.post(f"/api/collections/{collection}/auth-with-password", json={"identity": email, "password": password, **extra})


def token_of(client, email: str, password: str = PASSWORD, collection: str = "users") -> str:
    response = sign_in(client, email, password, collection)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["token"]
