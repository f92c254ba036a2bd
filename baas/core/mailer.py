"""Email: messages, the SMTP client, the background send queue and the HTML layout.

    Mailer(app).queue(message, kind=..., record=..., meta=...)   after commit, on the background worker
    Mailer(app).send(message, ...)                               now, in the caller (the test-email endpoint)

Both fire `baas_mailer_send` (see `baas.hooks.specs`); baas's own implementation (`MailerDefaults`, a
`trylast` plugin) delivers through the SMTP settings (`settings.smtp`: host, port, `tls` = implicit TLS,
otherwise STARTTLS whenever the server offers it, optional PLAIN/LOGIN auth, `localName` for EHLO) with
the sender from `settings.meta`.

The queue is one daemon worker per process, created on first use: a real thread under the Flask dev server
and the test client, a greenlet under gunicorn's gevent worker (which patches `threading` before the app
loads). Nobody waits for a slow SMTP server, and a failed send is logged, never raised to a request.
"""

from __future__ import annotations

import logging
import queue
import re
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from html import escape
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, Callable

from .. import pid
from ..hooks import hookimpl
from ..hooks.events import MailerEvent

if TYPE_CHECKING:
    from .app import App
    from .records.record import Record

log = logging.getLogger("baas.mailer")

SMTP_TIMEOUT = 30  # seconds for connect and each command


@dataclass
class Address:
    address: str
    name: str = ""

    def __str__(self) -> str:
        return formataddr((self.name, self.address)) if self.name else self.address


@dataclass
class Message:
    """An email as plugins see it in `baas_mailer_send`; `text` is derived from `html` when empty."""

    sender: Address
    to: list[Address]
    subject: str
    html: str = ""
    text: str = ""
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def recipients(self) -> list[str]:
        return [item.address for item in (*self.to, *self.cc, *self.bcc) if item.address]

    def to_mime(self) -> EmailMessage:
        mime = EmailMessage()
        mime["From"] = str(self.sender)
        mime["To"] = ", ".join(str(item) for item in self.to)
        if self.cc:
            mime["Cc"] = ", ".join(str(item) for item in self.cc)
        mime["Subject"] = self.subject
        mime["Date"] = formatdate(localtime=False)
        domain = self.sender.address.rpartition("@")[2] or None
        mime["Message-ID"] = make_msgid(domain=domain)
        for name, value in self.headers.items():
            mime[name] = value
        mime.set_content(self.text or html_to_text(self.html))
        if self.html:
            mime.add_alternative(self.html, subtype="html")
        return mime


# ---- HTML -----------------------------------------------------------------------------------------
LAYOUT = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="viewport" content="width=device-width,initial-scale=1" />
<style>
body {{ margin: 0; padding: 20px 30px; color: #16161a; background: #fff; font: 14px/20px sans-serif; }}
p {{ margin: 10px 0; }}
.btn {{ display: inline-block; padding: 0 20px; line-height: 40px; border-radius: 6px;
        color: #fff !important; background: #16161a; text-decoration: none; }}
</style>
</head>
<body>
{content}
</body>
</html>
"""


def render_layout(content_html: str) -> str:
    """Wrap an email template's body (HTML written by the admin) in baas's email page."""
    return LAYOUT.format(content=content_html)


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table"}
    SKIP = {"style", "script", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
            self.parts.append("[")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "a" and self.links:
            href = self.links.pop()
            self.parts.append(f"]({href})" if href else "]")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """A plain-text alternative of an HTML email: block tags become lines, links `[text](href)`."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)


def escape_html(value: Any) -> str:
    return escape(str(value), quote=True)


# ---- SMTP -----------------------------------------------------------------------------------------
class MailerError(Exception):
    pass


class SMTPClient:
    """Deliver one message with the SMTP settings (`settings.smtp`)."""

    #: builds the TLS context; tests point it at their own certificate authority
    ssl_context_factory: Callable[[], ssl.SSLContext] = staticmethod(ssl.create_default_context)
    timeout = SMTP_TIMEOUT

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings

    def send(self, message: Message) -> None:
        recipients = message.recipients()
        if not recipients:
            raise MailerError("the message has no recipients")
        host, port = self.settings.get("host") or "localhost", int(self.settings.get("port") or 25)
        local_name = self.settings.get("localName") or "localhost"
        try:
            if self.settings.get("tls"):
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port, local_hostname=local_name, timeout=self.timeout, context=self.ssl_context_factory()
                )
            else:
                smtp = smtplib.SMTP(host, port, local_hostname=local_name, timeout=self.timeout)
            with smtp:
                smtp.ehlo()
                if not self.settings.get("tls") and smtp.has_extn("starttls"):
                    smtp.starttls(context=self.ssl_context_factory())
                    smtp.ehlo()
                self._login(smtp)
                smtp.send_message(message.to_mime(), from_addr=message.sender.address, to_addrs=recipients)
        except (smtplib.SMTPException, OSError) as error:
            raise MailerError(f"sending to {', '.join(recipients)} via {host}:{port} failed: {error}") from error

    def _login(self, smtp: smtplib.SMTP) -> None:
        username, password = self.settings.get("username") or "", self.settings.get("password") or ""
        if not username and not password:
            return
        smtp.user, smtp.password = username, password
        if (self.settings.get("authMethod") or "PLAIN").upper() == "LOGIN":
            smtp.auth("LOGIN", smtp.auth_login, initial_response_ok=False)
        else:
            smtp.auth("PLAIN", smtp.auth_plain)


# ---- the background queue ---------------------------------------------------------------------------
class MailQueue:
    """One worker per process consuming send jobs in order.

    Created lazily and per pid: a queue made before gunicorn forks (or before gevent patches `threading`)
    would hold locks of the wrong kind, so each process builds its own on first use."""

    def __init__(self) -> None:
        self._state: tuple[int, queue.Queue, threading.Thread] | None = None

    def _current(self) -> queue.Queue:
        state = self._state
        if state is None or state[0] != pid.current() or not state[2].is_alive():
            jobs: queue.Queue = queue.Queue()
            worker = threading.Thread(target=self._run, args=(jobs,), name="baas-mailer", daemon=True)
            self._state = state = (pid.current(), jobs, worker)
            worker.start()
        return state[1]

    def submit(self, job: Callable[[], None]) -> None:
        self._current().put(job)

    @staticmethod
    def _run(jobs: queue.Queue) -> None:
        while True:
            job = jobs.get()
            try:
                job()
            except Exception:  # a failed email must never kill the worker
                log.exception("background email job failed")
            finally:
                jobs.task_done()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every submitted job ran (tests, graceful shutdown); False on timeout."""
        state = self._state
        if state is None or state[0] != pid.current():
            return True
        deadline = time.monotonic() + timeout
        while state[1].unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True


MAIL_QUEUE = MailQueue()


class Mailer:
    """Send email for one App: through the hook chain, now or in the background after commit."""

    def __init__(self, app: "App"):
        self.app = app

    def sender(self) -> Address:
        meta = self.app.settings.get()["meta"]
        return Address(meta.get("senderAddress") or "", meta.get("senderName") or "")

    def send(
        self, message: Message, *, kind: str = "", record: "Record | None" = None, meta: dict[str, Any] | None = None
    ) -> MailerEvent:
        """Fire `baas_mailer_send` and deliver now; raises MailerError when the SMTP server refuses."""
        event = MailerEvent(self.app, message, kind, record, dict(meta or {}))
        self.app.hooks.hook.baas_mailer_send(event=event)
        return event

    def queue(
        self,
        message: Message,
        *,
        kind: str = "",
        record: "Record | None" = None,
        meta: dict[str, Any] | None = None,
        on_sent: Callable[[MailerEvent], None] | None = None,
    ) -> None:
        """Send in the background once the current transaction (if any) commits; `on_sent(event)` runs
        on the worker after the SMTP server accepted the message."""

        def job() -> None:
            try:
                event = self.send(message, kind=kind, record=record, meta=meta)
            except MailerError as error:
                log.error("email %r (%s) not sent: %s", message.subject, kind or "custom", error)
                return
            if event.sent and on_sent is not None:
                on_sent(event)

        tx = self.app.db.current
        if tx is not None:
            tx.on_commit(lambda: MAIL_QUEUE.submit(job))
        else:
            MAIL_QUEUE.submit(job)

    @staticmethod
    def wait_idle(timeout: float = 10.0) -> bool:
        return MAIL_QUEUE.wait_idle(timeout)


class MailerDefaults:
    """baas's own `baas_mailer_send`: deliver with the SMTP settings (registered `trylast`)."""

    client_class = SMTPClient

    @hookimpl(trylast=True)
    def baas_mailer_send(self, event: MailerEvent) -> None:
        smtp = event.app.settings.get().get("smtp", {})
        if not smtp.get("enabled"):
            log.warning("SMTP is disabled: email %r to %s was not sent", event.message.subject, event.message.recipients())
            return None
        self.client_class(smtp).send(event.message)
        event.sent = True
        return None
