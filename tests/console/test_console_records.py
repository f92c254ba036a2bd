"""Records screens: the table (paging, sorting, filter), the schema-generated form, delete and bulk delete."""

from __future__ import annotations

import io
import re

import pytest
from console_support import read_form

from baas.core.context import RequestContext
from baas.core.records.listing import ListQuery


def create(core, collection, **body):
    return core.records.create(collection, RequestContext.system(), body)


@pytest.fixture
def tags(core, posts):
    collection = core.collections.get("tags")
    return [create(core, collection, label=label) for label in ("python", "web", "sql")]


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-record-id="([^"]+)"', html)


# ---- table -----------------------------------------------------------------------------------------------
def test_records_table_lists_the_records(signed_in, core, posts):
    first = create(core, posts, title="Hello", views=3)
    html = signed_in.text("/_/collections/posts/records")
    assert row_ids(html) == [first.id]
    assert "Hello" in html and "1 record" in html


def test_paging(signed_in, core, posts):
    for number in range(25):
        create(core, posts, title=f"post {number:02d}", views=number)
    html = signed_in.text("/_/collections/posts/records?perPage=10&sort=views")
    assert len(row_ids(html)) == 10
    assert "25 records" in html
    assert 'href="/_/collections/posts/records?perPage=10&amp;sort=views&amp;page=3"' in html
    page3 = signed_in.text("/_/collections/posts/records?perPage=10&sort=views&page=3")
    assert len(row_ids(page3)) == 5
    assert "post 24" in page3 and "post 00" not in page3


def test_column_sorting_links_toggle(signed_in, core, posts):
    a = create(core, posts, title="a", views=2)
    b = create(core, posts, title="b", views=1)
    html = signed_in.text("/_/collections/posts/records")
    assert 'href="/_/collections/posts/records?perPage=30&amp;sort=views"' in html
    ascending = signed_in.text("/_/collections/posts/records?sort=views")
    assert row_ids(ascending) == [b.id, a.id]
    assert 'sort=-views"' in ascending  # next click sorts descending
    descending = signed_in.text("/_/collections/posts/records?sort=-views")
    assert row_ids(descending) == [a.id, b.id]


def test_filter_uses_the_filter_language(signed_in, core, posts):
    create(core, posts, title="alpha", views=5)
    beta = create(core, posts, title="beta", views=50)
    html = signed_in.text('/_/collections/posts/records?filter=views > 10 %26%26 title ~ "et"')
    assert row_ids(html) == [beta.id]
    assert 'value="views &gt; 10 &amp;&amp; title ~ &#34;et&#34;"' in html


@pytest.mark.parametrize("bad", ["views >", "nosuchfield = 1", "(((", "title ~"])
def test_filter_errors_are_shown(signed_in, core, posts, bad):
    create(core, posts, title="alpha")
    response = signed_in.get("/_/collections/posts/records", query_string={"filter": bad})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="filter-error"' in html and "Invalid filter" in html
    assert row_ids(html) == []


def test_values_are_escaped_everywhere(signed_in, core, posts):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    record = create(core, posts, title=payload, meta={"html": payload}, body=payload)
    for url in (
        "/_/collections/posts/records",
        f"/_/collections/posts/records/{record.id}",
        f"/_/collections/posts/records/{record.id}/delete",
    ):
        html = signed_in.text(url)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url


def test_collection_names_and_rules_are_escaped(signed_in, core):
    core.collections_service.create({"name": "xss", "listRule": '"<script>alert(1)</script>" != ""'})
    html = signed_in.text("/_/collections/xss/api") + signed_in.text("/_/collections/xss/edit")
    assert "<script>alert(1)" not in html


def test_view_collection_records_are_read_only(signed_in, core, posts):
    create(core, posts, title="shown")
    core.collections_service.create({"name": "titles", "type": "view", "viewQuery": "SELECT id, title FROM posts"})
    html = signed_in.text("/_/collections/titles/records")
    assert "shown" in html and 'data-testid="new-record"' not in html


# ---- form ------------------------------------------------------------------------------------------------
def test_new_record_form_has_a_widget_per_field_type(signed_in, posts):
    html = signed_in.text("/_/collections/posts/records/new")
    assert 'type="datetime-local"' in html
    assert 'name="r-status"' in html and "<option value=\"live\"" in html
    assert "data-json-editor" in html
    assert "data-relation-picker" in html
    assert 'type="file"' in html and 'name="r-cover-upload"' in html
    assert 'name="r-where-lon"' in html and 'name="r-where-lat"' in html
    assert 'type="url"' in html and 'type="email"' in html and 'type="number"' in html
    assert 'role="switch"' in html
    assert 'name="r-created"' not in html  # autodate is set by the server


def test_create_a_record_with_every_kind_of_input(signed_in, core, posts, tags):
    values = signed_in.form("/_/collections/posts/records/new", "record-form")
    values.set("r-title", "First post").set("r-views", "42").set("r-published", "on").set("r-when", "2024-05-01T10:20:30")
    values.set("r-status", "live").set("r-meta", '{"a": [1, 2]}').set("r-site", "https://example.com")
    values.set("r-contact", "me@example.com").set("r-body", "<p>Hi</p>").set("r-where-lon", "13.4").set("r-where-lat", "52.5")
    values.add("r-tags", tags[0].id).add("r-tags", tags[2].id)
    response = signed_in.submit("/_/collections/posts/records/new", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    (record,) = core.records.list(posts, RequestContext.system(), ListQuery()).items
    data = record.data
    assert data["title"] == "First post" and data["views"] == 42 and data["published"] is True
    assert data["when"] == "2024-05-01 10:20:30.000Z"
    assert data["status"] == "live" and data["meta"] == {"a": [1, 2]}
    assert data["site"] == "https://example.com" and data["contact"] == "me@example.com" and data["body"] == "<p>Hi</p>"
    assert data["where"] == {"lon": 13.4, "lat": 52.5}
    assert data["tags"] == [tags[0].id, tags[2].id]


def test_validation_errors_are_shown_next_to_the_inputs(signed_in, core, posts):
    values = signed_in.form("/_/collections/posts/records/new", "record-form")
    values.set("r-title", "").set("r-site", "not a url").set("r-views", "7")
    response = signed_in.submit("/_/collections/posts/records/new", values)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-error-for="title"' in html and 'data-error-for="site"' in html
    assert 'value="7"' in html  # what was typed is kept
    assert core.records_repo.count(posts) == 0


def test_invalid_json_is_reported_before_saving(signed_in, core, posts):
    values = signed_in.form("/_/collections/posts/records/new", "record-form").set("r-title", "x").set("r-meta", "{nope")
    html = signed_in.submit("/_/collections/posts/records/new", values).get_data(as_text=True)
    assert "Invalid JSON" in html and 'data-error-for="meta"' in html
    assert core.records_repo.count(posts) == 0


def test_edit_a_record(signed_in, core, posts, tags):
    record = create(core, posts, title="Before", views=1, tags=[tags[0].id], meta={"k": 1}, when="2024-01-02 03:04:05.000Z")
    values = signed_in.form(f"/_/collections/posts/records/{record.id}", "record-form")
    assert values.get("r-title") == "Before" and values.get("r-when") == "2024-01-02T03:04:05"
    assert values.getlist("r-tags") == [tags[0].id]
    assert '"k": 1' in values.get("r-meta")
    values.set("r-title", "After").set("r-published", None)
    values.add("r-tags", tags[1].id)
    response = signed_in.submit(f"/_/collections/posts/records/{record.id}", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = core.records_repo.find(posts, record.id)
    assert saved.get("title") == "After" and saved.get("tags") == [tags[0].id, tags[1].id]
    assert saved.get("meta") == {"k": 1} and saved.get("when") == "2024-01-02 03:04:05.000Z"


def test_relation_labels_show_the_presentable_field(signed_in, core, posts, tags):
    record = create(core, posts, title="x", tags=[tags[1].id])
    html = signed_in.text(f"/_/collections/posts/records/{record.id}")
    assert ">web</span>" in html


def test_relation_picker_searches_the_related_collection(signed_in, core, posts, tags):
    response = signed_in.get("/_/collections/tags/lookup?q=pytho")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json()["items"] == [{"id": tags[0].id, "label": "python"}]
    everything = signed_in.get("/_/collections/tags/lookup").get_json()["items"]
    assert {item["id"] for item in everything} == {tag.id for tag in tags}
    quoted = signed_in.get('/_/collections/tags/lookup?q=" || id != "').get_json()["items"]
    assert quoted == []  # the search text is a quoted string, never filter syntax


def test_file_fields_list_current_files_and_remove_them(signed_in, core, posts):
    from sqlalchemy import update

    record = create(core, posts, title="with file")
    table = posts.table(core.db.dialect)
    with core.db.transaction() as tx:  # a stored file name, as the files service would leave it
        tx.connection.execute(update(table).where(table.c.id == record.id).values(cover="photo_abc123.png"))
    html = signed_in.text(f"/_/collections/posts/records/{record.id}")
    assert "photo_abc123.png" in html
    assert f'/api/files/{posts.id}/{record.id}/photo_abc123.png' in html
    values = signed_in.form(f"/_/collections/posts/records/{record.id}", "record-form").add("r-cover-remove", "photo_abc123.png")
    response = signed_in.submit(f"/_/collections/posts/records/{record.id}", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert core.records_repo.find(posts, record.id).get("cover") == ""


def _with_upload(values, name: str, filename: str, content: bytes) -> dict:
    """The form as a multipart body with one file part, as a browser sends it."""
    data: dict = {}
    for key, value in values.pairs:
        data.setdefault(key, []).append(value)
    data[name] = (io.BytesIO(content), filename)
    return data


def test_upload_a_file_then_replace_it(signed_in, core, posts):
    assert 'data-testid="uploads-unavailable"' not in signed_in.text("/_/collections/posts/records/new")
    values = signed_in.form("/_/collections/posts/records/new", "record-form").set("r-title", "with upload")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = signed_in.client.post(
        "/_/collections/posts/records/new", data=_with_upload(values, "r-cover-upload", "photo.png", png), content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    (record,) = core.records.list(posts, RequestContext.system(), ListQuery()).items
    stored = record.get("cover")
    assert stored.startswith("photo") and stored.endswith(".png")
    html = signed_in.text(f"/_/collections/posts/records/{record.id}")
    assert stored in html and 'class="console-file-thumb"' in html
    served = signed_in.client.get(f"/api/files/{posts.id}/{record.id}/{stored}")
    assert served.status_code == 200 and served.data == png
    served.close()

    values = signed_in.form(f"/_/collections/posts/records/{record.id}", "record-form")
    response = signed_in.client.post(
        f"/_/collections/posts/records/{record.id}", data=_with_upload(values, "r-cover-upload", "notes.txt", b"hello"), content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    replaced = core.records_repo.find(posts, record.id).get("cover")
    assert replaced.startswith("notes") and replaced != stored


def test_upload_with_a_refused_file_name_is_reported(signed_in, core, posts):
    values = signed_in.form("/_/collections/posts/records/new", "record-form").set("r-title", "bad upload")
    response = signed_in.client.post(
        "/_/collections/posts/records/new", data=_with_upload(values, "r-cover-upload", "..", b"x"), content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert core.records_repo.count(posts) == 0


# ---- auth records ---------------------------------------------------------------------------------------
def test_auth_record_with_password_and_verified_toggle(signed_in, core):
    users = core.collections.get("users")
    values = signed_in.form("/_/collections/users/records/new", "record-form")
    assert values.get("r-tokenKey") is None  # never shown or edited
    values.set("r-email", "new@example.com").set("r-password", "Secr3t-pass").set("passwordConfirm", "Secr3t-pass")
    values.set("r-verified", "on").set("r-name", "New user")
    response = signed_in.submit("/_/collections/users/records/new", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    record = core.records_repo.find_first(users, users.table(core.db.dialect).c.email == "new@example.com")
    assert record.get("verified") is True and record.get("password").matches("Secr3t-pass")

    html = signed_in.text(f"/_/collections/users/records/{record.id}")
    assert record.get("tokenKey") not in html
    assert record.get("password").hash not in html if hasattr(record.get("password"), "hash") else True
    values = signed_in.form(f"/_/collections/users/records/{record.id}", "record-form")
    assert values.get("r-password") == ""
    values.set("r-verified", None)  # toggle off; an empty password keeps the current one
    assert signed_in.submit(f"/_/collections/users/records/{record.id}", values).status_code == 302
    saved = core.records_repo.find(users, record.id)
    assert saved.get("verified") is False and saved.get("password").matches("Secr3t-pass")


def test_password_confirmation_mismatch_is_shown(signed_in, core):
    values = signed_in.form("/_/collections/users/records/new", "record-form")
    values.set("r-email", "x@example.com").set("r-password", "Secr3t-pass").set("passwordConfirm", "other")
    html = signed_in.submit("/_/collections/users/records/new", values).get_data(as_text=True)
    assert 'data-error-for="passwordConfirm"' in html


def test_superusers_are_managed_as_records(signed_in, core):
    html = signed_in.text("/_/collections/_superusers/records")
    assert "admin@example.com" in html
    values = signed_in.form("/_/collections/_superusers/records/new", "record-form")
    values.set("r-email", "second@example.com").set("r-password", "Secr3t-pass-2").set("passwordConfirm", "Secr3t-pass-2")
    assert signed_in.submit("/_/collections/_superusers/records/new", values).status_code == 302
    assert core.records_repo.count(core.collections.get("_superusers")) == 2


# ---- delete ---------------------------------------------------------------------------------------------
def test_delete_a_record_after_confirmation(signed_in, core, posts):
    record = create(core, posts, title="doomed")
    html = signed_in.text(f"/_/collections/posts/records/{record.id}/delete")
    assert "Do you really want to delete" in html and "doomed" in html
    assert core.records_repo.count(posts) == 1  # GET only asks
    response = signed_in.post(f"/_/collections/posts/records/{record.id}/delete")
    assert response.status_code == 302
    assert core.records_repo.count(posts) == 0


def test_bulk_delete_asks_then_deletes_the_selection(signed_in, core, posts):
    keep = create(core, posts, title="keep")
    doomed = [create(core, posts, title=f"doomed {n}") for n in range(3)]
    ids = [("ids", record.id) for record in doomed]
    response = signed_in.post("/_/collections/posts/records/bulk-delete", ids, token_from="/_/collections/posts/records")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "3 record(s) of posts" in html
    assert core.records_repo.count(posts) == 4
    values = read_form(html, "delete-form")
    assert values.getlist("ids") == [record.id for record in doomed] and values.get("confirmed") == "1"
    response = signed_in.submit("/_/collections/posts/records/bulk-delete", values)
    assert response.status_code == 302
    remaining = core.records.list(posts, RequestContext.system(), ListQuery()).items
    assert [record.id for record in remaining] == [keep.id]


def test_bulk_delete_without_selection(signed_in, posts):
    response = signed_in.post("/_/collections/posts/records/bulk-delete", {}, token_from="/_/collections/posts/records")
    assert response.status_code == 302


def test_unknown_record_is_a_404(signed_in, posts):
    assert signed_in.get("/_/collections/posts/records/nope").status_code == 404
    assert signed_in.get("/_/collections/posts/records/nope/delete").status_code == 404


def test_relation_columns_show_the_related_labels(signed_in, core, posts, tags):
    create(core, posts, title="labelled", tags=[tags[0].id, tags[1].id])
    html = signed_in.text("/_/collections/posts/records")
    assert "python, web" in html
