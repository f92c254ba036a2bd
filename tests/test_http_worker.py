"""The HTTP worker (baas/http_worker.py) over real sockets: gunicorn with it serves tests/support/echo_wsgi.py.

The requests are written byte by byte as a client would (keep-alive, pipelining, chunked bodies,
`Expect: 100-continue`, malformed heads), and the answers are read off the socket.
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.echo_wsgi import FILE_SIZE
from support.server import free_port

SUPPORT = Path(__file__).parent / "support"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("http_worker") / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "--worker-class", "baas.http_worker.HttpToolsWorker", "--workers", "1",
        "--bind", f"127.0.0.1:{port}", "--chdir", str(SUPPORT), "--keep-alive", "2", "--no-control-socket",
        "--limit-request-line", "1000", "--limit-request-fields", "20", "echo_wsgi:app",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"gunicorn did not start: {log_path.read_text()}") from None
            time.sleep(0.1)
    yield ("127.0.0.1", port), log_path
    process.terminate()
    process.wait(timeout=20)


class Client:
    """A raw HTTP/1.x connection: `send` writes bytes, `response` reads one answer off the stream."""

    def __init__(self, address):
        self.sock = socket.create_connection(address, timeout=10)
        self.stream = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self, *, head_request: bool = False) -> tuple[int, dict[str, str], bytes]:
        status_line = self.stream.readline()
        assert status_line, "the server closed the connection"
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := self.stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if head_request or status in (100, 204, 304):
            return status, headers, b""
        if "content-length" in headers:
            return status, headers, self.stream.read(int(headers["content-length"]))
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int(self.stream.readline(), 16):
                body += self.stream.read(size)
                assert self.stream.read(2) == b"\r\n"
            assert self.stream.read(2) == b"\r\n"
            return status, headers, body
        return status, headers, self.stream.read()  # delimited by the close

    def closed_by_server(self) -> bool:
        return self.stream.read(1) == b""

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


@pytest.fixture
def client(server):
    made = Client(server[0])
    yield made
    made.close()


def echo(client: Client, request: bytes) -> tuple[dict[str, str], dict]:
    client.send(request)
    status, headers, body = client.response()
    assert status == 200, body
    return headers, json.loads(body)


def test_a_request_becomes_the_wsgi_environ(client):
    headers, seen = echo(client, b"GET /caf%C3%A9/a%2Fb?q=%20x&y=1 HTTP/1.1\r\nHost: example.test\r\nX-Thing: 1\r\nX-Thing: 2\r\n\r\n")
    assert seen["method"] == "GET"
    assert seen["path"] == "/caf\u00c3\u00a9/a/b"  # percent-decoded, as latin-1 text (PEP 3333)
    assert seen["query"] == "q=%20x&y=1"
    assert seen["raw_uri"] == "/caf%C3%A9/a%2Fb?q=%20x&y=1"
    assert seen["protocol"] == "HTTP/1.1"
    assert seen["remote_addr"] == "127.0.0.1"
    assert seen["headers"]["HTTP_HOST"] == "example.test"
    assert seen["headers"]["HTTP_X_THING"] == "1,2"  # repeated headers join, as gunicorn does
    assert headers["content-type"] == "application/json"
    assert "date" in headers


def test_header_names_with_underscores_are_dropped(client):
    _, seen = echo(client, b"GET / HTTP/1.1\r\nHost: h\r\nX_Forwarded_For: 6.6.6.6\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n")
    assert seen["headers"]["HTTP_X_FORWARDED_FOR"] == "1.2.3.4"


def test_a_trusted_proxy_sets_the_scheme(client):
    # gunicorn's defaults trust 127.0.0.1 with X-Forwarded-Proto
    _, seen = echo(client, b"GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-Proto: https\r\n\r\n")
    assert seen["scheme"] == "https"
    _, seen = echo(client, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert seen["scheme"] == "http"


def test_keep_alive_serves_several_requests_on_one_connection(client):
    for number in range(3):
        _, seen = echo(client, f"GET /n{number} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
        assert seen["path"] == f"/n{number}"


def test_pipelined_requests_are_answered_in_order(client):
    client.send(b"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
                b"GET /c HTTP/1.1\r\nHost: h\r\n\r\n")
    answers = [json.loads(client.response()[2]) for _ in range(3)]
    assert [(seen["path"], seen["body"]) for seen in answers] == [("/a", "hello"), ("/b", ""), ("/c", "")]


def test_a_body_with_a_length_arriving_in_pieces(client):
    body = bytes(range(256)) * 4096  # 1 MiB
    client.send(b"PUT /upload HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode())
    for start in range(0, len(body), 100_000):
        client.send(body[start:start + 100_000])
    status, _, answer = client.response()
    seen = json.loads(answer)
    assert (status, seen["body_size"], seen["content_length"]) == (200, len(body), str(len(body)))
    assert seen["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert seen["content_type"] == "application/octet-stream"


def test_a_chunked_body_is_decoded(client):
    _, seen = echo(client, b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    assert seen["body"] == "hello world"
    assert seen["content_length"] is None


def test_readline_and_iteration_over_the_body(client):
    _, seen = echo(client, b"POST /lines HTTP/1.1\r\nHost: h\r\nContent-Length: 30\r\n\r\n"
                           b"first line\nsecond\nthird\nfourth")
    # readline(size=8) stops at 8 bytes or a newline; iteration yields the rest line by line
    assert seen["body"] == "first line\nsecond\n|third\nfourth"


def test_expect_100_continue_gets_its_interim_answer_before_the_body(client):
    client.send(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    status, _, _ = client.response()
    assert status == 100
    client.send(b"ping")
    status, _, body = client.response()
    assert status == 200 and json.loads(body)["body"] == "ping"


def test_a_body_the_app_does_not_read_is_drained_and_the_connection_goes_on(client):
    client.send(b"POST /refuse HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100_000)
    status, headers, _ = client.response()
    assert status == 413 and headers["content-length"] == "0"
    _, seen = echo(client, b"GET /after HTTP/1.1\r\nHost: h\r\n\r\n")
    assert seen["path"] == "/after"


def test_a_streamed_answer_is_chunked_on_http_1_1(client):
    client.send(b"GET /stream HTTP/1.1\r\nHost: h\r\n\r\n")
    status, headers, body = client.response()
    assert (status, headers["transfer-encoding"], body) == (200, "chunked", b"one\ntwo\n")
    assert "content-length" not in headers
    _, seen = echo(client, b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n")  # and the connection stays usable
    assert seen["path"] == "/next"


def test_a_streamed_answer_ends_with_the_connection_on_http_1_0(client):
    client.send(b"GET /stream HTTP/1.0\r\n\r\n")
    status, headers, body = client.response()
    assert (status, headers.get("connection"), body) == (200, "close", b"one\ntwo\n")


def test_http_1_0_keep_alive_is_honoured(client):
    client.send(b"GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    status, headers, _ = client.response()
    assert (status, headers["connection"]) == (200, "keep-alive")
    _, seen = echo(client, b"GET /two HTTP/1.0\r\n\r\n")
    assert seen["protocol"] == "HTTP/1.0"
    assert client.closed_by_server()  # no keep-alive asked the second time


def test_connection_close_is_honoured(client):
    client.send(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    status, headers, _ = client.response()
    assert (status, headers["connection"]) == (200, "close")
    assert client.closed_by_server()


def test_head_sends_no_body(client):
    client.send(b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n")
    status, headers, _ = client.response(head_request=True)
    assert status == 200 and int(headers["content-length"]) > 0
    _, seen = echo(client, b"GET /after-head HTTP/1.1\r\nHost: h\r\n\r\n")  # no stray body bytes came before it
    assert seen["path"] == "/after-head"


def test_an_empty_answer_has_no_body_framing(client):
    client.send(b"DELETE /empty HTTP/1.1\r\nHost: h\r\n\r\n")
    status, headers, _ = client.response()
    assert status == 204 and "content-length" not in headers and "transfer-encoding" not in headers
    _, seen = echo(client, b"GET /after-204 HTTP/1.1\r\nHost: h\r\n\r\n")
    assert seen["path"] == "/after-204"


def test_a_file_wrapper_sends_the_whole_file(client):
    client.send(b"GET /file HTTP/1.1\r\nHost: h\r\n\r\n")
    status, _, body = client.response()
    assert status == 200 and body == bytes(range(256)) * (FILE_SIZE // 256)


def test_an_app_error_is_a_500_and_the_connection_closes(client, server):
    client.send(b"GET /boom HTTP/1.1\r\nHost: h\r\n\r\n")
    status, headers, _ = client.response()
    assert (status, headers["connection"]) == (500, "close")
    assert client.closed_by_server()
    assert "RuntimeError: boom" in server[1].read_text()


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NOT HTTP AT ALL\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: h\r\nBad Header\r\n\r\n", 400),
        (b"GET /" + b"a" * 2000 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 414),  # --limit-request-line 1000
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(30)) + b"\r\n", 431),  # 20 fields
    ],
)
def test_a_malformed_or_oversized_head_is_refused_and_the_connection_closes(client, request_bytes, status):
    client.send(request_bytes)
    answered, headers, _ = client.response()
    assert (answered, headers["connection"]) == (status, "close")
    assert client.closed_by_server()


def test_requests_before_a_malformed_one_are_still_answered(client):
    client.send(b"GET /fine HTTP/1.1\r\nHost: h\r\n\r\nGARBAGE\r\n\r\n")
    _, _, body = client.response()
    assert json.loads(body)["path"] == "/fine"
    assert client.response()[0] == 400


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(client):
    echo(client, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    started = time.monotonic()
    assert client.closed_by_server()
    assert 1.5 < time.monotonic() - started < 6  # --keep-alive 2


def test_a_client_that_never_lets_up_does_not_hold_back_the_others(server):
    greedy, other = Client(server[0]), Client(server[0])
    try:
        greedy.send(b"GET /greedy HTTP/1.1\r\nHost: h\r\n\r\n" * 3000)  # pipelined: its reads never wait
        time.sleep(0.01)
        _, seen = echo(other, b"GET /other HTTP/1.1\r\nHost: h\r\n\r\n")
        last = [json.loads(greedy.response()[2]) for _ in range(3000)][-1]
        assert seen["served"] < last["served"]  # served while the greedy connection still had requests queued
    finally:
        greedy.close()
        other.close()
