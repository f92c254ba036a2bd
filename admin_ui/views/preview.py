"""API preview: a collection's endpoints with example calls through the JS SDK and curl.

    GET /_/collections/<name>/api       api_preview
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint

from baas.schema.collection import Collection

from ..site import core, render
from .collections import get_collection


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/collections/<name>/api", "api_preview", api_preview)


def example_body(collection: Collection) -> dict[str, Any]:
    samples = {
        "text": "test", "email": "test@example.com", "url": "https://example.com", "editor": "<p>test</p>",
        "number": 123, "bool": True, "date": "2022-01-01 10:00:00.123Z", "json": {"key": "value"},
        "geoPoint": {"lon": 0, "lat": 0},
    }
    body: dict[str, Any] = {}
    for field in collection.fields:
        if field.system or field.type in ("autodate", "file") or field.name == "id":
            continue
        if field.type == "select":
            value = (field.values or ["value"])[0]
            body[field.name] = [value] if field.is_multiple() else value
        elif field.type == "relation":
            body[field.name] = ["RELATION_RECORD_ID"] if field.is_multiple() else "RELATION_RECORD_ID"
        elif field.type == "password":
            continue
        elif field.type in samples:
            body[field.name] = samples[field.type]
    if collection.is_auth:
        body = {"email": "test@example.com", "emailVisibility": True, "password": "12345678", "passwordConfirm": "12345678", **body}
    return body


def endpoints(collection: Collection, base_url: str) -> list[dict[str, str]]:
    name = collection.name
    path = f"/api/collections/{name}/records"
    body = json.dumps(example_body(collection), indent=2)
    quoted = json.dumps(name)
    found = [
        {
            "title": "List/Search", "method": "GET", "path": path, "rule": "listRule",
            "sdk": f"const result = await pb.collection({quoted}).getList(1, 50, {{\n  filter: 'created >= \"2022-01-01 00:00:00\"',\n  sort: '-created',\n}});",
            "curl": f"curl '{base_url}{path}?page=1&perPage=50&sort=-created'",
        },
        {
            "title": "View", "method": "GET", "path": f"{path}/:id", "rule": "viewRule",
            "sdk": f"const record = await pb.collection({quoted}).getOne('RECORD_ID', {{ expand: '' }});",
            "curl": f"curl '{base_url}{path}/RECORD_ID'",
        },
    ]
    if not collection.is_view:
        found += [
            {
                "title": "Create", "method": "POST", "path": path, "rule": "createRule",
                "sdk": f"const data = {body};\nconst record = await pb.collection({quoted}).create(data);",
                "curl": f"curl -X POST '{base_url}{path}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{json.dumps(example_body(collection))}'",
            },
            {
                "title": "Update", "method": "PATCH", "path": f"{path}/:id", "rule": "updateRule",
                "sdk": f"const record = await pb.collection({quoted}).update('RECORD_ID', data);",
                "curl": f"curl -X PATCH '{base_url}{path}/RECORD_ID' \\\n  -H 'Content-Type: application/json' \\\n  -d '{{}}'",
            },
            {
                "title": "Delete", "method": "DELETE", "path": f"{path}/:id", "rule": "deleteRule",
                "sdk": f"await pb.collection({quoted}).delete('RECORD_ID');",
                "curl": f"curl -X DELETE '{base_url}{path}/RECORD_ID'",
            },
        ]
    found.append(
        {
            "title": "Realtime", "method": "SSE", "path": "/api/realtime", "rule": "listRule / viewRule",
            "sdk": f"pb.collection({quoted}).subscribe('*', (e) => {{\n  console.log(e.action, e.record);\n}});",
            "curl": f"curl -N '{base_url}/api/realtime'",
        }
    )
    if collection.is_auth:
        auth_body = json.dumps({"identity": "test@example.com", "password": "12345678"})
        found.insert(0, {
            "title": "Auth with password", "method": "POST", "path": f"/api/collections/{name}/auth-with-password", "rule": "authRule",
            "sdk": f"const authData = await pb.collection({quoted}).authWithPassword('test@example.com', '12345678');\nconsole.log(pb.authStore.token);",
            "curl": f"curl -X POST '{base_url}/api/collections/{name}/auth-with-password' \\\n  -H 'Content-Type: application/json' \\\n  -d '{auth_body}'",
        })
        found.insert(1, {
            "title": "Auth refresh", "method": "POST", "path": f"/api/collections/{name}/auth-refresh", "rule": "authRule",
            "sdk": f"const authData = await pb.collection({quoted}).authRefresh();",
            "curl": f"curl -X POST '{base_url}/api/collections/{name}/auth-refresh' -H 'Authorization: TOKEN'",
        })
    for item in found:
        rule_key = item["rule"]
        value = collection.rule(rule_key) if rule_key in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule", "authRule") else ""
        item["access"] = "Superusers only" if value is None else ("Everyone" if value == "" else value)
    return found


def api_preview(name: str):
    collection = get_collection(name)
    base_url = (core().settings.get().get("meta", {}).get("appURL") or "http://127.0.0.1:8090").rstrip("/")
    return render(
        "api_preview.html",
        collection=collection,
        title=f"{collection.name} API",
        base_url=base_url,
        endpoints=endpoints(collection, base_url),
        sdk_setup=f"import PocketBase from 'pocketbase';\n\nconst pb = new PocketBase({json.dumps(base_url)});",
    )
