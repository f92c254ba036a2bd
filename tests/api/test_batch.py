"""`POST /api/batch` (reference section 1.7), compared with PocketBase 0.40.6: items run through the records
service in one transaction, so rules and hooks apply per item and any failure rolls everything back."""

from __future__ import annotations

import io

import pytest

from api.helpers import GENERIC_400, NOT_FOUND, OPEN_RULES, SUPERUSERS_ONLY, api, assert_error, field_error, record_id, su  # noqa: F401
from baas.api import batch as batch_module
from baas.hooks import hookimpl

ITEMS = "/api/collections/items/records"
FAILED = "Batch transaction failed."
INVALID = "Invalid batch request data."
READ_FAILED = "Failed to read the submitted batch data."
BATCH_ON = {"enabled": True, "maxRequests": 50, "timeout": 3, "maxBodySize": 0}


@pytest.fixture(scope="module", autouse=True)
def world(api):
    api.collection("items", [{"name": "name", "type": "text", "required": True}, {"name": "n", "type": "number"}], **OPEN_RULES)
    api.collection("locked_items", [{"name": "name", "type": "text"}])
    api.collection(
        "batch_only",
        [{"name": "name", "type": "text"}, {"name": "source", "type": "text"}],
        listRule="",
        viewRule="",
        createRule="@request.context = 'batch' && @request.headers.x_source = source && @request.query.tag = 'ok'",
        updateRule="@request.method = 'PATCH'",
    )
    items = api.core.collections.get("items").id
    api.collection(
        "parts",
        [{"name": "item", "type": "relation", "collectionId": items, "required": True, "cascadeDelete": True}],
        **OPEN_RULES,
    )
    api.collection("uniques", [{"name": "code", "type": "text"}], indexes=["CREATE UNIQUE INDEX idx_uniques_code ON uniques (code)"], **OPEN_RULES)
    api.collection("docs", [{"name": "title", "type": "text"}, {"name": "files", "type": "file", "maxSelect": 3}], **OPEN_RULES)
    api.settings({"batch": BATCH_ON})


def send(api, requests, headers=None, **kwargs):
    return api.client.post("/api/batch", json={"requests": requests}, headers=headers if headers is not None else api.su, **kwargs)


def item_failure(response, index: int, status: int, message: str, data=None) -> None:
    assert_error(
        response, 400, FAILED,
        {"requests": {str(index): {"code": "batch_request_failed", "message": "Batch request failed.",
                                   "response": {"status": status, "message": message, "data": data or {}}}}},
    )


def count(api, filter: str) -> int:
    return len(api.ids("items", filter))


@pytest.fixture
def batch_settings(api):
    """Change the batch settings for one test."""
    def change(**values):
        api.settings({"batch": {**BATCH_ON, **values}})

    yield change
    api.settings({"batch": BATCH_ON})


# ---- settings ------------------------------------------------------------------------------------------------


def test_batch_is_403_when_disabled(api, batch_settings):
    batch_settings(enabled=False)
    response = send(api, [{"method": "POST", "url": ITEMS, "body": {"name": "nope"}}])
    assert_error(response, 403, "Batch requests are not allowed.")
    assert count(api, "name = 'nope'") == 0


def test_batch_is_disabled_on_a_fresh_install(client, su_headers):
    response = client.post("/api/batch", json={"requests": [{"method": "POST", "url": ITEMS, "body": {}}]}, headers=su_headers)
    assert_error(response, 403, "Batch requests are not allowed.")


def test_more_requests_than_allowed_is_400(api, batch_settings):
    batch_settings(maxRequests=3)
    response = send(api, [{"method": "POST", "url": ITEMS, "body": {"name": "too-many"}}] * 4)
    assert_error(response, 400, INVALID, {"requests": field_error("validation_length_too_long", "The length must be no more than 3.", {"max": 3, "min": 0})})
    assert count(api, "name = 'too-many'") == 0


def test_a_body_over_max_body_size_is_413(api, batch_settings):
    batch_settings(maxBodySize=200)
    response = send(api, [{"method": "POST", "url": ITEMS, "body": {"name": "x" * 300}}])
    assert_error(response, 413, "Request entity too large.")


def test_a_batch_over_its_timeout_is_rolled_back(api, monkeypatch):
    ticks = iter(range(0, 1000, 2))  # every look at the clock is 2 s later: the 3 s timeout passes mid-batch
    monkeypatch.setattr(batch_module, "clock", lambda: next(ticks))
    response = send(api, [{"method": "POST", "url": ITEMS, "body": {"name": f"slow {number}"}} for number in range(3)])
    assert_error(response, 400, FAILED)
    assert count(api, "name ~ 'slow'") == 0


# ---- success --------------------------------------------------------------------------------------------------


def test_every_action_in_one_batch(api):
    existing = api.record("items", {"name": "to update", "n": 1})["id"]
    doomed = api.record("items", {"name": "to delete"})["id"]
    upserted = api.record("items", {"name": "to upsert"})["id"]
    response = send(api, [
        {"method": "POST", "url": ITEMS, "body": {"id": record_id(501), "name": "created"}},
        {"method": "PATCH", "url": f"{ITEMS}/{existing}", "body": {"n+": 2}},
        {"method": "PUT", "url": f"{ITEMS}?fields=id,name", "body": {"id": upserted, "name": "upserted"}},
        {"method": "PUT", "url": ITEMS, "body": {"id": record_id(502), "name": "upsert-created"}},
        {"method": "DELETE", "url": f"{ITEMS}/{doomed}"},
    ])
    assert response.status_code == 200, response.get_json()
    results = response.get_json()
    assert [result["status"] for result in results] == [200, 200, 200, 200, 204]
    assert results[0]["body"]["id"] == record_id(501) and results[0]["body"]["collectionName"] == "items"
    assert results[1]["body"]["n"] == 3
    assert results[2]["body"] == {"id": upserted, "name": "upserted"}
    assert results[3]["body"]["name"] == "upsert-created"
    assert results[4]["body"] is None
    assert api.get("items", record_id(501))["name"] == "created"
    assert api.get("items", existing)["n"] == 3
    assert api.get("items", upserted)["name"] == "upserted"
    assert api.get("items", record_id(502))["name"] == "upsert-created"
    assert api.get("items", doomed) is None


def test_upsert_without_an_id_creates(api):
    response = send(api, [{"method": "PUT", "url": ITEMS, "body": {"name": "upsert no id"}}])
    assert response.status_code == 200
    assert api.get("items", response.get_json()[0]["body"]["id"])["name"] == "upsert no id"


def test_later_items_see_earlier_writes(api):
    parent = record_id(511)
    response = send(api, [
        {"method": "POST", "url": ITEMS, "body": {"id": parent, "name": "parent"}},
        {"method": "PATCH", "url": f"{ITEMS}/{parent}", "body": {"name": "parent renamed"}},
        {"method": "POST", "url": "/api/collections/parts/records?expand=item", "body": {"item": parent}},
    ])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()[2]["body"]["expand"]["item"]["name"] == "parent renamed"


def test_expand_and_fields_in_item_urls(api):
    response = send(api, [{"method": "POST", "url": "/api/collections/parts/records?expand=item&fields=expand.item.name",
                           "body": {"item": api.record("items", {"name": "expanded"})["id"]}}])
    assert response.get_json() == [{"body": {"expand": {"item": {"name": "expanded"}}}, "status": 200}]


def test_a_multipart_batch_with_a_json_payload(api):
    payload = '{"requests": [{"method": "POST", "url": "/api/collections/items/records", "body": {"name": "from multipart"}}]}'
    response = api.client.post("/api/batch", data={"@jsonPayload": payload}, content_type="multipart/form-data", headers=api.su)
    assert response.status_code == 200, response.get_json()
    assert count(api, "name = 'from multipart'") == 1


def test_multipart_file_parts_become_the_items_uploads(api):
    payload = ('{"requests": [{"method": "POST", "url": "/api/collections/docs/records", "body": {"title": "one"}},'
               ' {"method": "POST", "url": "/api/collections/docs/records", "body": {"title": "two"}}]}')
    data = {
        "@jsonPayload": payload,
        "requests.0.files": [(io.BytesIO(b"first file"), "first.txt"), (io.BytesIO(b"second"), "second.txt")],
        "requests[1].files": (io.BytesIO(b"third"), "third.txt"),
    }
    response = api.client.post("/api/batch", data=data, content_type="multipart/form-data", headers=api.su)
    assert response.status_code == 200, response.get_json()
    first, second = (result["body"]["files"] for result in response.get_json())
    assert [name.split("_")[0] for name in first] == ["first", "second"] and all(name.endswith(".txt") for name in first)
    assert len(second) == 1 and second[0].startswith("third")


# ---- failures roll everything back ------------------------------------------------------------------------------


def test_a_validation_failure_rolls_back_earlier_items(api):
    before = api.record("items", {"name": "untouched", "n": 1})["id"]
    response = send(api, [
        {"method": "POST", "url": ITEMS, "body": {"name": "rolled back"}},
        {"method": "PATCH", "url": f"{ITEMS}/{before}", "body": {"n": 99}},
        {"method": "POST", "url": ITEMS, "body": {}},
    ])
    item_failure(response, 2, 400, "Failed to create record.", {"name": field_error("validation_required", "Cannot be blank.")})
    assert count(api, "name = 'rolled back'") == 0
    assert api.get("items", before)["n"] == 1


def test_a_missing_record_fails_the_batch(api):
    response = send(api, [
        {"method": "POST", "url": ITEMS, "body": {"name": "before missing"}},
        {"method": "DELETE", "url": f"{ITEMS}/nonexistent1234"},
    ])
    item_failure(response, 1, 404, NOT_FOUND)
    assert count(api, "name = 'before missing'") == 0


def test_an_unknown_collection_fails_the_batch(api):
    item_failure(send(api, [{"method": "POST", "url": "/api/collections/nope/records", "body": {"name": "x"}}]), 0, 404, "Missing collection context.")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", ITEMS),
        ("POST", "/api/nope"),
        ("POST", f"{ITEMS}/abc"),
        ("PATCH", ITEMS),
        ("DELETE", ITEMS),
        ("POST", "http://evil.example.com/api/collections/items/records"),
        ("POST", "/api/collections/items/records/../../../settings"),
    ],
)
def test_an_unknown_action_fails_the_batch(api, method, url):
    response = send(api, [{"method": "POST", "url": ITEMS, "body": {"name": "before unknown"}}, {"method": method, "url": url, "body": {"name": "x"}}])
    item_failure(response, 1, 400, GENERIC_400)
    assert count(api, "name = 'before unknown'") == 0


def test_a_unique_violation_fails_the_batch_without_a_500(api):
    response = send(api, [
        {"method": "POST", "url": "/api/collections/uniques/records", "body": {"code": "dup"}},
        {"method": "POST", "url": "/api/collections/uniques/records", "body": {"code": "dup"}},
    ])
    item_failure(response, 1, 400, "Failed to create record.", {"code": field_error("validation_not_unique", "Value must be unique.")})
    assert api.ids("uniques", "code = 'dup'") == []


def test_a_cascade_delete_is_rolled_back_with_the_batch(api):
    parent = api.record("items", {"name": "cascade parent"})["id"]
    part = api.record("parts", {"item": parent})["id"]
    response = send(api, [{"method": "DELETE", "url": f"{ITEMS}/{parent}"}, {"method": "POST", "url": ITEMS, "body": {}}])
    assert response.status_code == 400
    assert api.get("items", parent) is not None and api.get("parts", part) is not None


# ---- malformed batches ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "data"),
    [
        ({"requests": []}, {"requests": field_error("validation_required", "Cannot be blank.")}),
        ({}, {"requests": field_error("validation_required", "Cannot be blank.")}),
        ({"requests": [{"method": "post", "url": ITEMS}]}, {"requests": {"0": {"method": field_error("validation_in_invalid", "Must be a valid value.")}}}),
        ({"requests": [{"method": "HEAD", "url": ITEMS}]}, {"requests": {"0": {"method": field_error("validation_in_invalid", "Must be a valid value.")}}}),
        ({"requests": [{"url": ITEMS}]}, {"requests": {"0": {"method": field_error("validation_required", "Cannot be blank.")}}}),
        ({"requests": [{"method": "POST", "url": ""}]}, {"requests": {"0": {"url": field_error("validation_required", "Cannot be blank.")}}}),
        ({"requests": [{"method": "POST", "url": ITEMS + "?" + "a" * 2000}]},
         {"requests": {"0": {"url": field_error("validation_length_too_long", "The length must be no more than 2000.", {"max": 2000, "min": 0})}}}),
        ({"requests": [{"method": "POST", "url": ITEMS}, {"method": "X", "url": ""}]},
         {"requests": {"1": {"method": field_error("validation_in_invalid", "Must be a valid value."),
                             "url": field_error("validation_required", "Cannot be blank.")}}}),
    ],
)
def test_invalid_batch_data_is_400(api, body, data):
    assert_error(api.client.post("/api/batch", json=body, headers=api.su), 400, INVALID, data)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"{bad", "application/json"),
        (b"[1]", "application/json"),
        (b'{"requests": "x"}', "application/json"),
        (b'{"requests": ["bad"]}', "application/json"),
        (b'{"requests": [{"method": 5, "url": "/x"}]}', "application/json"),
        (b'{"requests": [{"method": "POST", "url": "/x", "body": [1]}]}', "application/json"),
        (b'{"requests": [{"method": "POST", "url": "/x", "headers": {"a": 5}}]}', "application/json"),
        (b'{"requests": []}', "text/plain"),
    ],
)
def test_unreadable_batch_data_is_400(api, data, content_type):
    assert_error(api.client.post("/api/batch", data=data, content_type=content_type, headers=api.su), 400, READ_FAILED)


# ---- rules and hooks per item ---------------------------------------------------------------------------------


def test_rules_apply_per_item_with_the_callers_auth(api):
    response = send(api, [{"method": "POST", "url": ITEMS, "body": {"name": "guest ok"}},
                          {"method": "POST", "url": "/api/collections/locked_items/records", "body": {"name": "x"}}], headers={})
    item_failure(response, 1, 403, SUPERUSERS_ONLY)
    assert count(api, "name = 'guest ok'") == 0


def test_guests_may_batch_into_open_collections(api):
    response = send(api, [{"method": "POST", "url": ITEMS, "body": {"name": "guest batch"}}], headers={})
    assert response.status_code == 200
    assert count(api, "name = 'guest batch'") == 1


def test_rules_see_the_batch_context_and_each_items_headers_and_query(api):
    good = {"method": "POST", "url": "/api/collections/batch_only/records?tag=ok", "headers": {"X-Source": "batch"},
            "body": {"name": "allowed", "source": "batch"}}
    assert send(api, [good], headers={}).status_code == 200
    assert_error(api.client.post("/api/collections/batch_only/records?tag=ok", json=good["body"], headers={"X-Source": "batch"}),
                 400, "Failed to create record.")  # outside a batch the context is "default"
    for bad in ({**good, "url": "/api/collections/batch_only/records?tag=no"}, {**good, "headers": {"X-Source": "other"}}):
        item_failure(send(api, [bad], headers={}), 0, 400, "Failed to create record.")


def test_an_upsert_is_checked_as_the_update_or_create_it_becomes(api):
    existing = api.record("batch_only", {"name": "old"})["id"]
    response = send(api, [{"method": "PUT", "url": "/api/collections/batch_only/records", "body": {"id": existing, "name": "patched"}}], headers={})
    assert response.status_code == 200, response.get_json()  # updateRule: @request.method = 'PATCH'
    assert api.get("batch_only", existing)["name"] == "patched"


class Recorder:
    """A plugin that counts record hooks and rejects a name."""

    def __init__(self):
        self.seen: list[str] = []

    @hookimpl
    def baas_record_create_request(self, event):
        if event.collection.name == "items":
            self.seen.append(f"request:{event.body.get('name')}:{event.ctx.context}")
            if event.body.get("name") == "hook says no":
                from baas import errors

                raise errors.bad_request("Rejected by a hook.")

    @hookimpl
    def baas_record_after_create_success(self, event):
        if event.collection.name == "items":
            self.seen.append(f"committed:{event.record.get('name')}")


@pytest.fixture
def recorder(api):
    plugin = Recorder()
    api.core.hooks.register(plugin, "test-batch-recorder")
    yield plugin
    api.core.hooks.unregister("test-batch-recorder")


def test_hooks_fire_per_item_and_after_success_waits_for_the_commit(api, recorder):
    response = send(api, [{"method": "POST", "url": ITEMS, "body": {"name": "hooked 1"}}, {"method": "POST", "url": ITEMS, "body": {"name": "hooked 2"}}])
    assert response.status_code == 200
    assert recorder.seen == ["request:hooked 1:batch", "request:hooked 2:batch", "committed:hooked 1", "committed:hooked 2"]


def test_a_hook_error_fails_the_batch_and_nothing_commits(api, recorder):
    response = send(api, [{"method": "POST", "url": ITEMS, "body": {"name": "before hook"}}, {"method": "POST", "url": ITEMS, "body": {"name": "hook says no"}}])
    item_failure(response, 1, 400, "Rejected by a hook.")
    assert count(api, "name = 'before hook'") == 0
    assert not [entry for entry in recorder.seen if entry.startswith("committed")]


def test_the_batch_hook_can_see_and_change_the_items_and_the_answer(core, client, su_headers):
    """`baas_batch_request` wraps the whole batch: a plugin can rewrite items before and answers after."""
    from baas.hooks import hookimpl

    class Plugin:
        @hookimpl(wrapper=True)
        def baas_batch_request(self, event):
            for item in event.requests:
                item.body["title"] = item.body.get("title", "") + " (batched)"
            responses = yield
            return responses + [{"status": 299, "body": {"seen": len(event.requests)}}]

    client.patch("/api/settings", json={"batch": {"enabled": True}}, headers=su_headers)
    client.post("/api/collections", headers=su_headers,
                json={"name": "hooked", "createRule": "", "fields": [{"name": "title", "type": "text"}]})
    core.hooks.register(Plugin(), "batch-test-plugin")
    try:
        response = client.post("/api/batch", json={"requests": [
            {"method": "POST", "url": "/api/collections/hooked/records", "body": {"title": "a"}}]})
    finally:
        core.hooks.unregister("batch-test-plugin")
    answers = response.get_json()
    assert answers[0]["body"]["title"] == "a (batched)"
    assert answers[1] == {"status": 299, "body": {"seen": 1}}
