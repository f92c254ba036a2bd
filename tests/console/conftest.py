"""Fixtures for the console's test-client tests (helpers in `console_support`).

    console      a `Console` around a fresh test client (not signed in)
    signed_in    the same, signed in as the `superuser` fixture's account through the sign-in form
    posts        a `posts` collection with a field of most types, relating to a `tags` collection
"""

from __future__ import annotations

import pytest
from console_support import Console
from support.s3 import s3_server, s3_settings  # noqa: F401  (fixtures: a real S3 server for the storage test)

@pytest.fixture
def console(client) -> Console:
    return Console(client)


@pytest.fixture
def signed_in(console, superuser) -> Console:
    response = console.sign_in()
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return console


@pytest.fixture
def posts(core):
    """A `posts` collection with a field of most types, and a `tags` collection it relates to."""
    service = core.collections_service
    tags = service.create({"name": "tags", "type": "base", "fields": [{"name": "label", "type": "text", "presentable": True}]})
    return service.create(
        {
            "name": "posts",
            "type": "base",
            "listRule": None,
            "fields": [
                {"name": "title", "type": "text", "required": True},
                {"name": "views", "type": "number"},
                {"name": "published", "type": "bool"},
                {"name": "when", "type": "date"},
                {"name": "status", "type": "select", "values": ["draft", "live"], "maxSelect": 1},
                {"name": "meta", "type": "json"},
                {"name": "tags", "type": "relation", "collectionId": tags.id, "maxSelect": 5},
                {"name": "cover", "type": "file", "maxSelect": 1},
                {"name": "site", "type": "url"},
                {"name": "contact", "type": "email"},
                {"name": "body", "type": "editor"},
                {"name": "where", "type": "geoPoint"},
                {"name": "created", "type": "autodate", "onCreate": True},
                {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
            ],
        }
    )
