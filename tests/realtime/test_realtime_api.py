"""`GET|POST /api/realtime` on the wire: PB_CONNECT, subscription requests and their errors, topics,
subscribe / unsubscribe (PocketBase 0.40.6 answers, checked against a live server)."""

from __future__ import annotations

import time

import pytest

from realtime.rtkit import OPEN, unique, with_options

GENERIC_400 = "Something went wrong while processing your request."


def _error(response, status, message, data=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json() == {"status": status, "message": message, "data": data or {}}


@pytest.fixture(scope="module")
def posts(kit):
    name = unique("posts")
    return kit.collection(name, [{"name": "title", "type": "text"}], **OPEN)


def test_connect_streams_pb_connect_with_the_client_id(kit):
    stream = kit.sse()
    assert stream.response.status_code == 200
    assert stream.response.headers["Content-Type"] == "text/event-stream"
    assert stream.response.headers["Cache-Control"] == "no-store"
    assert stream.response.headers["X-Accel-Buffering"] == "no"
    assert len(stream.client_id) == 40 and stream.client_id.isalnum()
    client = kit.core.realtime.client(stream.client_id)
    assert client is not None and client.subscriptions == {}


def test_raw_frame_format(kit):
    """`id:<clientId>`, `event:<topic>`, `data:<json>`, no space after the colons, a blank line after."""
    stream = kit.sse()
    stream.subscribe(["custom"])
    kit.core.realtime.send(stream.client_id, "custom", {"a": 1})
    assert stream.next().raw == f'id:{stream.client_id}\nevent:custom\ndata:{{"a":1}}'


def test_subscribe_create_update_delete_and_unsubscribe(kit, posts):
    stream = kit.sse()
    assert stream.subscribe([f"{posts['name']}/*"]).status_code == 204
    record = kit.record(posts["name"], {"title": "one"})
    event = stream.next()
    assert event.event == f"{posts['name']}/*"
    assert event.id == stream.client_id
    assert event.data == {"action": "create", "record": record}
    updated = kit.update(posts["name"], record["id"], {"title": "two"})
    assert stream.next().data == {"action": "update", "record": updated}
    kit.delete(posts["name"], record["id"])
    assert stream.next().data == {"action": "delete", "record": updated}
    # an empty list replaces every subscription: nothing more arrives
    assert stream.subscribe([]).status_code == 204
    kit.record(posts["name"], {"title": "three"})
    stream.silent()


def test_subscriptions_are_replaced_not_added(kit, posts):
    other = kit.collection(unique("other"), [{"name": "title", "type": "text"}], **OPEN)
    stream = kit.sse()
    stream.subscribe([f"{posts['name']}/*"])
    stream.subscribe([f"{other['name']}/*"])
    kit.record(posts["name"], {"title": "not seen"})
    record = kit.record(other["name"], {"title": "seen"})
    assert stream.next().data["record"]["id"] == record["id"]
    stream.silent()


def test_every_topic_form_gets_its_own_message_named_after_it(kit, posts):
    stream = kit.sse()
    name, cid = posts["name"], posts["id"]
    filtered = with_options(f"{name}/*", {"fields": "id"})
    stream.subscribe([f"{name}/*", f"{cid}/*", name, filtered, "@oauth2", "nosuch/*", "custom-topic"])
    record = kit.record(name, {"title": "forms"})
    events = {event.event: event.data for event in stream.drain(4)}
    assert set(events) == {f"{name}/*", f"{cid}/*", name, filtered}
    assert events[filtered] == {"action": "create", "record": {"id": record["id"]}}
    assert events[name]["record"] == record


def test_record_topic_gets_only_that_record(kit, posts):
    first = kit.record(posts["name"], {"title": "a"})
    second = kit.record(posts["name"], {"title": "b"})
    stream = kit.sse()
    stream.subscribe([f"{posts['name']}/{first['id']}", f"{posts['id']}/{first['id']}"])
    kit.update(posts["name"], second["id"], {"title": "b2"})
    kit.update(posts["name"], first["id"], {"title": "a2"})
    events = stream.drain(2)
    assert sorted(event.event for event in events) == sorted([f"{posts['name']}/{first['id']}", f"{posts['id']}/{first['id']}"])
    assert all(event.data["record"]["title"] == "a2" for event in events)


def test_subscribe_validation_errors(kit):
    client = kit.client
    _error(client.post("/api/realtime", json={}), 400, GENERIC_400,
           {"clientId": {"code": "validation_required", "message": "Cannot be blank."}})
    _error(client.post("/api/realtime", json={"clientId": "x" * 256, "subscriptions": []}), 400, GENERIC_400,
           {"clientId": {"code": "validation_length_out_of_range", "message": "The length must be between 1 and 255.",
                         "params": {"max": 255, "min": 1}}})
    _error(client.post("/api/realtime", json={"clientId": "x", "subscriptions": ["a"] * 1001}), 400, GENERIC_400,
           {"subscriptions": {"code": "validation_length_too_long", "message": "The length must be no more than 1000.",
                              "params": {"max": 1000, "min": 0}}})
    _error(client.post("/api/realtime", json={"clientId": "x", "subscriptions": ["ok", "y" * 2501]}), 400, GENERIC_400,
           {"subscriptions": {"1": {"code": "validation_length_too_long", "message": "The length must be no more than 2500.",
                                    "params": {"max": 2500, "min": 0}}}})
    for body in ([1], {"clientId": 5}, {"clientId": "x", "subscriptions": "a"}, {"clientId": "x", "subscriptions": [1]}):
        _error(client.post("/api/realtime", json=body), 400, GENERIC_400)
    _error(client.post("/api/realtime", data="{bad", content_type="application/json"), 400, GENERIC_400)


def test_limits_are_inclusive(kit):
    stream = kit.sse()
    assert stream.subscribe(["t" * 2500] + [f"t{i}" for i in range(999)]).status_code == 204
    assert len(stream.client.subscriptions) == 1000


def test_unknown_client_is_404(kit):
    _error(kit.client.post("/api/realtime", json={"clientId": "nope", "subscriptions": []}), 404, "Missing or invalid client id.")
    stream = kit.sse()
    stream.close()  # a closed stream's client is gone
    _error(stream.subscribe([]), 404, "Missing or invalid client id.")


def test_form_body_and_null_subscriptions(kit, posts):
    stream = kit.sse()
    response = kit.client.post(
        "/api/realtime", data={"clientId": stream.client_id, "subscriptions": [f"{posts['name']}/*", "x"]}
    )
    assert response.status_code == 204
    assert set(stream.client.subscriptions) == {f"{posts['name']}/*", "x"}
    response = kit.client.post("/api/realtime", json={"clientId": stream.client_id, "subscriptions": None})
    assert response.status_code == 204
    assert stream.client.subscriptions == {}


def test_subscription_from_another_ip_is_rejected(kit):
    stream = kit.sse(REMOTE_ADDR="127.0.0.1")
    response = stream.subscribe(["a"], environ_base={"REMOTE_ADDR": "127.0.0.2"})
    _error(response, 400, "Invalid realtime client.")
    assert stream.subscribe(["a"], environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 204


def test_empty_topics_are_ignored(kit):
    stream = kit.sse()
    assert stream.subscribe(["", "a", ""]).status_code == 204
    assert set(stream.client.subscriptions) == {"a"}


def test_closing_the_stream_unregisters_the_client(kit):
    stream = kit.sse()
    assert kit.core.realtime.client(stream.client_id) is not None
    stream.close()
    assert stream.ended()
    assert kit.core.realtime.client(stream.client_id) is None


def test_custom_topics_and_oauth2_sends(kit):
    stream = kit.sse()
    stream.subscribe(["@oauth2", "news"])
    service = kit.core.realtime
    assert service.send(stream.client_id, "@oauth2", {"state": stream.client_id, "code": "abc"}) is True
    event = stream.next()
    assert (event.event, event.data) == ("@oauth2", {"state": stream.client_id, "code": "abc"})
    assert service.send(stream.client_id, "not-subscribed", "x") is False
    assert service.send(stream.client_id, "@oauth2", "x", ip="10.9.8.7") is False  # another IP than the stream's
    assert service.send("unknown-client", "@oauth2", "x") is False
    service.broadcast("news", {"headline": "hi"})
    assert stream.next().data == {"headline": "hi"}


# ---- hooks and timeouts ------------------------------------------------------------------------------------
class _Plugin:
    """Registers itself on the kit's app for one test."""

    name = "test-realtime-plugin"

    def __init__(self, kit):
        self.kit = kit

    def __enter__(self):
        self.kit.core.hooks.register(self, self.name)
        return self

    def __exit__(self, *exc):
        self.kit.core.hooks.unregister(self.name)


def test_idle_timeout_ends_a_quiet_stream_but_not_a_busy_one(kit, posts):
    from baas.hooks import hookimpl

    class Short(_Plugin):
        @hookimpl
        def baas_realtime_connect_request(self, event):
            event.idle_timeout = 0.6

    with Short(kit):
        quiet, busy = kit.sse(), kit.sse()
    busy.subscribe([f"{posts['name']}/*"])
    started = time.monotonic()
    while time.monotonic() - started < 1.5:  # a message every 0.2s: never 0.6s without one
        kit.record(posts["name"], {"title": "keep-alive"})
        busy.next()
        time.sleep(0.2)
    assert quiet.ended(0.1)
    assert kit.core.realtime.client(quiet.client_id) is None
    assert not busy.ended(0.1)
    assert busy.ended(2.0)  # quiet now too


def test_max_timeout_ends_even_a_busy_stream(kit, posts):
    from baas.hooks import hookimpl

    class Short(_Plugin):
        @hookimpl
        def baas_realtime_connect_request(self, event):
            event.max_timeout = 0.5

    with Short(kit):
        stream = kit.sse()
    stream.subscribe([f"{posts['name']}/*"])
    kit.record(posts["name"], {"title": "still ends"})
    assert stream.next().data["action"] == "create"
    assert stream.ended(2.0)


def test_connect_hook_can_refuse(kit):
    from baas import errors
    from baas.hooks import hookimpl

    class Refuse(_Plugin):
        @hookimpl
        def baas_realtime_connect_request(self, event):
            raise errors.forbidden("No realtime for you.")

    with Refuse(kit):
        response = kit.client.get("/api/realtime")
    _error(response, 403, "No realtime for you.")


def test_subscribe_hook_can_change_the_topics(kit, posts):
    from baas.hooks import hookimpl

    class OnlyPosts(_Plugin):
        @hookimpl
        def baas_realtime_subscribe_request(self, event):
            event.subscriptions = [topic for topic in event.subscriptions if topic.startswith(posts["name"])]

    stream = kit.sse()
    with OnlyPosts(kit):
        assert stream.subscribe([f"{posts['name']}/*", "secret/*"]).status_code == 204
    assert set(stream.client.subscriptions) == {f"{posts['name']}/*"}


def test_message_send_hook_changes_or_drops_per_client(kit, posts):
    from baas.hooks import hookimpl

    first, second = kit.sse(), kit.sse()
    for stream in (first, second):
        stream.subscribe([f"{posts['name']}/*"])

    class Rewrite(_Plugin):
        @hookimpl
        def baas_realtime_message_send(self, event):
            if event.client.id == second.client_id:
                event.message = None
            elif event.message.name != "PB_CONNECT":
                event.message.data = b'{"rewritten":true}'

    with Rewrite(kit):
        kit.record(posts["name"], {"title": "hooked"})
        assert first.next().data == {"rewritten": True}
        second.silent()
    record = kit.record(posts["name"], {"title": "plain again"})
    assert first.next().data["record"]["id"] == record["id"]
    assert second.next().data["record"]["id"] == record["id"]
