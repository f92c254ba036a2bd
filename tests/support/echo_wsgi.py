"""A WSGI app that describes the request it received, served by the HTTP worker in tests/test_http_worker.py."""

from __future__ import annotations

import hashlib
import io
import itertools
import json

FILE_SIZE = 200_000
_served = itertools.count(1)  # the worker's requests in the order it served them


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/stream":  # no Content-Length: chunked on HTTP/1.1, delimited by the close on HTTP/1.0
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"one\n", b"", b"two\n"])
    if path == "/boom":
        raise RuntimeError("boom")
    if path == "/refuse":  # answers without reading the body
        start_response("413 Request Entity Too Large", [("Content-Length", "0")])
        return []
    if path == "/empty":
        start_response("204 No Content", [])
        return []
    if path == "/file":
        wrapper = environ["wsgi.file_wrapper"](io.BytesIO(bytes(range(256)) * (FILE_SIZE // 256)), 8192)
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return wrapper
    stream = environ["wsgi.input"]
    if path == "/lines":
        body = b"".join(stream.readline(size=8) for _ in range(3)) + b"|" + b"".join(stream)
    else:
        body = stream.read()
    described = {
        "served": next(_served),
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "raw_uri": environ["RAW_URI"],
        "protocol": environ["SERVER_PROTOCOL"],
        "scheme": environ["wsgi.url_scheme"],
        "remote_addr": environ["REMOTE_ADDR"],
        "content_length": environ.get("CONTENT_LENGTH"),
        "content_type": environ.get("CONTENT_TYPE"),
        "headers": {key: value for key, value in environ.items() if key.startswith("HTTP_")},
        "body": body.decode("latin-1") if len(body) < 1000 else None,
        "body_size": len(body),
        "body_sha256": hashlib.sha256(body).hexdigest(),
    }
    data = json.dumps(described).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
