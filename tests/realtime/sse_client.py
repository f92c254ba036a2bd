"""A small SSE client over a real socket (stdlib only), for tests against a live `baas serve`.

    stream = SSEClient(server.url)              # GET /api/realtime; waits for PB_CONNECT
    stream.subscribe(["posts/*"], headers=auth)  # POST /api/realtime (to this or another server)
    stream.next(timeout) -> {"id", "event", "data"}   (data parsed from JSON)
    stream.silent(timeout); stream.close()
"""

from __future__ import annotations

import http.client
import json
import queue
import socket
import threading
import urllib.request
from typing import Any
from urllib.parse import urlsplit


class SSEClient:
    def __init__(self, base_url: str, headers: dict[str, str] | None = None, timeout: float = 30.0):
        self.base_url = base_url
        parts = urlsplit(base_url)
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self._connection.request("GET", "/api/realtime", headers=headers or {})
        self.response = self._connection.getresponse()
        self.events: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        connect = self.next()
        assert connect["event"] == "PB_CONNECT", connect
        self.client_id = connect["id"]

    def _read(self) -> None:
        event: dict[str, Any] = {}
        try:
            while True:
                raw = self.response.readline()
                if not raw:
                    break
                line = raw.decode().rstrip("\r\n")
                if line == "":
                    if event:
                        if "data" in event:
                            try:
                                event["data"] = json.loads(event["data"])
                            except ValueError:
                                pass
                        self.events.put(event)
                        event = {}
                    continue
                key, _, value = line.partition(":")
                event[key] = event[key] + "\n" + value if key in event else value
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass  # the connection was shut down (close()), or the server ended the stream
        finally:
            self.events.put(None)

    def subscribe(self, topics: list[str], headers: dict[str, str] | None = None, base_url: str | None = None) -> int:
        """POST the subscriptions (to `base_url` if given: another worker or node); the status code."""
        body = json.dumps({"clientId": self.client_id, "subscriptions": topics}).encode()
        request = urllib.request.Request(
            f"{base_url or self.base_url}/api/realtime", data=body, method="POST",
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def next(self, timeout: float = 10.0) -> dict[str, Any]:
        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no realtime event within {timeout}s") from None
        if event is None:
            raise AssertionError("the realtime stream ended")
        return event

    def silent(self, timeout: float = 0.5) -> None:
        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            return
        raise AssertionError(f"expected no realtime event, got {event}")

    def close(self) -> None:
        sock = self._connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(5)  # the reader sees the end of the stream, then the connection is closed
        self._connection.close()
