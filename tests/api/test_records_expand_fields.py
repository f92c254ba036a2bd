"""`expand=` and `fields=` on list, view, create and update, compared with PocketBase 0.40.6."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from api.helpers import GENERIC_400, OPEN_RULES, api, assert_error, su  # noqa: F401


def rid(prefix: str, number: int) -> str:
    return f"{prefix}{number:014d}"


ANN, BOB, PRIVATE = rid("p", 1), rid("p", 2), rid("p", 3)
HELLO, SECOND = rid("t", 1), rid("t", 2)
NODES = [rid("n", number) for number in range(9)]


@pytest.fixture(scope="module", autouse=True)
def world(api):
    """people (viewRule hides "private"), a locked vault, posts -> people/vault, comments -> posts, a chain of nodes."""
    api.collection(
        "people",
        [{"name": "name", "type": "text"}, {"name": "bio", "type": "editor"}, {"name": "secret", "type": "text", "hidden": True}],
        listRule="",
        viewRule="name != 'private'",
    )
    people = api.core.collections.get("people").id
    api.collection("vault", [{"name": "name", "type": "text"}])
    vault = api.core.collections.get("vault").id
    api.client.patch(
        "/api/collections/people",
        json={"fields": [
            *api.client.get("/api/collections/people", headers=api.su).get_json()["fields"],
            {"name": "friend", "type": "relation", "collectionId": people},
        ]},
        headers=api.su,
    )
    api.collection(
        "posts",
        [
            {"name": "title", "type": "text"},
            {"name": "body", "type": "editor"},
            {"name": "author", "type": "relation", "collectionId": people},
            {"name": "coauthors", "type": "relation", "collectionId": people, "maxSelect": 5},
            {"name": "box", "type": "relation", "collectionId": vault},
        ],
        **OPEN_RULES,
    )
    posts = api.core.collections.get("posts").id
    api.collection("comments", [{"name": "text", "type": "text"}, {"name": "post", "type": "relation", "collectionId": posts}], **OPEN_RULES)
    api.collection("nodes", [{"name": "name", "type": "text"}], listRule="", viewRule="")
    nodes = api.core.collections.get("nodes").id
    api.client.patch(
        "/api/collections/nodes",
        json={"fields": [{"name": "name", "type": "text"}, {"name": "next", "type": "relation", "collectionId": nodes}]},
        headers=api.su,
    )

    api.record("people", {"id": PRIVATE, "name": "private"})
    api.record("people", {"id": BOB, "name": "Bob", "bio": "<p>Bob writes <b>books</b> about things</p>", "secret": "b"})
    api.record("people", {"id": ANN, "name": "Ann", "friend": BOB, "secret": "a"})
    box = api.record("vault", {"name": "gold"})["id"]
    api.record("posts", {"id": HELLO, "title": "Hello", "body": "<p>Hello <b>world</b> this is a long text</p>", "author": ANN,
                         "coauthors": [BOB, PRIVATE, ANN], "box": box})
    api.record("posts", {"id": SECOND, "title": "Second", "author": PRIVATE})
    for text in ("first!", "second!"):
        api.record("comments", {"text": text, "post": HELLO})
    for number in reversed(range(9)):
        api.record("nodes", {"id": NODES[number], "name": f"node{number}", **({"next": NODES[number + 1]} if number < 8 else {})})


def view(api, collection: str, record: str, headers=None, **params):
    response = api.client.get(f"/api/collections/{collection}/records/{record}", query_string=params, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def names(items) -> list[str]:
    return [item["name"] for item in items]


# ---- shapes --------------------------------------------------------------------------------------------------


def test_a_single_relation_expands_to_an_object(api):
    expanded = view(api, "posts", HELLO, expand="author")["expand"]
    assert set(expanded) == {"author"}
    assert expanded["author"]["name"] == "Ann" and expanded["author"]["collectionName"] == "people"


def test_a_multiple_relation_expands_to_a_list_in_stored_order_without_unviewable_items(api):
    assert names(view(api, "posts", HELLO, expand="coauthors")["expand"]["coauthors"]) == ["Bob", "Ann"]


def test_a_back_relation_expands_to_a_list(api):
    comments = view(api, "posts", HELLO, expand="comments_via_post")["expand"]["comments_via_post"]
    assert sorted(item["text"] for item in comments) == ["first!", "second!"]


def test_nested_expand(api):
    expanded = view(api, "posts", HELLO, expand="author.friend,comments_via_post.post.author")["expand"]
    assert expanded["author"]["expand"]["friend"]["name"] == "Bob"
    assert {comment["expand"]["post"]["expand"]["author"]["name"] for comment in expanded["comments_via_post"]} == {"Ann"}


def test_expand_stops_after_six_levels(api):
    record = view(api, "nodes", NODES[0], expand=".".join(["next"] * 8))
    depth, node = 0, record
    while "expand" in node and "next" in node["expand"]:
        node, depth = node["expand"]["next"], depth + 1
    assert (depth, node["name"]) == (6, "node6")


def test_a_relation_the_caller_cannot_view_is_dropped(api, su):
    assert "author" not in view(api, "posts", SECOND, expand="author")["expand"]
    assert view(api, "posts", SECOND, headers=su, expand="author")["expand"]["author"]["name"] == "private"


def test_a_locked_collection_is_not_expanded_for_guests(api, su):
    assert "box" not in view(api, "posts", HELLO, expand="box").get("expand", {})
    assert view(api, "posts", HELLO, headers=su, expand="box")["expand"]["box"]["name"] == "gold"


def test_expand_is_present_but_empty_when_nothing_was_found(api):
    assert view(api, "nodes", NODES[8], expand="next")["expand"] == {}


def test_unknown_expand_paths_are_ignored(api):
    record = view(api, "posts", HELLO, expand="nope,title")
    assert "expand" not in record and record["title"] == "Hello"


def test_hidden_fields_of_expanded_records_follow_the_viewer(api, su):
    assert "secret" not in view(api, "posts", HELLO, expand="author")["expand"]["author"]
    assert view(api, "posts", HELLO, headers=su, expand="author")["expand"]["author"]["secret"] == "a"


def test_expand_on_list(api):
    response = api.client.get("/api/collections/posts/records", query_string={"expand": "author,coauthors", "sort": "title"})
    first, second = response.get_json()["items"]
    assert first["expand"]["author"]["name"] == "Ann" and names(first["expand"]["coauthors"]) == ["Bob", "Ann"]
    assert second["expand"] == {}


def test_expand_on_create_and_update(api):
    created = api.client.post("/api/collections/posts/records?expand=author", json={"title": "new", "author": BOB})
    assert created.get_json()["expand"]["author"]["name"] == "Bob"
    updated = api.client.patch(
        f"/api/collections/posts/records/{created.get_json()['id']}?expand=coauthors", json={"coauthors": [ANN]}
    )
    assert names(updated.get_json()["expand"]["coauthors"]) == ["Ann"]


# ---- no N+1 ---------------------------------------------------------------------------------------------------


@contextmanager
def counting_selects(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):  # not SQLite's BEGIN per read
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture(scope="module")
def many_posts(api):
    for number in range(50):
        post = api.record("posts", {"title": f"bulk {number:02d}", "author": ANN if number % 2 else BOB, "coauthors": [ANN, BOB]})
        api.record("comments", {"text": f"on {number}", "post": post["id"]})


def test_expanding_50_records_costs_no_more_statements_than_5(api, many_posts):
    def statements_for(per_page: int) -> int:
        with counting_selects(api.core.db.engine) as statements:
            response = api.client.get(
                "/api/collections/posts/records",
                query_string={"filter": "title ~ 'bulk'", "perPage": per_page, "expand": "author.friend,coauthors,comments_via_post"},
            )
        items = response.get_json()["items"]
        assert len(items) == per_page
        assert all("author" in item["expand"] and len(item["expand"]["comments_via_post"]) == 1 for item in items)
        return len(statements)

    few, many = statements_for(5), statements_for(50)
    assert many == few
    assert many <= 7  # schema version, rows, count, then one query per expanded relation (4)


# ---- fields ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("id,title", {"id": HELLO, "title": "Hello"}),
        ("id,nope", {"id": HELLO}),
        ("title,body:excerpt(20,true)", {"title": "Hello", "body": "Hello world this is..."}),
        ("body:excerpt(20)", {"body": "Hello world this is"}),
        ("body:excerpt(20, true)", {"body": "Hello world this is..."}),
        ("body:excerpt(200,true)", {"body": "Hello world this is a long text"}),
        ("id,expand.author.name", {"id": HELLO, "expand": {"author": {"name": "Ann"}}}),
        ("expand.coauthors.name", {"expand": {"coauthors": [{"name": "Bob"}, {"name": "Ann"}]}}),
        ("expand.author.expand.friend.bio:excerpt(9,true)", {"expand": {"author": {"expand": {"friend": {"bio": "Bob write..."}}}}}),
    ],
)
def test_fields(api, fields, expected):
    assert view(api, "posts", HELLO, expand="author.friend,coauthors", fields=fields) == expected


def test_fields_star_keeps_everything_at_its_level(api):
    full = view(api, "posts", HELLO, expand="author")
    starred = view(api, "posts", HELLO, expand="author", fields="*")
    assert starred == full


def test_fields_star_with_an_excerpt_and_an_expand_path(api):
    record = view(api, "posts", HELLO, expand="author", fields="*,body:excerpt(5,true),expand.author.name")
    assert record["body"] == "Hello..." and record["title"] == "Hello"
    assert record["expand"] == {"author": {"name": "Ann"}}


def test_fields_on_list_create_and_update(api):
    listed = api.client.get("/api/collections/posts/records", query_string={"fields": "title", "sort": "title", "filter": "title ~ 'e'"})
    assert listed.get_json()["items"][:2] == [{"title": "Hello"}, {"title": "Second"}]
    created = api.client.post("/api/collections/posts/records?fields=title,expand.author.name&expand=author", json={"title": "f", "author": ANN})
    assert created.get_json() == {"title": "f", "expand": {"author": {"name": "Ann"}}}


@pytest.mark.parametrize("fields", ["title:excerpt", "title:excerpt()", "title:nope(1)", "title:excerpt(a)", "title:excerpt(2,true,x)"])
def test_a_bad_fields_modifier_is_400(api, fields):
    assert_error(api.client.get(f"/api/collections/posts/records/{HELLO}", query_string={"fields": fields}), 400, GENERIC_400)
