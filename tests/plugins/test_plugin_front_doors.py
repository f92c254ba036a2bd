"""The same plugin hooks fire whichever door a write comes in by: the REST API (test_plugin_hooks.py),
the batch API (`POST /api/batch`) and the console (`/_/`), because all of them call the records service."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from plugin_support import NOTES_FIELDS, OPEN_RULES, RECORDER, recorded, write_plugin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "console"))
from console_support import Console  # noqa: E402


@pytest.fixture
def app(app_factory, tmp_path):
    folder = tmp_path / "plugins"
    write_plugin(folder, "recorder", RECORDER)
    return app_factory(plugins_dir=str(folder))


@pytest.fixture
def notes(core):
    return core.collections_service.create({"name": "notes", "fields": NOTES_FIELDS, **OPEN_RULES})


def titles(core):
    table = core.collections.get("notes").table(core.db.dialect)
    with core.db.read() as connection:
        return sorted(row.title for row in connection.execute(table.select()))


def creates(core):
    return [call for call in recorded(core) if call[0] == "create"]


# ---- batch -------------------------------------------------------------------------------------------
@pytest.fixture
def batch_on(client, su_headers):
    response = client.patch("/api/settings", json={"batch": {"enabled": True}}, headers=su_headers)
    assert response.status_code == 200


def batch(client, *titles_):
    items = [{"method": "POST", "url": "/api/collections/notes/records", "body": {"title": title}} for title in titles_]
    return client.post("/api/batch", json={"requests": items})


def test_batch_items_go_through_the_same_hooks(client, core, notes, batch_on):
    response = batch(client, "one", "two")
    assert response.status_code == 200, response.get_json()
    assert [item["body"]["title"] for item in response.get_json()] == ["one (via hook)", "two (via hook)"]
    assert titles(core) == ["one (via hook)", "two (via hook)"]
    assert [call[:3] for call in creates(core)] == [("create", "one", "batch"), ("create", "two", "batch")]
    assert [call[1] for call in recorded(core) if call[0] == "create_request"] == ["batch", "batch"]


def test_a_hook_veto_rolls_the_whole_batch_back(client, core, notes, batch_on):
    response = batch(client, "fine", "veto")
    assert response.status_code == 400
    body = response.get_json()
    assert body["message"] == "Batch transaction failed."
    assert body["data"]["requests"]["1"]["response"] == {
        "status": 400,
        "message": "Custom hook reject.",
        "data": {"title": {"code": "custom_code", "message": "Bad title."}},
    }
    assert titles(core) == []
    after = [call for call in recorded(core) if call[0].startswith("after_create")]
    assert [call[0] for call in after] == ["after_create_error", "after_create_error"]  # both rolled back
    assert not any(call[2] for call in after)  # neither row visible once rolled back


# ---- console -----------------------------------------------------------------------------------------
@pytest.fixture
def console(client, superuser) -> Console:
    made = Console(client)
    assert made.sign_in().status_code == 302
    return made


def test_a_console_create_goes_through_the_same_hooks(console, core, notes):
    values = console.form("/_/collections/notes/records/new", "record-form").set("r-title", "from the console")
    response = console.submit("/_/collections/notes/records/new", values)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert titles(core) == ["from the console (via hook)"]
    assert [call[:2] for call in creates(core)] == [("create", "from the console")]
    assert [call[0] for call in recorded(core) if call[0].startswith("after_create")] == ["after_create_success"]


def test_a_hook_veto_is_shown_in_the_console_and_nothing_is_stored(console, core, notes):
    values = console.form("/_/collections/notes/records/new", "record-form").set("r-title", "veto")
    response = console.submit("/_/collections/notes/records/new", values)
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    assert "Custom hook reject." in html or "Bad title." in html
    assert titles(core) == []
