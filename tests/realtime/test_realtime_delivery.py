"""When and from where events are sent: only after a commit (a rollback sends nothing), from every door
(REST, batch, services as plugins and the CLI use them), delete messages computed before the commit;
and what each subscription's `expand` and `fields` options do to its copy of the record."""

from __future__ import annotations

import pytest

from baas import errors
from baas.core.context import RequestContext
from baas.core.records.record import Record
from baas.hooks import hookimpl
from realtime.rtkit import OPEN, unique, with_options


@pytest.fixture(scope="module")
def posts(kit):
    return kit.collection(unique("posts"), [{"name": "title", "type": "text"}], **OPEN)


def _watch(kit, name, **options):
    stream = kit.sse()
    stream.subscribe([with_options(f"{name}/*", options) if options else f"{name}/*"])
    return stream


# ---- after commit only -----------------------------------------------------------------------------------
def test_a_rolled_back_create_update_and_delete_send_nothing(kit, posts):
    name = posts["name"]
    record_json = kit.record(name, {"title": "kept"})
    stream = _watch(kit, name)
    core = kit.core
    collection = core.collections.get(name)
    system = RequestContext.system()

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with core.db.transaction():
            core.records.save(Record(collection, {**Record(collection).data, "title": "never"}), system)
            stored = core.records_repo.find(collection, record_json["id"])
            stored.set("title", "never either")
            core.records.save(stored, system)
            core.records.remove(core.records_repo.find(collection, record_json["id"]), system)
            raise Boom()
    stream.silent(0.3)
    assert kit.client.get(f"/api/collections/{name}/records/{record_json['id']}").get_json()["title"] == "kept"


def test_events_wait_for_the_outer_commit(kit, posts):
    name = posts["name"]
    stream = _watch(kit, name)
    core = kit.core
    collection = core.collections.get(name)
    with core.db.transaction():
        record = core.records.save(Record(collection, {**Record(collection).data, "title": "inside"}), RequestContext.system())
        stream.silent(0.2)  # committed? not yet
    assert stream.next().data["record"]["id"] == record.id


def test_a_vetoed_create_sends_nothing(kit, posts):
    name = posts["name"]
    stream = _watch(kit, name)

    class Veto:
        @hookimpl(tryfirst=True)
        def baas_record_create(self, event):
            if event.record.get("title") == "veto":
                raise errors.bad_request("Vetoed.")

    kit.core.hooks.register(Veto(), "test-veto")
    try:
        response = kit.client.post(f"/api/collections/{name}/records", json={"title": "veto"})
        assert response.status_code == 400
    finally:
        kit.core.hooks.unregister("test-veto")
    stream.silent()


def test_batch_sends_after_the_whole_batch_and_nothing_when_it_fails(kit, posts):
    name = posts["name"]
    response = kit.client.patch("/api/settings", json={"batch": {"enabled": True, "maxRequests": 50, "timeout": 3}}, headers=kit.su)
    assert response.status_code == 200, response.get_json()
    stream = _watch(kit, name)
    ok = [{"method": "POST", "url": f"/api/collections/{name}/records", "body": {"title": f"b{i}"}} for i in range(3)]
    assert kit.client.post("/api/batch", json={"requests": ok}).status_code == 200
    assert [event.data["record"]["title"] for event in stream.drain(3)] == ["b0", "b1", "b2"]
    failing = ok + [{"method": "PATCH", "url": f"/api/collections/{name}/records/doesnotexist123", "body": {}}]
    assert kit.client.post("/api/batch", json={"requests": failing}).status_code == 400
    stream.silent()


def test_service_level_writes_publish_too(kit, posts):
    """Plugins, cron jobs and the CLI write through `app.records.save/remove`: same events."""
    name = posts["name"]
    stream = _watch(kit, name)
    core = kit.core
    collection = core.collections.get(name)
    record = Record(collection)
    record.set("title", "from a plugin")
    core.records.save(record, RequestContext.system())
    assert stream.next().data == {"action": "create", "record": kit.client.get(f"/api/collections/{name}/records/{record.id}").get_json()}
    core.records.remove(record, RequestContext.system())
    assert stream.next().data["action"] == "delete"


# ---- delete: computed before the commit ---------------------------------------------------------------------
def test_cascade_deleted_records_are_evaluated_before_their_parent_went(kit):
    """A comment's rule reads its post; the post's delete cascades to the comment. The comment's delete
    message is computed before anything is deleted, so its subscribers still get it."""
    posts = kit.collection(unique("cposts"), [{"name": "public", "type": "bool"}], **OPEN)
    rule = "post.public = true"
    comments = kit.collection(
        unique("comments"),
        [{"name": "text", "type": "text"},
         {"name": "post", "type": "relation", "collectionId": posts["id"], "maxSelect": 1, "cascadeDelete": True}],
        listRule=rule, viewRule=rule, createRule="", updateRule="", deleteRule="",
    )
    post = kit.record(posts["name"], {"public": True})
    comment = kit.record(comments["name"], {"text": "hi", "post": post["id"]})
    stream = _watch(kit, comments["name"])
    kit.delete(posts["name"], post["id"])
    event = stream.next()
    assert event.data["action"] == "delete"
    assert event.data["record"]["id"] == comment["id"]


def test_a_rolled_back_delete_sends_nothing_and_forgets_its_messages(kit, posts):
    name = posts["name"]
    record = kit.record(name, {"title": "survivor"})
    stream = _watch(kit, name)

    core = kit.core
    collection = core.collections.get(name)
    with pytest.raises(RuntimeError):
        with core.db.transaction():
            core.records.remove(core.records_repo.find(collection, record["id"]), RequestContext.system())
            raise RuntimeError("rollback")
    stream.silent()
    assert core.realtime._prepared == {}
    assert core.realtime._pending == {}


def test_delete_rule_evaluation_uses_the_state_before_the_delete(kit):
    name = unique("gone")
    kit.collection(name, [{"name": "title", "type": "text"}], listRule="title = 'visible'", viewRule="", createRule="", updateRule="", deleteRule="")
    visible = kit.record(name, {"title": "visible"})
    invisible = kit.record(name, {"title": "other"})
    stream = _watch(kit, name)
    kit.delete(name, invisible["id"])
    kit.delete(name, visible["id"])
    events = stream.drain(1)
    assert [(event.data["action"], event.data["record"]["id"]) for event in events] == [("delete", visible["id"])]


# ---- expand and fields ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def library(kit):
    authors = kit.collection(
        unique("authors"), [{"name": "name", "type": "text"}, {"name": "private", "type": "bool"}],
        listRule="", viewRule="private = false", createRule="", updateRule="", deleteRule="",
    )
    books = kit.collection(
        unique("books"),
        [{"name": "title", "type": "text"}, {"name": "body", "type": "editor"},
         {"name": "author", "type": "relation", "collectionId": authors["id"], "maxSelect": 1}],
        **OPEN,
    )
    return {"authors": authors["name"], "books": books["name"]}


def test_expand_respects_the_related_view_rule(kit, library):
    public = kit.record(library["authors"], {"name": "Ann", "private": False})
    private = kit.record(library["authors"], {"name": "Zed", "private": True})
    stream = _watch(kit, library["books"], expand="author")
    kit.record(library["books"], {"title": "one", "author": public["id"]})
    kit.record(library["books"], {"title": "two", "author": private["id"]})
    first, second = stream.next().data["record"], stream.next().data["record"]
    assert first["expand"]["author"]["name"] == "Ann"
    assert "author" not in second.get("expand", {})
    su = kit.sse()
    su.subscribe([with_options(f"{library['books']}/*", {"expand": "author"})], headers=kit.su)
    kit.record(library["books"], {"title": "three", "author": private["id"]})
    assert su.next().data["record"]["expand"]["author"]["name"] == "Zed"


def test_fields_pick_keys_expand_paths_and_excerpts(kit, library):
    author = kit.record(library["authors"], {"name": "Ann"})
    stream = _watch(kit, library["books"], expand="author", fields="id,title,body:excerpt(5,true),expand.author.name")
    book = kit.record(library["books"], {"title": "t", "body": "<p>Hello world</p>", "author": author["id"]})
    assert stream.next().data == {
        "action": "create",
        "record": {"id": book["id"], "title": "t", "body": "Hello...", "expand": {"author": {"name": "Ann"}}},
    }


def test_a_bad_fields_option_sends_the_whole_record(kit, library):
    stream = _watch(kit, library["books"], fields="title:nope(")
    book = kit.record(library["books"], {"title": "whole"})
    assert stream.next().data["record"]["id"] == book["id"]


def test_each_option_set_gets_its_own_copy(kit, library):
    author = kit.record(library["authors"], {"name": "Ann"})
    stream = kit.sse()
    plain = f"{library['books']}/*"
    expanded = with_options(plain, {"expand": "author"})
    picked = with_options(plain, {"fields": "id"})
    stream.subscribe([plain, expanded, picked])
    book = kit.record(library["books"], {"title": "copies", "author": author["id"]})
    events = {event.event: event.data["record"] for event in stream.drain(3)}
    assert "expand" not in events[plain]
    assert events[expanded]["expand"]["author"]["id"] == author["id"]
    assert events[picked] == {"id": book["id"]}


def test_a_realtime_failure_never_fails_the_write(kit, posts, monkeypatch):
    from baas.core.realtime import service as service_module

    def broken(*args, **kwargs):
        raise RuntimeError("realtime is broken")

    name = posts["name"]
    stream = _watch(kit, name)
    monkeypatch.setattr(service_module, "build_messages", broken)
    record = kit.record(name, {"title": "written anyway"})
    kit.update(name, record["id"], {"title": "updated anyway"})
    kit.delete(name, record["id"])
    assert kit.client.get(f"/api/collections/{name}/records/{record['id']}").status_code == 404
    stream.silent()
