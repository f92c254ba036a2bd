"""The brokers, alone and between two apps of one deployment (as two workers or nodes are).

The Unix-socket broker is the default without Redis; two apps sharing a data directory and a database
stand in for two gunicorn workers. The same scenarios run over Redis when BAAS_TEST_REDIS_URL is set.
"""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from baas.core.realtime.broker import create_broker, namespace
from baas.core.realtime.broker_memory import MemoryBroker
from baas.core.realtime.broker_unix import UnixSocketBroker
from realtime.rtkit import OPEN, make_kit, unique, with_options


class Inbox:
    def __init__(self, broker, answer=None):
        self.frames: list[bytes] = []
        self.arrived = threading.Event()
        self.answer = answer
        broker.on_frame = self.receive

    def receive(self, frame, reply):
        self.frames.append(frame)
        self.arrived.set()
        if reply is not None and self.answer is not None:
            reply(self.answer(frame))

    def wait(self, count=1, timeout=5.0):
        deadline = time.monotonic() + timeout
        while len(self.frames) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.frames


# ---- the Unix-socket broker on its own -----------------------------------------------------------------
@pytest.fixture
def run_dir(tmp_path):
    return tmp_path / "run"


def test_unix_broadcast_send_and_reply(run_dir):
    a, b, c = UnixSocketBroker(run_dir), UnixSocketBroker(run_dir), UnixSocketBroker(run_dir)
    try:
        inbox_b = Inbox(b, answer=lambda frame: b"re:" + frame)
        inbox_c = Inbox(c, answer=lambda frame: b"re:" + frame)
        replies = Inbox(a)
        assert a.broadcast(b"nobody") == 0  # nobody listens yet
        b.listen()
        c.listen()
        assert (run_dir / f"{b.key}.sock").exists()
        assert oct(os.stat(run_dir).st_mode & 0o777) == "0o700"
        assert oct(os.stat(run_dir / f"{b.key}.sock").st_mode & 0o777) == "0o600"
        assert sorted(a.peer_keys()) == sorted([b.key, c.key])
        assert a.broadcast(b"hello") == 2
        assert inbox_b.wait() == [b"hello"] and inbox_c.wait() == [b"hello"]
        assert sorted(replies.wait(2)) == [b"re:hello", b"re:hello"]  # replies come back without `a` listening
        assert a.send(b.key, b"direct") is True
        assert inbox_b.wait(2)[-1] == b"direct"
        assert inbox_c.frames == [b"hello"]
        assert a.send("nosuchkey", b"x") is False
        for index in range(200):  # order is kept
            a.send(b.key, str(index).encode())
        assert inbox_b.wait(202)[2:] == [str(index).encode() for index in range(200)]
    finally:
        for broker in (a, b, c):
            broker.close()
    assert not list(run_dir.glob("*.sock"))


def test_unix_sockets_of_dead_processes_are_removed(run_dir):
    run_dir.mkdir(mode=0o700)
    stale = run_dir / "deadbeef.sock"
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(str(stale))
    leftover.close()  # the file stays, nobody listens on it
    a = UnixSocketBroker(run_dir)
    try:
        assert a.peer_keys() == ["deadbeef"]
        assert a.broadcast(b"x") == 0
        assert not stale.exists() and a.peer_keys() == []
    finally:
        a.close()


def test_unix_paths_longer_than_sun_path(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60) / "run"
    a, b = UnixSocketBroker(deep), UnixSocketBroker(deep)
    try:
        inbox = Inbox(b)
        b.listen()
        assert len(str(b.path)) > 108
        assert a.broadcast(b"long") == 1
        assert inbox.wait() == [b"long"]
    finally:
        a.close()
        b.close()


def test_unix_descriptors_past_1024(run_dir):
    """A worker holding thousands of SSE streams has descriptors that `select()` cannot watch."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    a, b = UnixSocketBroker(run_dir), UnixSocketBroker(run_dir)
    try:
        inbox = Inbox(b, answer=lambda frame: b"re:" + frame)
        b.listen()
        assert b._server.fileno() > 1024
        replies = Inbox(a)
        assert a.broadcast(b"high") == 1
        b.catch_up()
        assert inbox.frames == [b"high"]
        assert replies.wait(1) == [b"re:high"]
    finally:
        a.close()
        b.close()
        for fd in filler:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_peer_that_went_away_is_skipped(run_dir):
    a, b = UnixSocketBroker(run_dir), UnixSocketBroker(run_dir)
    inbox = Inbox(b)
    b.listen()
    try:
        assert a.broadcast(b"one") == 1
        inbox.wait()
        b.close()
        assert a.broadcast(b"two") == 0
    finally:
        a.close()


def test_peers_are_listed_before_the_run_dir_exists(tmp_path):
    """A writer asks for peers on every save: a missing run dir is made (the members count lives there),
    but not a missing data dir; peers that come and go later are seen at once."""
    gone = UnixSocketBroker(tmp_path / "removed" / "run")
    assert gone.peer_count() == 0 and not (tmp_path / "removed").exists()
    run_dir = tmp_path / "run"
    a, b = UnixSocketBroker(run_dir), UnixSocketBroker(run_dir)
    try:
        assert a.peer_keys() == [] and run_dir.is_dir()
        b.listen()
        assert a.peer_keys() == [b.key]  # b counted itself in: listed again
        c = UnixSocketBroker(run_dir)
        c.listen()
        assert sorted(a.peer_keys()) == sorted([b.key, c.key])
        c.close()
        assert a.peer_keys() == [b.key]
    finally:
        a.close()
        b.close()


def test_create_broker_picks_the_backend(tmp_path):
    from baas.config import load_config

    config = load_config(tmp_path / "d", env={})
    assert isinstance(create_broker(config), UnixSocketBroker)
    assert isinstance(create_broker(config.with_overrides(extra={"realtime_broker": "memory"})), MemoryBroker)
    with pytest.raises(ValueError):
        create_broker(config.with_overrides(extra={"realtime_broker": "redis"}))
    with pytest.raises(ValueError):
        create_broker(config.with_overrides(extra={"realtime_broker": "carrier-pigeon"}))
    other = load_config(tmp_path / "e", env={})
    assert namespace(config) != namespace(other)
    assert namespace(config) == namespace(load_config(tmp_path / "d", env={}))
    pg = [load_config(tmp_path / "d", url, env={}) for url in (
        "postgresql://app:one@db:5432/prod", "postgresql://app:two@db:5432/prod", "postgresql://app:one@db:5432/staging",
    )]
    assert namespace(pg[0]) == namespace(pg[1])  # a new password keeps the nodes together
    assert namespace(pg[0]) != namespace(pg[2])
    assert namespace(config.with_overrides(extra={"realtime_namespace": "shared"})) == "shared"


# ---- two apps of one deployment ------------------------------------------------------------------------
def _pair(databases, tmp_path, **extra):
    first, url = make_kit(databases, tmp_path / "shared", **extra)
    second, _ = make_kit(databases, tmp_path / "shared", url=url, **extra)
    return first, second, url


@pytest.fixture(params=["unix", pytest.param("redis", marks=pytest.mark.redis)])
def pair(request, databases, tmp_path):
    redis_url = os.environ.get("BAAS_TEST_REDIS_URL") if request.param == "redis" else None
    first, second, url = _pair(databases, tmp_path, realtime_broker=request.param, redis_url=redis_url)
    yield first, second
    for kit in (first, second):
        kit.close_streams()
        kit.core.close()
    databases.release(url)


def test_events_cross_processes(pair):
    first, second = pair
    name = unique("shared")
    first.collection(name, [{"name": "title", "type": "text"}], **OPEN)
    stream = first.sse()
    assert stream.subscribe([f"{name}/*", with_options(f"{name}/*", {"fields": "title"})]).status_code == 204
    record = second.record(name, {"title": "through the other worker"})
    events = {event.event: event.data for event in stream.drain(2)}
    assert events == {
        f"{name}/*": {"action": "create", "record": record},
        with_options(f"{name}/*", {"fields": "title"}): {"action": "create", "record": {"title": "through the other worker"}},
    }
    second.update(name, record["id"], {"title": "t2"})
    second.delete(name, record["id"])
    plain = [event.data for event in stream.drain(4) if event.event == f"{name}/*"]
    assert plain == [
        {"action": "update", "record": {**record, "title": "t2"}},
        {"action": "delete", "record": {**record, "title": "t2"}},
    ]


def test_a_subscriber_sees_the_writes_of_both_processes_in_commit_order(pair):
    """Each write through the other process is committed (and published) before the next write through
    the subscriber's own process starts, so it must arrive first, though the local one needs no transport."""
    first, second = pair
    name = unique("order")
    first.collection(name, [{"name": "n", "type": "number"}], **OPEN)
    stream = first.sse()
    stream.subscribe([f"{name}/*"])
    records = []
    for n in range(12):
        writer = second if n % 2 == 0 else first
        records.append(writer.record(name, {"n": n}))
    last = records[-1]
    second.update(name, last["id"], {"n": 100})
    first.delete(name, last["id"])
    received = [(event.data["action"], event.data["record"]["n"]) for event in stream.drain(14)]
    assert received == [("create", n) for n in range(12)] + [("update", 100), ("delete", 100)]


def test_catch_up_dispatches_what_has_arrived(pair):
    """A frame a peer has sent is dispatched by the time the receiver's `catch_up()` returns."""
    first, second = pair
    receiver, sender = first.core.realtime.broker, second.core.realtime.broker
    receiver.listen()
    inbox = Inbox(receiver)
    for n in range(5):
        frame = f"frame {n}".encode()
        assert sender.send(receiver.key, frame)
        receiver.catch_up()
        assert inbox.frames[-1:] == [frame]
    assert inbox.frames == [f"frame {n}".encode() for n in range(5)]


def test_subscription_requests_are_forwarded_to_the_worker_holding_the_client(pair):
    first, second = pair
    name = unique("fwd")
    first.collection(name, [{"name": "title", "type": "text"}], listRule="@request.auth.id != ''", viewRule="", createRule="", updateRule="", deleteRule="")
    email = f"{unique('u')}@example.com"
    first.user(email)
    auth = first.login(email)
    stream = first.sse()
    # the POST reaches the other worker, which forwards it
    response = second.client.post("/api/realtime", json={"clientId": stream.client_id, "subscriptions": [f"{name}/*"]}, headers=auth)
    assert response.status_code == 204, response.get_json()
    assert set(stream.client.subscriptions) == {f"{name}/*"}
    assert stream.client.auth is not None
    # its errors come back as they are
    response = second.client.post("/api/realtime", json={"clientId": stream.client_id, "subscriptions": []})
    assert response.status_code == 403
    assert response.get_json()["message"] == "The current and the previous request authorization don't match."
    unknown = stream.client_id[:8] + "x" * 32
    response = second.client.post("/api/realtime", json={"clientId": unknown, "subscriptions": []})
    assert (response.status_code, response.get_json()["message"]) == (404, "Missing or invalid client id.")
    record = second.record(name, {"title": "for the signed-in"})
    assert stream.next().data["record"]["id"] == record["id"]


def test_delete_messages_are_prepared_by_the_subscribers_worker_before_the_commit(pair):
    first, second = pair
    posts = first.collection(unique("cp"), [{"name": "public", "type": "bool"}], **OPEN)
    comments = first.collection(
        unique("cc"),
        [{"name": "post", "type": "relation", "collectionId": posts["id"], "maxSelect": 1, "cascadeDelete": True}],
        listRule="post.public = true", viewRule="", createRule="", updateRule="", deleteRule="",
    )
    post = first.record(posts["name"], {"public": True})
    comment = first.record(comments["name"], {"post": post["id"]})
    stream = first.sse()
    stream.subscribe([f"{comments['name']}/*"])
    second.delete(posts["name"], post["id"])  # cascades to the comment
    event = stream.next()
    assert (event.data["action"], event.data["record"]["id"]) == ("delete", comment["id"])
    assert first.core.realtime._prepared == {}


def test_auth_changes_reach_clients_on_other_workers(pair):
    first, second = pair
    email = f"{unique('w')}@example.com"
    user = first.user(email)
    stream = first.sse()
    stream.subscribe(["x"], headers=first.login(email))
    assert stream.client.auth is not None
    second.delete("users", user["id"])
    deadline = time.monotonic() + 5
    while stream.client.auth is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stream.client.auth is None


def test_custom_messages_reach_clients_on_other_workers(pair):
    first, second = pair
    stream = first.sse()
    stream.subscribe(["@oauth2", "news"])
    assert second.core.realtime.send(stream.client_id, "@oauth2", {"code": "c"}) is True
    assert stream.next().data == {"code": "c"}
    assert second.core.realtime.send(stream.client_id, "unsubscribed", {}) is False
    second.core.realtime.broadcast("news", {"n": 1})
    assert stream.next().data == {"n": 1}
