"""Collections screens: create and edit (fields editor, rules, indexes, auth options, view query), delete."""

from __future__ import annotations

import pytest


def add_field(form, key: str, type_name: str, name: str, **options) -> None:
    """Append a fields-editor row as the "New field" menu would, with `options` as its inputs."""
    form.add(f"f-{key}-type", type_name).add(f"f-{key}-name", name)
    for option, value in options.items():
        if value is True:
            form.add(f"f-{key}-{option}" if option in ("required", "hidden", "presentable") else f"f-{key}-o-{option}", "on")
        elif value is not False:
            form.add(f"f-{key}-o-{option}", str(value))


def new_collection_form(console, kind: str = "base"):
    return console.form(f"/_/collections/new?type={kind}", "collection-form")


def test_new_collection_form_shows_every_field_type_and_the_rules(signed_in):
    html = signed_in.text("/_/collections/new")
    from baas.schema.fields import field_types

    for type_name in field_types():
        assert f'data-add-field="{type_name}"' in html
        assert f'data-field-template="{type_name}"' in html
    for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule"):
        assert f'name="rule-{rule}-mode"' in html
    assert "Superusers only" in html and "Everyone" in html and "Expression" in html


def test_create_a_base_collection_with_several_field_types_and_rules(signed_in, core):
    tags = core.collections_service.create({"name": "tags"})
    values = new_collection_form(signed_in)
    values.set("name", "articles")
    add_field(values, "a", "text", "title", required=True, presentable=True, max=120)
    add_field(values, "b", "number", "score", min=0, max=10, onlyInt=True)
    add_field(values, "c", "bool", "published")
    add_field(values, "d", "select", "status", values="draft, live, archived", maxSelect=1)
    add_field(values, "e", "relation", "tags", collectionId=tags.id, maxSelect=3)
    add_field(values, "f", "json", "meta", maxSize=2000)
    add_field(values, "g", "file", "cover", maxSelect=2, mimeTypes="image/png, image/jpeg", thumbs="100x100")
    add_field(values, "h", "date", "publishAt")
    add_field(values, "i", "autodate", "created", onCreate=True)
    values.set("rule-listRule-mode", "public")
    values.set("rule-viewRule-mode", "custom").set("rule-viewRule-expr", 'published = true || @request.auth.id != ""')
    values.set("rule-createRule-mode", "custom").set("rule-createRule-expr", '@request.auth.id != ""')
    values.set("indexes", "CREATE INDEX idx_articles_score ON articles (score)")
    response = signed_in.submit("/_/collections/new", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/_/collections/articles/edit"

    saved = core.collections.get("articles")
    assert [f.name for f in saved.fields] == ["id", "title", "score", "published", "status", "tags", "meta", "cover", "publishAt", "created"]
    title = saved.get_field("title")
    assert title.required and title.presentable and title.max == 120
    assert saved.get_field("score").onlyInt and saved.get_field("score").max == 10
    assert saved.get_field("status").values == ["draft", "live", "archived"]
    assert saved.get_field("tags").collectionId == tags.id and saved.get_field("tags").maxSelect == 3
    assert saved.get_field("cover").mimeTypes == ["image/png", "image/jpeg"] and saved.get_field("cover").thumbs == ["100x100"]
    assert saved.get_field("created").onCreate is True
    assert saved.get_field("id").options["primaryKey"] is True  # the system id row kept its options
    assert saved.rules == {
        "listRule": "",
        "viewRule": 'published = true || @request.auth.id != ""',
        "createRule": '@request.auth.id != ""',
        "updateRule": None,
        "deleteRule": None,
    }
    assert saved.indexes == ["CREATE INDEX idx_articles_score ON articles (score)"]
    html = signed_in.text("/_/collections/articles/edit")
    assert "Collection &#39;articles&#39; saved." in html or "Collection 'articles' saved." in html


def test_rule_errors_are_shown_next_to_the_rule(signed_in, core):
    values = new_collection_form(signed_in).set("name", "notes")
    values.set("rule-listRule-mode", "custom").set("rule-listRule-expr", "missing_field = 1")
    response = signed_in.submit("/_/collections/new", values)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-error-for="listRule"' in html
    assert "missing_field" in html
    assert core.collections.get("notes") is None
    # the posted input is shown again, not lost
    assert 'value="notes"' in html and 'value="missing_field = 1"' in html


def test_field_errors_are_shown_on_their_row(signed_in, core):
    values = new_collection_form(signed_in).set("name", "bad")
    add_field(values, "a", "text", "")  # an empty name
    add_field(values, "b", "relation", "owner")  # no target collection
    response = signed_in.submit("/_/collections/new", values)
    html = response.get_data(as_text=True)
    assert 'data-error-for="fields.1.name"' in html
    assert 'data-error-for="fields.2.collectionId"' in html
    assert core.collections.get("bad") is None


def test_non_numeric_option_is_reported_before_saving(signed_in, core):
    values = new_collection_form(signed_in).set("name", "nums")
    add_field(values, "a", "text", "code", max="ten")
    html = signed_in.submit("/_/collections/new", values).get_data(as_text=True)
    assert "Must be a whole number." in html
    assert core.collections.get("nums") is None


def row_key(values, field_name: str) -> str:
    """The row key of the fields-editor row showing `field_name`."""
    return next(name.split("-")[1] for name in values.names() if name.startswith("f-") and name.endswith("-name") and values.get(name) == field_name)


def move_row_before(values, key: str, before_key: str) -> None:
    """What the "move up" button does: the row's inputs now come before the other row's."""
    row = [(k, v) for k, v in values.pairs if k.startswith(f"f-{key}-")]
    values.remove_prefix(f"f-{key}-")
    at = next(i for i, (k, _) in enumerate(values.pairs) if k.startswith(f"f-{before_key}-"))
    values.pairs[at:at] = row


def test_edit_renames_reorders_and_removes_fields(signed_in, core, posts):
    values = signed_in.form("/_/collections/posts/edit", "collection-form")
    shown = [values.get(name) for name in values.names() if name.startswith("f-") and name.endswith("-name")]
    assert shown[:3] == ["id", "title", "views"]
    values.set(f"f-{row_key(values, 'views')}-name", "hits")
    values.remove_prefix(f"f-{row_key(values, 'site')}-")
    move_row_before(values, row_key(values, "status"), row_key(values, "title"))
    old_views = posts.get_field("views")
    response = signed_in.submit("/_/collections/posts/edit", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = core.collections.get("posts")
    names = [f.name for f in saved.fields]
    assert "site" not in names and "views" not in names
    assert saved.get_field("hits").id == old_views.id
    assert names.index("status") < names.index("title")


def test_auth_collection_options_are_editable_and_secrets_never_shown(signed_in, core):
    values = new_collection_form(signed_in, "auth").set("name", "members")
    assert values.get("pa-enabled") == "on"
    values.set("pa-identityFields", "email")
    values.set("oa-enabled", "on")
    values.add("oap-x-name", "google").add("oap-x-clientId", "client-123").add("oap-x-clientSecret", "TOP-SECRET-VALUE")
    values.add("oap-x-displayName", "").add("oap-x-authURL", "").add("oap-x-tokenURL", "").add("oap-x-userInfoURL", "")
    values.set("otp-enabled", "on").set("otp-duration", "300").set("otp-length", "6")
    values.set("mfa-enabled", "on").set("mfa-duration", "900")
    values.set("tok-authToken-duration", "7200")
    values.set("tpl-verificationTemplate-subject", "Please verify {APP_NAME}")
    values.set("rule-manageRule-mode", "custom").set("rule-manageRule-expr", '@request.auth.id != ""')
    response = signed_in.submit("/_/collections/new?type=auth", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = core.collections.get("members")
    assert saved.is_auth
    options = saved.options
    assert options["oauth2"]["enabled"] and options["oauth2"]["providers"][0]["clientSecret"] == "TOP-SECRET-VALUE"
    assert options["otp"]["enabled"] and options["otp"]["duration"] == 300 and options["otp"]["length"] == 6
    assert options["mfa"] == {"enabled": True, "duration": 900, "rule": ""}
    assert options["authToken"]["duration"] == 7200
    assert options["verificationTemplate"]["subject"] == "Please verify {APP_NAME}"
    assert options["manageRule"] == '@request.auth.id != ""'

    html = signed_in.text("/_/collections/members/edit")
    assert "TOP-SECRET-VALUE" not in html
    for key in ("authToken", "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken"):
        assert options[key]["secret"] not in html
    assert 'value="client-123"' in html

    # saving again without typing the secret keeps it; regenerating a token secret replaces it
    old_secret = options["authToken"]["secret"]
    values = signed_in.form("/_/collections/members/edit", "collection-form")
    values.set("tok-authToken-regenerate", "on")
    assert signed_in.submit("/_/collections/members/edit", values).status_code == 302
    saved = core.collections.get("members")
    assert saved.options["oauth2"]["providers"][0]["clientSecret"] == "TOP-SECRET-VALUE"
    assert saved.options["authToken"]["secret"] != old_secret
    assert saved.options["passwordResetToken"]["secret"] == options["passwordResetToken"]["secret"]


def test_oauth2_pkce_and_extra_survive_the_form(signed_in, core):
    values = new_collection_form(signed_in, "auth").set("name", "sso")
    values.set("oa-enabled", "on")
    values.add("oap-x-name", "oidc").add("oap-x-clientId", "client").add("oap-x-clientSecret", "secret")
    values.add("oap-x-displayName", "").add("oap-x-authURL", "https://idp.example.com/auth")
    values.add("oap-x-tokenURL", "https://idp.example.com/token").add("oap-x-userInfoURL", "https://idp.example.com/me")
    values.add("oap-x-pkce", "false").add("oap-x-extra", '{"issuer": "https://idp.example.com"}')
    assert signed_in.submit("/_/collections/new?type=auth", values).status_code == 302
    provider = core.collections.get("sso").options["oauth2"]["providers"][0]
    assert provider["pkce"] is False and provider["extra"] == {"issuer": "https://idp.example.com"}
    again = signed_in.form("/_/collections/sso/edit", "collection-form")  # a plain re-save keeps both
    assert signed_in.submit("/_/collections/sso/edit", again).status_code == 302
    provider = core.collections.get("sso").options["oauth2"]["providers"][0]
    assert provider["pkce"] is False and provider["extra"] == {"issuer": "https://idp.example.com"}


def test_auth_option_errors_are_shown(signed_in, core):
    values = new_collection_form(signed_in, "auth").set("name", "members2").set("pa-identityFields", "nosuchfield")
    response = signed_in.submit("/_/collections/new?type=auth", values)
    assert response.status_code == 200
    assert core.collections.get("members2") is None
    assert "passwordAuth" in response.get_data(as_text=True)


def test_view_collection_with_query(signed_in, core, posts):
    values = new_collection_form(signed_in, "view").set("name", "post_titles").set("viewQuery", "SELECT id, title FROM posts")
    response = signed_in.submit("/_/collections/new?type=view", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = core.collections.get("post_titles")
    assert saved.is_view and [f.name for f in saved.fields] == ["id", "title"]
    html = signed_in.text("/_/collections/post_titles/edit")
    assert "Inferred fields" in html and "SELECT id, title FROM posts" in html
    assert 'name="rule-createRule-mode"' not in html


def test_view_query_errors_are_shown(signed_in, core):
    values = new_collection_form(signed_in, "view").set("name", "broken").set("viewQuery", "SELECT nope FROM nowhere")
    html = signed_in.submit("/_/collections/new?type=view", values).get_data(as_text=True)
    assert 'data-error-for="viewQuery"' in html
    assert core.collections.get("broken") is None


def test_index_errors_are_shown(signed_in, core, posts):
    values = signed_in.form("/_/collections/posts/edit", "collection-form").set("indexes", "CREATE INDEX oops")
    html = signed_in.submit("/_/collections/posts/edit", values).get_data(as_text=True)
    assert 'data-error-for="indexes.0"' in html


def test_edit_form_keeps_the_collection_unchanged_when_saved_as_is(signed_in, core, posts):
    before = core.collections.get("posts").to_json()
    values = signed_in.form("/_/collections/posts/edit", "collection-form")
    assert signed_in.submit("/_/collections/posts/edit", values).status_code == 302
    after = core.collections.get("posts").to_json()
    for key in ("fields", "indexes", "listRule", "viewRule", "createRule", "updateRule", "deleteRule", "name"):
        assert after[key] == before[key], key


def test_edit_an_existing_auth_collection_as_is(signed_in, core):
    before = core.collections.get("users").to_json(secrets=True)
    values = signed_in.form("/_/collections/users/edit", "collection-form")
    response = signed_in.submit("/_/collections/users/edit", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    after = core.collections.get("users").to_json(secrets=True)
    for key in ("fields", "passwordAuth", "oauth2", "otp", "mfa", "authToken", "verificationTemplate", "authRule", "manageRule"):
        assert after[key] == before[key], key


def test_unknown_collection_is_a_404_page(signed_in):
    response = signed_in.get("/_/collections/nope/edit")
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


# ---- delete ----------------------------------------------------------------------------------------------
def test_delete_asks_for_the_name_then_deletes(signed_in, core, posts):
    html = signed_in.text("/_/collections/tags/delete")
    assert "Type <code>tags</code> to confirm" in html
    assert "It is referenced by posts" in html
    response = signed_in.post("/_/collections/posts/delete", {"confirm_name": "wrong"})
    assert core.collections.get("posts") is not None
    assert "Type the collection name to confirm." in response.get_data(as_text=True)
    response = signed_in.post("/_/collections/posts/delete", {"confirm_name": "posts"})
    assert response.status_code == 302
    assert core.collections.get("posts") is None


def test_delete_refused_while_referenced(signed_in, core, posts):
    response = signed_in.post("/_/collections/tags/delete", {"confirm_name": "tags"})
    assert core.collections.get("tags") is not None
    assert "existing reference" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["_superusers", "_mfas"])
def test_system_collections_cannot_be_deleted(signed_in, core, name):
    response = signed_in.get(f"/_/collections/{name}/delete")
    assert response.status_code == 302
    response = signed_in.post(f"/_/collections/{name}/delete", {"confirm_name": name}, token_from="/_/settings")
    assert core.collections.get(name) is not None
