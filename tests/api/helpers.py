"""Shared set-up for the records API tests.

Creating a database per test costs up to a second on PostgreSQL, so each records test module shares one
app (`api`, module scope) and every test works on records it creates itself; only read-only data sets
(lists, filters, expands) are seeded once per module. Import the fixtures into a test module with
`from api.helpers import api, su  # noqa: F401`.

    api           (module) Api: .client, .core, .flask_app
    su            (module) {"Authorization": <superuser token>}
    Api.collection(name, fields, **rules)       create a collection as superuser -> its JSON
    Api.record(collection, body, headers=su)    create a record, asserting 200 -> its JSON
    Api.user(email, password=PASSWORD, **extra) a `users` record (created by a superuser)
    Api.login(email, password=PASSWORD)         {"Authorization": token} of a `users` record
    Api.cheap_passwords(collection)             bcrypt cost 4 for an auth collection (done for `users`)
    assert_error(response, status, message, data={})
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

SU_EMAIL = "admin@example.com"
SU_PASSWORD = "Passw0rd!23"
PASSWORD = "Us3r-Passw0rd"
GENERIC_400 = "Something went wrong while processing your request."
NOT_FOUND = "The requested resource wasn't found."
SUPERUSERS_ONLY = "Only superusers can perform this action."
RULES = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")
OPEN_RULES = {rule: "" for rule in RULES}

_names = itertools.count(1)


def unique(prefix: str = "x") -> str:
    """A name no other test of this session uses."""
    return f"{prefix}{next(_names)}"


def record_id(number: int) -> str:
    """A valid client-chosen record id (15 chars of [a-z0-9])."""
    return f"r{number:014d}"


class Api:
    def __init__(self, flask_app):
        self.flask_app = flask_app
        self.core = flask_app.extensions["baas"]
        self.client = flask_app.test_client()
        self.su: dict[str, str] = {}

    def collection(self, name: str, fields: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        response = self.client.post("/api/collections", json={"name": name, "fields": fields, **options}, headers=self.su)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def record(self, collection: str, body: dict[str, Any], headers: dict[str, str] | None = None, query: str = "") -> dict[str, Any]:
        response = self.client.post(
            f"/api/collections/{collection}/records{query}", json=body, headers=self.su if headers is None else headers
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def get(self, collection: str, record: str, headers: dict[str, str] | None = None) -> dict[str, Any] | None:
        """The stored record as a superuser sees it, or None."""
        response = self.client.get(f"/api/collections/{collection}/records/{record}", headers=self.su if headers is None else headers)
        return response.get_json() if response.status_code == 200 else None

    def ids(self, collection: str, filter: str = "", headers: dict[str, str] | None = None) -> list[str]:
        response = self.client.get(
            f"/api/collections/{collection}/records",
            query_string={"filter": filter, "perPage": 1000, "sort": "id", "fields": "id"},
            headers=self.su if headers is None else headers,
        )
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    def user(self, email: str, password: str = PASSWORD, collection: str = "users", **extra: Any) -> dict[str, Any]:
        return self.record(collection, {"email": email, "password": password, "passwordConfirm": password, **extra})

    def login(self, email: str, password: str = PASSWORD, collection: str = "users") -> dict[str, str]:
        response = self.client.post(
            f"/api/collections/{collection}/auth-with-password", json={"identity": email, "password": password}
        )
        assert response.status_code == 200, response.get_json()
        return {"Authorization": response.get_json()["token"]}

    def cheap_passwords(self, collection: str = "users") -> None:
        """bcrypt cost 4 instead of 10 for `collection`: a test signs in dozens of times."""
        definition = self.client.get(f"/api/collections/{collection}", headers=self.su).get_json()
        fields = [{**field, "cost": 4} if field["type"] == "password" else field for field in definition["fields"]]
        response = self.client.patch(f"/api/collections/{collection}", json={"fields": fields}, headers=self.su)
        assert response.status_code == 200, response.get_json()

    def settings(self, patch: dict[str, Any]) -> dict[str, Any]:
        response = self.client.patch("/api/settings", json=patch, headers=self.su)
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture(scope="module")
def api(databases, tmp_path_factory):
    from baas import create_app, load_config
    from baas.core import superusers

    data_dir = tmp_path_factory.mktemp("records_api")
    url = databases.fresh(data_dir)
    flask_app = create_app(load_config(data_dir, url, env={}), run_migrations=False)
    flask_app.config["TESTING"] = True
    made = Api(flask_app)
    fields = [{**field.to_json(), "cost": 4} if field.type == "password" else field.to_json()
              for field in made.core.collections.get("_superusers").fields]
    made.core.collections_service.update("_superusers", {"fields": fields})  # cheap hashing, as cheap_passwords()
    superusers.upsert(made.core, SU_EMAIL, SU_PASSWORD)
    made.su = made.login(SU_EMAIL, SU_PASSWORD, collection="_superusers")
    made.cheap_passwords("users")
    yield made
    made.core.close()
    databases.release(url)


@pytest.fixture(scope="module")
def su(api) -> dict[str, str]:
    return api.su


def assert_error(response, status: int, message: str, data: dict[str, Any] | None = None) -> None:
    """`response` is PocketBase's error JSON, exactly."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json() == {"status": status, "message": message, "data": data or {}}


def field_error(code: str, message: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "message": message}
    if params:
        out["params"] = params
    return out
