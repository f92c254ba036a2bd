"""List queries kept per collection (`baas/core/records/list_plans.py`): never stale, never shared wrongly.

A list request whose filter, sort and list rule have no `@` runs SQL compiled once; these tests repeat
the same request around writes, rule changes and callers that must see different rows.
"""

from __future__ import annotations

from sqlalchemy import column, select, table

from api.helpers import api, assert_error, su, unique  # noqa: F401
from baas.db.driver_sql import compile_for_driver


def listing(api, collection, headers=None, **params):
    response = api.client.get(f"/api/collections/{collection}/records", query_string=params, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def titled(api, collection, headers=None, **params) -> list[str]:
    return [item["title"] for item in listing(api, collection, headers, **params)["items"]]


def notes_collection(api, **rules) -> str:
    name = unique("plans")
    api.collection(name, [{"name": "title", "type": "text"}, {"name": "n", "type": "number"},
                          {"name": "secret", "type": "text", "hidden": True},
                          {"name": "owner", "type": "text"}], **{"listRule": "", **rules})
    return name


def test_a_kept_plan_sees_every_write(api):
    name = notes_collection(api)
    for n in (1, 5, 9):
        api.record(name, {"title": f"t{n}", "n": n})
    params = {"filter": "n > 2", "sort": "-n"}
    assert titled(api, name, **params) == ["t9", "t5"]
    assert api.core.records_repo.list_plans.get(api.core.collections.get(name), (False, "n > 2", "-n", 30, 0)) is not None
    api.record(name, {"title": "t7", "n": 7})
    assert titled(api, name, **params) == ["t9", "t7", "t5"]
    body = listing(api, name, **params)
    assert (body["totalItems"], body["totalPages"]) == (3, 1)
    assert listing(api, name, skipTotal="1", **params)["totalItems"] == -1


def test_pages_are_planned_apart(api):
    name = notes_collection(api)
    for n in range(1, 6):
        api.record(name, {"title": f"t{n}", "n": n})
    assert titled(api, name, sort="n", perPage="2", page="1") == ["t1", "t2"]
    assert titled(api, name, sort="n", perPage="2", page="2") == ["t3", "t4"]
    assert titled(api, name, sort="n", perPage="3", page="2") == ["t4", "t5"]


def test_a_changed_list_rule_applies_to_the_next_request(api, su):
    name = notes_collection(api, listRule="n > 1")
    for n in (1, 2, 3):
        api.record(name, {"title": f"t{n}", "n": n})
    assert titled(api, name, sort="n") == ["t2", "t3"]
    response = api.client.patch(f"/api/collections/{name}", json={"listRule": "n > 2"}, headers=su)
    assert response.status_code == 200
    assert titled(api, name, sort="n") == ["t3"]
    api.client.patch(f"/api/collections/{name}", json={"listRule": None}, headers=su)
    assert_error(api.client.get(f"/api/collections/{name}/records?sort=n"), 403, "Only superusers can perform this action.")


def test_a_request_dependent_rule_is_compiled_for_each_caller(api):
    name = notes_collection(api, listRule="owner = @request.auth.id")
    ann, bob = api.user(f"{unique('ann')}@example.com"), api.user(f"{unique('bob')}@example.com")
    api.record(name, {"title": "ann's", "owner": ann["id"]})
    api.record(name, {"title": "bob's", "owner": bob["id"]})
    assert titled(api, name, api.login(ann["email"]), sort="title") == ["ann's"]
    assert titled(api, name, api.login(bob["email"]), sort="title") == ["bob's"]
    assert titled(api, name, sort="title") == []


def test_a_superusers_plan_does_not_open_hidden_fields_to_guests(api, su):
    name = notes_collection(api)
    api.record(name, {"title": "a", "secret": "s"})
    assert titled(api, name, su, filter="secret = 's'") == ["a"]  # planned for superusers
    response = api.client.get(f"/api/collections/{name}/records", query_string={"filter": "secret = 's'"})
    assert_error(response, 400, "Something went wrong while processing your request.")
    assert titled(api, name, su, filter="secret = 's'") == ["a"]


def test_statements_with_expanding_parameters_are_left_to_sqlalchemy(api):
    items = table("items", column("id"))
    engine_dialect = api.core.db.engine.dialect
    assert compile_for_driver(select(items).where(items.c.id.in_(["a", "b"])), engine_dialect) is None
    kept = compile_for_driver(select(items).where(items.c.id == "a").limit(5), engine_dialect)
    assert kept is not None and "a" in (kept.params.values() if isinstance(kept.params, dict) else kept.params)
