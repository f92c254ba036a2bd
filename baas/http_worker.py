"""gunicorn's gevent worker with a compiled HTTP/1.1 parser and one socket write per answer.

gunicorn's own gevent worker parses requests in Python and sends an answer's headers and body in two
writes; under load that was about half of the CPU time of a read by id, and it capped a hello-world app at
about a fifth of what the same loop does with `httptools` (llhttp, the parser of Node.js and uvicorn).
This worker keeps everything else of gunicorn's (the arbiter, graceful restarts and timeouts, gevent's
monkey-patching, `worker_connections`, TLS) and replaces only the loop that serves one connection.

It serves HTTP/1.0 and 1.1 with keep-alive and pipelining; request bodies with a Content-Length or
chunked, read from the socket as the app reads `wsgi.input` (a handler that refuses a body never buffers
it; what it leaves unread is drained); `Expect: 100-continue`; answers streamed as the app yields them
(chunked when the app gives no length, which is how realtime's event stream goes out); HEAD. gunicorn's
limits on the request line and header fields, its `header_map = "drop"` rule (header names with an
underscore are dropped) and its trusted-proxy scheme headers apply as in gunicorn. Not served: HTTP/2 and
protocol upgrades (the request is answered, then the connection closes); gunicorn's access log and
pre/post-request hooks are not called (baas keeps its own request log).
"""

from __future__ import annotations

import ipaddress
import logging
from collections import deque
from email.utils import formatdate
from time import monotonic, time
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import unquote_to_bytes

import gevent
import httptools
from gunicorn.workers.ggevent import GeventWorker
from werkzeug.http import HTTP_STATUS_CODES

log = logging.getLogger("gunicorn.error")

READ_SIZE = 64 * 1024
FILE_BLOCK_SIZE = 64 * 1024
#: what a limit of 0 ("unlimited" in gunicorn's settings) still caps, so one request cannot take the memory
HEAD_CAP = 1 << 20
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
#: how long one connection may keep the worker without the hub running the others (see _take_turns)
TURN_SECONDS = 0.002
#: answers without a body by definition (RFC 9110 6.4.1)
NO_BODY_STATUSES = frozenset({204, 304})


class HttpToolsWorker(GeventWorker):
    """`worker_class` for gunicorn: each accepted connection is served by an `HttpConnection`."""

    def handle(self, listener, client, addr) -> None:
        client.setblocking(1)
        HttpConnection(self, listener, client, addr).serve()


class _Request:
    """A request as the parser reports it; `body` holds chunks received and not yet read by the app."""

    __slots__ = ("url", "headers", "head_size", "method", "version", "keep_alive", "expects_continue",
                 "head_complete", "body", "complete")

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_size = 0
        self.head_complete = False
        self.body: deque[bytes] = deque()
        self.complete = False
        self.expects_continue = False  # until the 100 Continue is sent


class HttpConnection:
    """One client connection. The parser's callbacks (`on_*`) queue requests; `serve` answers them in order."""

    def __init__(self, worker: HttpToolsWorker, listener, sock, addr):
        self.worker, self.sock = worker, sock
        cfg = worker.cfg
        self.max_url = cfg.limit_request_line or HEAD_CAP
        self.max_fields = cfg.limit_request_fields or HEAD_CAP
        self.max_field_size = cfg.limit_request_field_size or HEAD_CAP
        self.keepalive = cfg.keepalive
        self.idle_timeout = gevent.Timeout(cfg.keepalive or None, False)
        remote = addr[0] if isinstance(addr, tuple) else ""
        #: gunicorn's secure_scheme_headers, as environ keys, when the peer is a trusted proxy
        self.scheme_headers = [
            ("HTTP_" + header.upper().replace("-", "_"), value.lower())
            for header, value in cfg.secure_scheme_headers.items()
        ] if not cfg.is_ssl and _trusted(cfg, remote) else []
        self.parser = httptools.HttpRequestParser(self)
        self.ready: deque[_Request] = deque()  # heads complete, not answered yet
        self.parsing: _Request | None = None
        self.refusal = 0  # the status refusing a request head, answered once the requests before it are
        self.closing = False  # no more HTTP on this connection: the stream ended, was upgraded or broken
        self.base_environ = _connection_environ(worker, listener, sock, addr)
        self.loop = gevent.get_hub().loop
        self.seen_iteration, self.running_since = -1, 0.0  # see _take_turns

    # ---- parser callbacks ---------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.parsing = _Request()

    def on_url(self, url: bytes) -> None:
        request = self.parsing
        request.url += url
        if len(request.url) > self.max_url:
            self.refusal = self.refusal or 414

    def on_header(self, name: bytes, value: bytes) -> None:
        request = self.parsing
        request.headers.append((name, value))
        request.head_size += len(name) + len(value) + 4
        if len(request.headers) > self.max_fields or len(name) + len(value) + 2 > self.max_field_size or request.head_size > HEAD_CAP:
            self.refusal = self.refusal or 431

    def on_headers_complete(self) -> None:
        request, parser = self.parsing, self.parser
        request.method = parser.get_method().decode("ascii")
        request.version = parser.get_http_version()
        request.keep_alive = parser.should_keep_alive()
        request.expects_continue = any(
            name.lower() == b"expect" and value.lower() == b"100-continue" for name, value in request.headers
        )
        if not self.refusal:
            request.head_complete = True
            self.ready.append(request)

    def on_body(self, body: bytes) -> None:
        self.parsing.body.append(body)

    def on_message_complete(self) -> None:
        self.parsing.complete = True

    # ---- the connection -----------------------------------------------------------------------
    def receive(self) -> bool:
        """Read once from the socket into the parser; False when no more HTTP will come."""
        if self.closing or self.refusal:
            return False
        data = self.sock.recv(READ_SIZE)
        if not data:
            self.closing = True
            return False
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.closing = True  # what follows is another protocol; this request is answered as it is
            if self.parsing is not None:
                self.parsing.complete = True
        except httptools.HttpParserError:
            if self.parsing is not None and self.parsing.head_complete:
                self.closing = True  # a broken body: its request ends there, and so does the connection
                self.parsing.complete = True
            else:
                self.refusal = self.refusal or 400
        return True

    def send(self, data: bytes) -> None:
        """All of `data`. One `send` usually takes it all; gevent's `sendall` costs a `getsockopt` call
        per use even then, so it only finishes what that send left."""
        sent = self.sock.send(data)
        if sent < len(data):
            self.sock.sendall(memoryview(data)[sent:])

    def serve(self) -> None:
        try:
            while self.worker.alive:
                request = self._next_request()
                if request is None:
                    if self.refusal:
                        self._send_plain(self.refusal, close=True)
                    break
                if not self._answer(request):
                    break
                self._take_turns()
        except gevent.GreenletExit:
            pass
        except OSError as error:  # the peer went away; nothing to answer
            log.debug("connection error: %s", error)
        finally:
            self.idle_timeout.close()
            self.sock.close()

    def _take_turns(self) -> None:
        """Let the worker's other connections run if this one has kept the worker for `TURN_SECONDS`.

        A client that sends its next request at once keeps its greenlet running: its reads never block,
        so the hub never gets to the others, which waited hundreds of milliseconds behind it. The hub's
        loop iteration count tells whether this greenlet gave way since the last look (a request that
        waited for PostgreSQL did); yielding after every request instead cost a quarter of the
        throughput where requests wait on the database."""
        iteration = self.loop.iteration
        if iteration != self.seen_iteration:
            self.seen_iteration, self.running_since = iteration, monotonic()
        elif monotonic() - self.running_since > TURN_SECONDS:
            gevent.sleep(0)

    def _next_request(self) -> _Request | None:
        if not self.ready:
            # as gunicorn: the next request's head must arrive within `keepalive` seconds (one timer per
            # connection, restarted for each request: a new Timeout per request cost ~2% of a view)
            idle = self.idle_timeout
            idle.start()
            try:
                while not self.ready and self.receive():
                    pass
            except gevent.Timeout as timeout:
                if timeout is not idle:
                    raise
            finally:
                idle.cancel()
        return self.ready.popleft() if self.ready else None

    def _answer(self, request: _Request) -> bool:
        """Run the app for `request`; True when the connection may serve another one."""
        worker = self.worker
        worker.nr += 1
        if worker.nr >= worker.max_requests and worker.alive:
            log.info("Autorestarting worker after current request.")
            worker.alive = False
        response = Response(self, request)
        try:
            result = worker.wsgi(self._environ(request, response), response.start_response)
            try:
                for chunk in result:
                    if chunk:
                        response.write(chunk)
                response.finish()
            finally:
                if hasattr(result, "close"):
                    result.close()
        except (OSError, gevent.GreenletExit):
            raise
        except Exception:
            log.exception("Error handling request %s", request.url.decode("latin-1"))
            if not response.started:
                self._send_plain(500, close=True)
            return False
        if not response.keep_alive:
            return False
        while not request.complete and self.receive():  # the body the app left unread
            request.body.clear()
        return request.complete and worker.alive

    def _environ(self, request: _Request, response: "Response") -> dict[str, Any]:
        raw = request.url
        if raw.startswith(b"/"):
            path, _, query = raw.partition(b"?")
        else:  # absolute form (`GET http://host/path`), or `*`
            parsed = httptools.parse_url(raw) if raw != b"*" else None
            path, query = (parsed.path or b"/", parsed.query or b"") if parsed else (b"*", b"")
        environ = self.base_environ.copy()
        environ["REQUEST_METHOD"] = request.method
        environ["PATH_INFO"] = unquote_to_bytes(path).decode("latin-1")
        environ["QUERY_STRING"] = query.partition(b"#")[0].decode("latin-1")
        environ["RAW_URI"] = raw.decode("latin-1")
        environ["SERVER_PROTOCOL"] = "HTTP/" + request.version
        environ["wsgi.input"] = RequestBody(self, request, response)
        for name, value in request.headers:
            key = name.decode("latin-1").upper()
            if "_" in key:  # gunicorn's header_map = "drop": X_Forwarded_For must not pass for X-Forwarded-For
                continue
            key = key.replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            text = value.decode("latin-1")
            environ[key] = f"{environ[key]},{text}" if key in environ else text
        for key, secure_value in self.scheme_headers:
            if environ.get(key, "").lower() == secure_value:
                environ["wsgi.url_scheme"] = "https"
        return environ

    def _send_plain(self, status: int, *, close: bool) -> None:
        reason = HTTP_STATUS_CODES.get(status, "Error")
        body = f"{status} {reason}".encode()
        head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
        if close:
            head += "Connection: close\r\n"
        self.send(head.encode("latin-1") + b"\r\n" + body)


def _connection_environ(worker: HttpToolsWorker, listener, sock, addr) -> dict[str, Any]:
    """The environ keys that stay the same for every request of a connection."""
    server = listener.getsockname()
    server_name, server_port = (server[0], str(server[1])) if isinstance(server, tuple) else (str(server), "")
    remote_addr, remote_port = (addr[0], str(addr[1])) if isinstance(addr, tuple) else (str(addr or ""), "")
    return {
        "SCRIPT_NAME": "",
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "REMOTE_ADDR": remote_addr,
        "REMOTE_PORT": remote_port,
        "SERVER_SOFTWARE": "baas",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if worker.cfg.is_ssl else "http",
        "wsgi.errors": _ErrorStream(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": worker.cfg.workers > 1,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,  # the input itself ends where the body ends, chunked or not
        "wsgi.file_wrapper": FileWrapper,
        "gunicorn.socket": sock,  # realtime watches it for the peer leaving
    }


def _trusted(cfg, remote_addr: str) -> bool:
    """Whether `remote_addr` is one of gunicorn's `forwarded_allow_ips` (addresses or networks, `*` for all)."""
    allowed = cfg.forwarded_allow_ips
    if "*" in allowed:
        return True
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


class Response:
    """The answer to one request: headers go out with the first body chunk, in one write."""

    def __init__(self, connection: HttpConnection, request: _Request):
        self.connection, self.request = connection, request
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.started = False  # the status line has been sent
        self.chunked = False
        self.length: int | None = None  # the app's Content-Length
        self.sent = 0
        self.keep_alive = request.keep_alive and connection.keepalive > 0
        self.send_body = request.method != "HEAD"

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info=None) -> Callable[[bytes], None]:
        if exc_info is not None:
            try:
                if self.started:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response called twice without exc_info")
        self.status, self.headers = status, headers
        return self.write

    def write(self, data: bytes) -> None:
        if self.status is None:
            raise AssertionError("write() before start_response()")
        head = b"" if self.started else self._head(empty=False)
        payload = head + self._framed(self._within_length(data))
        if payload:
            self.connection.send(payload)

    def finish(self) -> None:
        if self.status is None:
            raise AssertionError("the app returned without calling start_response()")
        if not self.started:
            self.connection.send(self._head(empty=True))
        elif self.chunked:
            self.connection.send(b"0\r\n\r\n")
        if self.length is not None and self.sent < self.length and self.send_body:
            self.keep_alive = False  # the app promised more than it gave: the client can only tell by the close

    def _within_length(self, data: bytes) -> bytes:
        if not self.send_body:
            return b""
        if self.length is not None:
            data = data[: max(self.length - self.sent, 0)]
        self.sent += len(data)
        return data

    def _framed(self, data: bytes) -> bytes:
        if self.chunked and data:
            return b"%x\r\n%b\r\n" % (len(data), data)
        return data

    def _head(self, empty: bool) -> bytes:
        """The status line and headers; `empty` when the app has finished without a body."""
        self.started = True
        code = int(self.status[:3])
        lines = [f"HTTP/1.1 {self.status}\r\n"]
        for name, value in self.headers:
            lowered = name.lower()
            if lowered == "content-length":
                self.length = int(value)
            elif lowered in ("connection", "transfer-encoding", "keep-alive"):  # hop-by-hop: the server's to set
                if lowered == "connection" and value.lower() == "close":
                    self.keep_alive = False
                continue
            lines.append(f"{name}: {value}\r\n")
        lines.append(f"Date: {_http_date()}\r\n")
        has_body = not (100 <= code < 200 or code in NO_BODY_STATUSES)
        if self.length is None and has_body:
            if empty:
                self.length = 0
                lines.append("Content-Length: 0\r\n")
            elif self.request.version == "1.1":
                self.chunked = self.send_body
                if self.chunked:
                    lines.append("Transfer-Encoding: chunked\r\n")
            else:
                self.keep_alive = False  # an HTTP/1.0 client reads to the end of the stream
        if not self.connection.worker.alive:
            self.keep_alive = False
        if self.request.expects_continue and not self.request.complete:
            self.keep_alive = False  # the client holds a body back for a 100 Continue that will not come
        if not self.keep_alive:
            lines.append("Connection: close\r\n")
        elif self.request.version == "1.0":
            lines.append("Connection: keep-alive\r\n")
        lines.append("\r\n")
        return "".join(lines).encode("latin-1")


class RequestBody:
    """`wsgi.input`: the body, received from the socket as the app reads it, and empty where it ends."""

    def __init__(self, connection: HttpConnection, request: _Request, response: Response):
        self._connection, self._request, self._response = connection, request, response
        self._buffer = bytearray()

    def _fill(self) -> bool:
        """Move the next received chunk into the buffer; False once the body has ended."""
        request = self._request
        while not request.body:
            if request.complete:
                return False
            if request.expects_continue:
                request.expects_continue = False
                if not self._response.started:
                    self._connection.send(CONTINUE)
            if not self._connection.receive():
                return False
        while request.body:
            self._buffer += request.body.popleft()
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            while self._fill():
                pass
            size = len(self._buffer)
        else:
            while len(self._buffer) < size and self._fill():
                pass
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def readline(self, size: int | None = -1) -> bytes:
        limit = size if size is not None and size >= 0 else None
        start = 0
        while True:
            newline = self._buffer.find(b"\n", start)
            if newline >= 0:
                end = newline + 1
                break
            if limit is not None and len(self._buffer) >= limit:
                end = limit
                break
            start = len(self._buffer)
            if not self._fill():
                end = len(self._buffer)
                break
        if limit is not None:
            end = min(end, limit)
        data = bytes(self._buffer[:end])
        del self._buffer[:end]
        return data

    def readlines(self, hint: int = -1) -> list[bytes]:
        lines, total = [], 0
        while line := self.readline():
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


class FileWrapper:
    """`wsgi.file_wrapper`: a file sent in large blocks (werkzeug asks for 8 KB, a write each)."""

    def __init__(self, file, block_size: int = FILE_BLOCK_SIZE):
        self.file, self.block_size = file, max(block_size, FILE_BLOCK_SIZE)

    def __iter__(self) -> Iterator[bytes]:
        while block := self.file.read(self.block_size):
            yield block

    def close(self) -> None:
        if hasattr(self.file, "close"):
            self.file.close()


class _ErrorStream:
    """`wsgi.errors`, into gunicorn's error log."""

    def write(self, text: str) -> None:
        log.error(text.rstrip("\n"))

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass


_date_cache: list = [0, ""]


def _http_date() -> str:
    """The Date header's value, formatted once a second."""
    second = int(time())
    if _date_cache[0] != second:
        _date_cache[:] = [second, formatdate(second, usegmt=True)]
    return _date_cache[1]
