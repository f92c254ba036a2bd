"""Helpers for the plugin tests: write plugins into a folder or an entry point, and a recording plugin.

    write_plugin(folder, name, source)      folder/name.py with `source` (dedented)
    entry_point_dir(root, name, module, source)   a sys.path dir holding `module` and a dist-info that
                                            declares it in the `baas.plugins` entry-point group
    RECORDER                                the source of a plugin that changes and vetoes `notes` writes and
                                            records every record, collection and settings hook it sees
    recorded(core)                          that plugin's list of calls in `core`'s process
"""

from __future__ import annotations

import textwrap
from pathlib import Path

NOTES_FIELDS = [{"name": "title", "type": "text"}, {"name": "n", "type": "number"}]
OPEN_RULES = {"listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": ""}


def write_plugin(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return path


def entry_point_dir(root: Path, name: str, module: str, source: str) -> Path:
    """A directory to put on sys.path (or PYTHONPATH) that looks like an installed distribution."""
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    dist_info = root / f"{module}-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text(f"[baas.plugins]\n{name} = {module}\n")
    return root


RECORDER = '''
    """Changes and vetoes writes to `notes`, and records what it sees (tests read CALLS)."""
    from dataclasses import replace

    from sqlalchemy import select

    from baas.plugin_api import FieldError, bad_request, hookimpl

    CALLS = []


    def committed(event):
        """Whether the record's row is visible from a fresh connection (i.e. its transaction committed)."""
        record = event.record
        table = record.collection.table(event.app.db.dialect)
        with event.app.db.engine.connect() as connection:
            return connection.execute(select(table.c.id).where(table.c.id == record.id)).first() is not None


    def note(event):
        return event.record.collection.name == "notes"


    @hookimpl
    def baas_bootstrap(app):
        CALLS.append(("bootstrap", app.config.data_dir.name))


    @hookimpl
    def baas_serve(app, flask_app):
        CALLS.append(("serve", flask_app.name))


    @hookimpl
    def baas_terminate(app):
        CALLS.append(("terminate",))


    @hookimpl
    def baas_records_list_request(event):
        if event.collection.name == "notes" and event.ctx.query.get("onlyBig") == "1":
            event.query = replace(event.query, filter="n > 10")  # ListQuery is frozen: replace it


    @hookimpl
    def baas_record_create_request(event):
        if event.collection.name != "notes":
            return None
        CALLS.append(("create_request", event.ctx.context))
        if event.body.get("n") == 13:
            event.body["n"] = 12


    @hookimpl
    def baas_record_delete_request(event):
        if event.collection.name == "notes" and event.ctx.auth is None:
            raise bad_request("Guests may not delete notes.")


    @hookimpl
    def baas_record_create(event):
        if not note(event):
            return None
        title = event.record.get("title")
        CALLS.append(("create", title, event.ctx.context, event.app.db.current is not None))
        if title == "veto":
            raise bad_request("Custom hook reject.", {"title": FieldError("custom_code", "Bad title.")})
        event.record.set("title", f"{title} (via hook)")


    @hookimpl
    def baas_record_update(event):
        if note(event) and event.record.get("title") == "veto":
            raise bad_request("No vetoed titles.")


    @hookimpl
    def baas_record_after_create_success(event):
        if note(event):
            CALLS.append(("after_create_success", event.record.get("title"), committed(event), event.app.db.current is None))


    @hookimpl
    def baas_record_after_create_error(event):
        if note(event):
            CALLS.append(("after_create_error", event.record.get("title"), committed(event), type(event.error).__name__))


    @hookimpl
    def baas_record_after_delete_success(event):
        if note(event):
            CALLS.append(("after_delete_success", event.record.id))


    @hookimpl
    def baas_collection_create(event):
        CALLS.append(("collection_create", event.collection.name))
        if event.collection.name == "forbidden":
            raise bad_request("No collection may be called forbidden.")


    @hookimpl
    def baas_collection_after_create_success(event):
        CALLS.append(("collection_after_create_success", event.collection.name))


    @hookimpl
    def baas_collection_after_create_error(event):
        CALLS.append(("collection_after_create_error", event.collection.name))


    @hookimpl
    def baas_collection_update(event):
        CALLS.append(("collection_update", event.old.name, event.collection.name))


    @hookimpl
    def baas_collection_delete(event):
        CALLS.append(("collection_delete", event.collection.name))


    @hookimpl
    def baas_collection_after_delete_success(event):
        CALLS.append(("collection_after_delete_success", event.collection.name))


    @hookimpl
    def baas_settings_update(event):
        if event.new["meta"]["appName"] == "forbidden":
            raise bad_request("Not that name.")
        event.new["meta"]["appName"] = event.new["meta"]["appName"].strip().title()


    @hookimpl
    def baas_settings_after_update_success(event):
        CALLS.append(("settings_after_update_success", event.old["meta"]["appName"], event.new["meta"]["appName"]))
'''


def recorded(core, name: str = "recorder") -> list[tuple]:
    return core.hooks.pm.get_plugin(name).CALLS
