"""Hooks of a folder plugin, exercised through real HTTP requests (Flask's test client).

The `recorder` plugin (plugin_support.RECORDER) appends " (via hook)" to every new note's title, vetoes the
title "veto" with a 400, and records when its after-hooks run and whether the row was committed by then.
"""

from __future__ import annotations

import pytest
from plugin_support import NOTES_FIELDS, OPEN_RULES, RECORDER, recorded, write_plugin

from baas.core.context import RequestContext

REJECT = {
    "status": 400,
    "message": "Custom hook reject.",
    "data": {"title": {"code": "custom_code", "message": "Bad title."}},
}


@pytest.fixture
def app(app_factory, tmp_path):
    """The `app` every fixture (client, core, superuser) uses, with the recorder plugin in its folder."""
    folder = tmp_path / "plugins"
    write_plugin(folder, "recorder", RECORDER)
    return app_factory(plugins_dir=str(folder))


@pytest.fixture
def notes(core):
    return core.collections_service.create({"name": "notes", "fields": NOTES_FIELDS, **OPEN_RULES})


def titles(core, collection="notes"):
    table = core.collections.get(collection).table(core.db.dialect)
    with core.db.read() as connection:
        return sorted(row.title for row in connection.execute(table.select()))


def calls(core, kind):
    return [call for call in recorded(core) if call[0] == kind]


# ---- lifecycle ----------------------------------------------------------------------------------------
def test_bootstrap_and_serve_fire_once_per_app(core):
    assert [call[0] for call in recorded(core)][:2] == ["bootstrap", "serve"]
    assert len(calls(core, "bootstrap")) == len(calls(core, "serve")) == 1


def test_terminate_fires_once_when_the_app_closes(core):
    core.close()
    core.close()
    assert calls(core, "terminate") == [("terminate",)]


# ---- record model hooks ------------------------------------------------------------------------------
def test_a_before_hook_changes_the_record_that_is_stored(client, core, notes):
    response = client.post("/api/collections/notes/records", json={"title": "hello"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["title"] == "hello (via hook)"
    assert titles(core) == ["hello (via hook)"]


def test_a_before_hook_vetoes_the_write_with_a_400_and_nothing_is_stored(client, core, notes):
    response = client.post("/api/collections/notes/records", json={"title": "veto"})
    assert response.status_code == 400
    assert response.get_json() == REJECT
    assert titles(core) == []
    listed = client.get("/api/collections/notes/records").get_json()
    assert listed["totalItems"] == 0


def test_before_hooks_run_inside_the_transaction(client, core, notes):
    client.post("/api/collections/notes/records", json={"title": "inside"})
    assert calls(core, "create") == [("create", "inside", "default", True)]


def test_after_success_runs_only_once_committed(client, core, notes):
    client.post("/api/collections/notes/records", json={"title": "one"})
    # (title, visible from another connection, no transaction open)
    assert calls(core, "after_create_success") == [("after_create_success", "one (via hook)", True, True)]
    assert calls(core, "after_create_error") == []


def test_after_error_runs_on_rollback_and_after_success_does_not(client, core, notes):
    """A unique index fails the INSERT, after the before-hooks ran: the transaction rolls back."""
    core.collections_service.update("notes", {"indexes": ["CREATE UNIQUE INDEX idx_notes_title ON notes (title)"]})
    assert client.post("/api/collections/notes/records", json={"title": "dup"}).status_code == 200
    response = client.post("/api/collections/notes/records", json={"title": "dup"})
    assert response.status_code == 400
    assert titles(core) == ["dup (via hook)"]
    assert len(calls(core, "after_create_success")) == 1
    (error,) = calls(core, "after_create_error")
    assert error[:2] == ("after_create_error", "dup (via hook)") and error[3] == "ApiError"


def test_a_vetoed_write_fires_after_error_too(client, core, notes):
    client.post("/api/collections/notes/records", json={"title": "veto"})
    assert calls(core, "after_create_error") == [("after_create_error", "veto", False, "ApiError")]


def test_model_hooks_fire_for_programmatic_saves(core, notes):
    record = core.records.create(notes, RequestContext.system(), {"title": "from code"})
    assert record.get("title") == "from code (via hook)"
    assert calls(core, "create") == [("create", "from code", "default", True)]


def test_an_update_veto_keeps_the_stored_record(client, core, notes):
    created = client.post("/api/collections/notes/records", json={"title": "keep"}).get_json()
    response = client.patch(f"/api/collections/notes/records/{created['id']}", json={"title": "veto"})
    assert response.status_code == 400
    assert response.get_json()["message"] == "No vetoed titles."
    assert titles(core) == ["keep (via hook)"]


# ---- record request hooks ----------------------------------------------------------------------------
def test_a_request_hook_changes_the_input(client, core, notes):
    response = client.post("/api/collections/notes/records", json={"title": "thirteen", "n": 13})
    assert response.get_json()["n"] == 12


def test_a_request_hook_changes_the_list_query(client, core, notes):
    for n in (5, 50):
        client.post("/api/collections/notes/records", json={"title": f"n{n}", "n": n})
    assert client.get("/api/collections/notes/records").get_json()["totalItems"] == 2
    only_big = client.get("/api/collections/notes/records?onlyBig=1").get_json()
    assert [item["n"] for item in only_big["items"]] == [50]


def test_a_request_hook_vetoes_a_delete(client, core, notes, su_headers):
    created = client.post("/api/collections/notes/records", json={"title": "stay"}).get_json()
    url = f"/api/collections/notes/records/{created['id']}"
    response = client.delete(url)
    assert response.status_code == 400
    assert response.get_json() == {"status": 400, "message": "Guests may not delete notes.", "data": {}}
    assert titles(core) == ["stay (via hook)"]
    assert client.delete(url, headers=su_headers).status_code == 204
    assert calls(core, "after_delete_success") == [("after_delete_success", created["id"])]


# ---- collections and settings ------------------------------------------------------------------------
def test_collection_hooks_fire_for_create_update_delete(client, core, su_headers):
    body = {"name": "things", "fields": [{"name": "label", "type": "text"}]}
    assert client.post("/api/collections", json=body, headers=su_headers).status_code == 200
    assert client.patch("/api/collections/things", json={"name": "stuff"}, headers=su_headers).status_code == 200
    assert client.delete("/api/collections/stuff", headers=su_headers).status_code == 204
    seen = [call for call in recorded(core) if call[0].startswith("collection_")]
    assert seen == [
        ("collection_create", "things"),
        ("collection_after_create_success", "things"),
        ("collection_update", "things", "stuff"),
        ("collection_delete", "stuff"),
        ("collection_after_delete_success", "stuff"),
    ]


def test_a_collection_hook_vetoes_a_creation(client, core, su_headers):
    response = client.post("/api/collections", json={"name": "forbidden", "fields": []}, headers=su_headers)
    assert response.status_code == 400
    assert response.get_json()["message"] == "No collection may be called forbidden."
    assert core.collections.get("forbidden") is None
    assert client.get("/api/collections/forbidden", headers=su_headers).status_code == 404
    assert ("collection_after_create_error", "forbidden") in recorded(core)


def test_the_settings_hook_changes_and_vetoes_a_change(client, core, su_headers):
    response = client.patch("/api/settings", json={"meta": {"appName": "  my app "}}, headers=su_headers)
    assert response.status_code == 200
    assert response.get_json()["meta"]["appName"] == "My App"
    assert calls(core, "settings_after_update_success") == [("settings_after_update_success", "baas", "My App")]
    vetoed = client.patch("/api/settings", json={"meta": {"appName": "forbidden"}}, headers=su_headers)
    assert vetoed.status_code == 400
    assert vetoed.get_json()["message"] == "Not that name."
    assert client.get("/api/settings", headers=su_headers).get_json()["meta"]["appName"] == "My App"


# ---- around-style hooks and ordering -----------------------------------------------------------------
WRAPPER = """
    from baas.plugin_api import bad_request, hookimpl


    @hookimpl(wrapper=True)
    def baas_record_view_request(event):
        event.record_id = event.record_id.strip()  # before the default: change its input
        record = yield
        record.extra["viewedVia"] = "wrapper"  # after it: change its output
        return record


    @hookimpl(wrapper=True)
    def baas_record_create(event):
        result = yield  # the row is written (inside the transaction) when this resumes
        if event.record.get("title").startswith("undo"):
            raise bad_request("Undone after the write.")
        return result
"""


@pytest.fixture
def wrapped(app_factory, tmp_path):
    folder = tmp_path / "plugins"
    write_plugin(folder, "recorder", RECORDER)
    write_plugin(folder, "wrapper", WRAPPER)
    flask_app = app_factory(plugins_dir=str(folder))
    core = flask_app.extensions["baas"]
    core.collections_service.create({"name": "notes", "fields": NOTES_FIELDS, **OPEN_RULES})
    return flask_app.test_client(), core


def test_a_wrapper_changes_the_input_and_the_output_of_the_default(wrapped):
    client, _core = wrapped
    created = client.post("/api/collections/notes/records", json={"title": "w"}).get_json()
    response = client.get(f"/api/collections/notes/records/%20{created['id']}%20")
    assert response.status_code == 200
    assert response.get_json()["viewedVia"] == "wrapper"


def test_a_wrapper_raising_after_the_write_rolls_it_back(wrapped):
    client, core = wrapped
    response = client.post("/api/collections/notes/records", json={"title": "undo me"})
    assert response.status_code == 400
    assert response.get_json() == {"status": 400, "message": "Undone after the write.", "data": {}}
    assert titles(core) == []
    assert calls(core, "after_create_error") == [("after_create_error", "undo me (via hook)", False, "ApiError")]


ORDERED = """
    from baas.plugin_api import hookimpl


    @hookimpl{options}
    def baas_record_create(event):
        event.record.set("title", event.record.get("title") + "-{name}")
"""


@pytest.mark.parametrize(("a_options", "expected"), [("", "x-b-a"), ("(tryfirst=True)", "x-a-b")])
def test_later_registered_plugins_run_first_unless_pinned(app_factory, tmp_path, a_options, expected):
    folder = tmp_path / "plugins"
    write_plugin(folder, "a_first", ORDERED.format(options=a_options, name="a"))
    write_plugin(folder, "b_second", ORDERED.format(options="", name="b"))
    core = app_factory(plugins_dir=str(folder)).extensions["baas"]
    notes = core.collections_service.create({"name": "notes", "fields": NOTES_FIELDS})
    assert core.records.create(notes, RequestContext.system(), {"title": "x"}).get("title") == expected


def test_enrich_adds_values_to_api_answers_and_expanded_records(core, client, su_headers):
    """`baas_record_enrich` fires for every rendered record, expanded ones included."""
    from baas.hooks import hookimpl

    client.post("/api/collections", headers=su_headers, json={
        "name": "authors", "listRule": "", "viewRule": "", "createRule": "", "fields": [{"name": "name", "type": "text"}]})
    authors = client.get("/api/collections/authors", headers=su_headers).get_json()
    client.post("/api/collections", headers=su_headers, json={
        "name": "books", "listRule": "", "viewRule": "", "createRule": "", "fields": [
            {"name": "title", "type": "text"},
            {"name": "author", "type": "relation", "collectionId": authors["id"]}]})
    author = client.post("/api/collections/authors/records", json={"name": "Ann"}).get_json()
    book = client.post("/api/collections/books/records", json={"title": "T", "author": author["id"]}).get_json()

    class Enricher:
        @hookimpl
        def baas_record_enrich(self, event):
            event.record.extra["shout"] = str(event.record.get("title") or event.record.get("name")).upper()

    core.hooks.register(Enricher(), "enricher")
    try:
        viewed = client.get(f"/api/collections/books/records/{book['id']}?expand=author").get_json()
        listed = client.get("/api/collections/books/records").get_json()["items"][0]
    finally:
        core.hooks.unregister("enricher")
    assert viewed["shout"] == "T" and viewed["expand"]["author"]["shout"] == "ANN"
    assert listed["shout"] == "T"
    assert "shout" not in client.get(f"/api/collections/books/records/{book['id']}").get_json()
