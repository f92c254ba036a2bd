"""Collection API rules through the records API (reference sections 1.1, 3.3-3.9, Appendix A and B item 4)."""

from __future__ import annotations

import pytest

from api.helpers import NOT_FOUND, OPEN_RULES, SUPERUSERS_ONLY, api, assert_error, su  # noqa: F401

CREATE_FAILED = "Failed to create record."


@pytest.fixture(scope="module")
def people(api):
    """An auth collection `members` with a role, and three signed-in members: alice, bob (roles user), root (admin)."""
    api.collection(
        "members",
        [{"name": "role", "type": "text"}],
        type="auth",
        listRule="",
        viewRule="",
    )
    api.cheap_passwords("members")
    out = {"members_id": api.core.collections.get("members").id}
    for name, role in (("alice", "user"), ("bob", "user"), ("root", "admin")):
        email = f"{name}@example.com"
        out[name] = api.user(email, collection="members", role=role)["id"]
        out[f"{name}_h"] = api.login(email, collection="members")
    return out


def path(collection: str, record: str = "") -> str:
    return f"/api/collections/{collection}/records" + (f"/{record}" if record else "")


# ---- null and empty rules ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def locked(api):
    api.collection("locked", [{"name": "name", "type": "text"}])
    return api.record("locked", {"name": "only superusers"})["id"]


@pytest.mark.parametrize(
    ("method", "with_id", "body"),
    [("get", False, None), ("get", True, None), ("post", False, {"name": "x"}), ("patch", True, {"name": "x"}), ("delete", True, None)],
)
@pytest.mark.parametrize("who", ["guest", "member"])
def test_a_null_rule_is_superusers_only(api, people, locked, method, with_id, body, who):
    headers = {} if who == "guest" else people["alice_h"]
    response = getattr(api.client, method)(path("locked", locked if with_id else ""), json=body, headers=headers)
    assert_error(response, 403, SUPERUSERS_ONLY)
    assert api.get("locked", locked)["name"] == "only superusers"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_null_rule_is_403_even_for_a_missing_record(api, locked, method):
    response = getattr(api.client, method)(path("locked", "nonexistent1234"), json={"name": "x"} if method == "patch" else None)
    assert_error(response, 403, SUPERUSERS_ONLY)


def test_superusers_pass_null_rules(api, su, locked):
    assert api.client.get(path("locked", locked), headers=su).status_code == 200
    created = api.client.post(path("locked"), json={"name": "by su"}, headers=su)
    assert created.status_code == 200
    assert api.client.patch(path("locked", created.get_json()["id"]), json={"name": "y"}, headers=su).status_code == 200
    assert api.client.delete(path("locked", created.get_json()["id"]), headers=su).status_code == 204


def test_empty_rules_let_guests_do_everything(api):
    api.collection("open_box", [{"name": "name", "type": "text"}], **OPEN_RULES)
    created = api.client.post(path("open_box"), json={"name": "guest made"})
    assert created.status_code == 200
    record = created.get_json()["id"]
    assert api.client.get(path("open_box")).get_json()["totalItems"] == 1
    assert api.client.get(path("open_box", record)).status_code == 200
    assert api.client.patch(path("open_box", record), json={"name": "guest changed"}).get_json()["name"] == "guest changed"
    assert api.client.delete(path("open_box", record)).status_code == 204


# ---- the owner / public notes of the reference (Appendix A) ---------------------------------------------------


@pytest.fixture(scope="module")
def notes(api, people):
    members = api.core.collections.get("members").id
    api.collection(
        "notes",
        [
            {"name": "title", "type": "text"},
            {"name": "owner", "type": "relation", "collectionId": members},
            {"name": "public", "type": "bool"},
        ],
        listRule="owner = @request.auth.id || public = true",
        viewRule="owner = @request.auth.id || public = true",
        createRule="@request.auth.id != '' && @request.body.owner = @request.auth.id && @request.body.title:isset = true",
        updateRule="owner = @request.auth.id && @request.body.owner:changed = false",
        deleteRule="owner = @request.auth.id && @request.method = 'DELETE' && @request.headers.x_confirm = 'yes'",
    )
    return {
        "alice_private": api.record("notes", {"title": "alice private", "owner": people["alice"]})["id"],
        "alice_public": api.record("notes", {"title": "alice public", "owner": people["alice"], "public": True})["id"],
        "bob_private": api.record("notes", {"title": "bob private", "owner": people["bob"]})["id"],
    }


def listed_titles(api, headers, collection="notes", **params) -> list[str]:
    response = api.client.get(path(collection), query_string={"sort": "title", **params}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["title"] for item in response.get_json()["items"]]


def test_the_list_rule_filters_silently(api, people, notes):
    assert listed_titles(api, {}) == ["alice public"]
    assert listed_titles(api, people["alice_h"]) == ["alice private", "alice public"]
    assert listed_titles(api, people["bob_h"]) == ["alice public", "bob private"]


def test_the_list_rule_is_anded_with_the_callers_filter(api, people, notes):
    assert listed_titles(api, people["bob_h"], filter="title ~ 'alice'") == ["alice public"]
    body = api.client.get(path("notes"), query_string={"filter": "title = 'bob private'"}).get_json()
    assert (body["items"], body["totalItems"]) == ([], 0)


def test_a_failing_view_rule_is_404(api, people, notes):
    assert_error(api.client.get(path("notes", notes["alice_private"]), headers=people["bob_h"]), 404, NOT_FOUND)
    assert_error(api.client.get(path("notes", notes["alice_private"])), 404, NOT_FOUND)
    assert api.client.get(path("notes", notes["alice_private"]), headers=people["alice_h"]).status_code == 200
    assert api.client.get(path("notes", notes["alice_public"])).status_code == 200


@pytest.mark.parametrize(
    ("who", "body"),
    [
        ("guest", {"title": "t", "owner": ""}),
        ("alice", {"title": "t", "owner": "{bob}"}),
        ("alice", {"owner": "{alice}"}),  # title not submitted (:isset)
    ],
)
def test_a_failing_create_rule_is_400_with_empty_data_and_writes_nothing(api, people, notes, who, body):
    headers = {} if who == "guest" else people[f"{who}_h"]
    body = {key: value.format(**people) for key, value in body.items()}
    before = len(api.ids("notes"))
    assert_error(api.client.post(path("notes"), json=body, headers=headers), 400, CREATE_FAILED)
    assert len(api.ids("notes")) == before


def test_a_failing_create_rule_hides_validation_errors(api, people):
    """The rule is checked on the submitted values before validation: no unique or relation errors leak."""
    api.collection(
        "invites",
        [{"name": "code", "type": "text", "required": True}, {"name": "owner", "type": "relation", "collectionId": people["members_id"]}],
        indexes=["CREATE UNIQUE INDEX idx_invites_code ON invites (code)"],
        listRule="",
        viewRule="",
        createRule="@request.auth.role = 'admin'",
    )
    api.record("invites", {"code": "taken"})
    for body in ({"code": "taken"}, {"code": ""}, {"code": "new", "owner": "nonexistent1234"}):
        assert_error(api.client.post(path("invites"), json=body, headers=people["alice_h"]), 400, CREATE_FAILED)
    response = api.client.post(path("invites"), json={"code": "taken"}, headers=people["root_h"])
    assert_error(response, 400, CREATE_FAILED, {"code": {"code": "validation_not_unique", "message": "Value must be unique."}})


def test_a_passing_create_rule(api, people, notes):
    response = api.client.post(path("notes"), json={"title": "new", "owner": people["alice"]}, headers=people["alice_h"])
    assert response.status_code == 200
    assert response.get_json()["owner"] == people["alice"]


def test_a_failing_update_rule_is_404_and_changes_nothing(api, people, notes):
    record = notes["bob_private"]
    assert_error(api.client.patch(path("notes", record), json={"title": "hacked"}, headers=people["alice_h"]), 404, NOT_FOUND)
    assert api.get("notes", record)["title"] == "bob private"


def test_changed_forbids_changing_the_owner(api, people):
    record = api.record("notes", {"title": "mine", "owner": people["alice"]})["id"]
    alice = people["alice_h"]
    assert_error(api.client.patch(path("notes", record), json={"owner": people["bob"]}, headers=alice), 404, NOT_FOUND)
    same_owner = api.client.patch(path("notes", record), json={"owner": people["alice"], "title": "same owner"}, headers=alice)
    assert same_owner.status_code == 200  # submitted but not changed
    assert api.client.patch(path("notes", record), json={"title": "renamed"}, headers=alice).get_json()["title"] == "renamed"
    assert api.get("notes", record)["owner"] == people["alice"]


def test_the_delete_rule_checks_method_and_headers(api, people):
    record = api.record("notes", {"title": "to delete", "owner": people["alice"]})["id"]
    assert_error(api.client.delete(path("notes", record), headers=people["alice_h"]), 404, NOT_FOUND)
    assert_error(api.client.delete(path("notes", record), headers={**people["bob_h"], "X-Confirm": "yes"}), 404, NOT_FOUND)
    assert api.get("notes", record) is not None
    assert api.client.delete(path("notes", record), headers={**people["alice_h"], "X-Confirm": "yes"}).status_code == 204
    assert api.get("notes", record) is None


# ---- @request.body modifiers ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tagged(api):
    api.collection(
        "tagged",
        [{"name": "tags", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3}],
        listRule="",
        viewRule="",
        createRule="@request.body.tags:length <= 1 && @request.body.tags:each != 'b'",
        updateRule="@request.body.tags:each ?= 'c'",
    )


@pytest.mark.parametrize(("tags", "status"), [(["a"], 200), ([], 200), (["b"], 400), (["a", "b"], 400), (["a", "c"], 400)])
def test_length_and_each_on_the_body(api, tagged, tags, status):
    response = api.client.post(path("tagged"), json={"tags": tags})
    assert response.status_code == status
    if status == 400:
        assert_error(response, 400, CREATE_FAILED)


def test_the_body_sees_values_after_modifiers(api, tagged):
    record = api.record("tagged", {"tags": ["a"]})["id"]
    assert_error(api.client.patch(path("tagged", record), json={"tags+": "b"}), 404, NOT_FOUND)
    assert api.client.patch(path("tagged", record), json={"tags+": "c"}).get_json()["tags"] == ["a", "c"]


# ---- @request.auth, query, method, context --------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports(api, people):
    api.collection(
        "reports",
        [{"name": "title", "type": "text"}, {"name": "level", "type": "number"}],
        listRule="@request.auth.role = 'admin' || level <= 1",
        viewRule="@request.auth.collectionName = 'members' && @request.auth.id != ''",
        createRule="@request.auth.role = 'admin' && level < 10",
        updateRule="@request.query.secret = 'letmein'",
        deleteRule="@request.context = 'default' && @request.auth.verified = false",
    )
    return {level: api.record("reports", {"title": f"level {level}", "level": level})["id"] for level in (0, 1, 5)}


def test_auth_fields_in_the_list_rule(api, people, reports):
    assert listed_titles(api, {}, "reports") == ["level 0", "level 1"]
    assert listed_titles(api, people["alice_h"], "reports") == ["level 0", "level 1"]
    assert listed_titles(api, people["root_h"], "reports") == ["level 0", "level 1", "level 5"]


def test_auth_collection_in_the_view_rule(api, people, reports):
    assert_error(api.client.get(path("reports", reports[5])), 404, NOT_FOUND)
    assert api.client.get(path("reports", reports[5]), headers=people["alice_h"]).status_code == 200


def test_the_create_rule_sees_the_new_values(api, people, reports):
    assert_error(api.client.post(path("reports"), json={"title": "t", "level": 10}, headers=people["root_h"]), 400, CREATE_FAILED)
    assert_error(api.client.post(path("reports"), json={"title": "t", "level": 2}, headers=people["alice_h"]), 400, CREATE_FAILED)
    assert api.client.post(path("reports"), json={"title": "t", "level": 2}, headers=people["root_h"]).status_code == 200


def test_query_parameters_in_the_update_rule(api, reports):
    assert_error(api.client.patch(path("reports", reports[0]), json={"title": "x"}), 404, NOT_FOUND)
    assert_error(api.client.patch(path("reports", reports[0]) + "?secret=nope", json={"title": "x"}), 404, NOT_FOUND)
    response = api.client.patch(path("reports", reports[0]) + "?secret=letmein", json={"title": "let in"})
    assert response.get_json()["title"] == "let in"


def test_context_in_the_delete_rule(api, people):
    record = api.record("reports", {"title": "delete me", "level": 0})["id"]
    assert api.client.delete(path("reports", record), headers=people["bob_h"]).status_code == 204


def test_update_rule_is_checked_against_the_stored_record(api):
    api.collection(
        "drafts",
        [{"name": "status", "type": "text"}],
        listRule="",
        viewRule="",
        updateRule="status = 'draft'",
    )
    record = api.record("drafts", {"status": "draft"})["id"]
    assert api.client.patch(path("drafts", record), json={"status": "published"}).status_code == 200
    assert_error(api.client.patch(path("drafts", record), json={"status": "draft"}), 404, NOT_FOUND)
    assert api.get("drafts", record)["status"] == "published"


def test_rules_follow_relations_without_the_related_list_rule(api, people):
    """Rules may read a related collection even when callers could not list it (unlike client filters)."""
    api.collection("vaults", [{"name": "level", "type": "number"}])  # locked: listRule null
    vaults = api.core.collections.get("vaults").id
    api.collection(
        "boxes",
        [{"name": "name", "type": "text"}, {"name": "vault", "type": "relation", "collectionId": vaults}],
        listRule="vault.level < 5",
    )
    low, high = api.record("vaults", {"level": 1})["id"], api.record("vaults", {"level": 9})["id"]
    api.record("boxes", {"name": "low box", "vault": low})
    api.record("boxes", {"name": "high box", "vault": high})
    response = api.client.get(path("boxes"))
    assert [item["name"] for item in response.get_json()["items"]] == ["low box"]
    assert_error(api.client.get(path("boxes"), query_string={"filter": "vault.level < 5"}), 400, "Something went wrong while processing your request.")


# ---- @collection joins ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def projects(api, people):
    members = api.core.collections.get("members").id
    api.collection("projects", [{"name": "name", "type": "text"}])
    projects = api.core.collections.get("projects").id
    api.collection(
        "memberships",
        [
            {"name": "user", "type": "relation", "collectionId": members},
            {"name": "project", "type": "relation", "collectionId": projects},
            {"name": "role", "type": "text"},
        ],
    )  # locked: rules may still join it
    rule = "@collection.memberships:m.user ?= @request.auth.id && @collection.memberships:m.project ?= id"
    api.client.patch(
        "/api/collections/projects",
        json={"listRule": rule, "viewRule": rule + " && @collection.memberships:m.role ?= 'owner'"},
        headers=api.su,
    )
    apollo, gemini = api.record("projects", {"name": "apollo"})["id"], api.record("projects", {"name": "gemini"})["id"]
    api.record("memberships", {"user": people["alice"], "project": apollo, "role": "owner"})
    api.record("memberships", {"user": people["bob"], "project": gemini, "role": "viewer"})
    api.record("memberships", {"user": people["alice"], "project": gemini, "role": "viewer"})
    return {"apollo": apollo, "gemini": gemini}


def project_names(api, headers) -> list[str]:
    response = api.client.get(path("projects"), query_string={"sort": "name"}, headers=headers)
    return [item["name"] for item in response.get_json()["items"]]


def test_collection_joins_in_the_list_rule(api, people, projects):
    assert project_names(api, {}) == []
    assert project_names(api, people["alice_h"]) == ["apollo", "gemini"]
    assert project_names(api, people["bob_h"]) == ["gemini"]
    assert project_names(api, people["root_h"]) == []


def test_an_aliased_join_matches_one_row(api, people, projects):
    """alice owns apollo and only views gemini: the role must belong to the same membership row."""
    alice = people["alice_h"]
    assert api.client.get(path("projects", projects["apollo"]), headers=alice).status_code == 200
    assert_error(api.client.get(path("projects", projects["gemini"]), headers=alice), 404, NOT_FOUND)
    assert_error(api.client.get(path("projects", projects["gemini"]), headers=people["bob_h"]), 404, NOT_FOUND)

