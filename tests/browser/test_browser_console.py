"""The console's main journeys in real headless Chromium against `baas serve`.

Install (first superuser) -> sign out and in -> create collections with several field types and rules ->
add records with a file and a relation -> filter and sort -> edit -> delete and bulk delete -> change a
setting -> API preview -> sign out. Screenshots of the main pages land in test-artifacts/console/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError, expect

pytestmark = pytest.mark.browser

EMAIL = "owner@example.com"
PASSWORD = "Sup3r-secret-pass"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000010000000100806000000"
    "1ff3ff610000001e49444154789c63fccf40023056c37f06d47003190c"
    "3ae0603c0000a9e31dfd5df2ef700000000049454e44ae426082"
)


# ---- steps ---------------------------------------------------------------------------------------------
def install(page, base: str, shot) -> None:
    page.goto(f"{base}/_/")
    expect(page).to_have_url(re.compile(r"/_/install$"))
    shot(page, "01-install")
    form = page.locator("[data-testid=install-form]")
    form.locator("input[name=email]").fill(EMAIL)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=password_confirm]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=current-user]")).to_have_text(EMAIL)


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/_/login$"))


def sign_in(page, base: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/_/login")
    form = page.locator("[data-testid=login-form]")
    form.locator("input[name=email]").fill(EMAIL)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()


def add_field(page, type_name: str, name: str):
    item = page.locator(f"[data-add-field={type_name}]")
    for _ in range(5):  # on a loaded machine a click can come before Bootstrap has bound the dropdown
        page.locator("[data-testid=add-field]").click()
        try:
            item.wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeoutError:
            continue
    item.click()
    row = page.locator("[data-field-row]").last
    row.locator("[data-field-name]").fill(name)
    return row


def save(page) -> None:
    page.locator("[data-testid=save]").click()


def create_tags_collection(page) -> None:
    page.locator("[data-testid=new-collection]").click()
    page.locator("#name").fill("tags")
    row = add_field(page, "text", "label")
    row.locator("input[name$='-presentable']").check()
    row.locator("input[name$='-required']").check()
    save(page)
    expect(page.locator(".alert-success")).to_contain_text("Collection 'tags' saved.")


def create_posts_collection(page, shot) -> None:
    page.locator("[data-testid=new-collection]").click()
    page.locator("#name").fill("posts")
    add_field(page, "text", "title").locator("input[name$='-required']").check()
    add_field(page, "number", "views")
    add_field(page, "bool", "published")
    status = add_field(page, "select", "status")
    status.locator("input[name$='-o-values']").fill("draft, live")
    status.locator("input[name$='-o-maxSelect']").fill("1")
    tags = add_field(page, "relation", "tags")
    tags.locator("select[name$='-o-collectionId']").select_option(label="tags")
    tags.locator("input[name$='-o-maxSelect']").fill("5")
    add_field(page, "json", "meta")
    add_field(page, "date", "publishAt")
    add_field(page, "file", "cover").locator("input[name$='-o-maxSelect']").fill("1")
    created = add_field(page, "autodate", "created")
    created.locator("input[name$='-o-onCreate']").check()
    # a field added by mistake, removed again
    add_field(page, "email", "oops")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-field-row]").last.locator("[data-remove-field]").click()
    expect(page.locator("[data-field-name]").last).to_have_value("created")
    # reorder: move "views" above "title"
    views_row = page.locator("[data-field-row]").nth(2)
    expect(views_row.locator("[data-field-name]")).to_have_value("views")
    views_row.locator("[data-move=up]").click()
    expect(page.locator("[data-field-row]").nth(1).locator("[data-field-name]")).to_have_value("views")

    page.locator("[data-testid=tab-rules]").click()
    page.locator("#rule-listRule-mode").select_option("public")
    page.locator("#rule-viewRule-mode").select_option("custom")
    page.locator("input[name=rule-viewRule-expr]").fill("missing_field = true")
    shot(page, "03-collection-form")
    save(page)
    # the rule error is shown next to the rule (its tab opens by itself), and the input survived
    expect(page.locator("[data-error-for=viewRule]")).to_be_visible()
    expect(page.locator("[data-error-for=viewRule]")).to_contain_text("missing_field")
    expect(page.locator("input[name=rule-viewRule-expr]")).to_have_value("missing_field = true")
    page.locator("input[name=rule-viewRule-expr]").fill('published = true || @request.auth.id != ""')
    save(page)
    expect(page.locator(".alert-success")).to_contain_text("Collection 'posts' saved.")
    names = page.locator("[data-field-list] [data-field-name]").evaluate_all("inputs => inputs.map(i => i.value)")
    assert names == ["id", "views", "title", "published", "status", "tags", "meta", "publishAt", "cover", "created"]


def add_tag(page, base: str, label: str) -> None:
    page.goto(f"{base}/_/collections/tags/records/new")
    page.locator("#field-label").fill(label)
    save(page)
    expect(page.locator("[data-testid=records-table]")).to_contain_text(label)


def add_post(page, base: str, title: str, views: int, *, tag: str | None = None, image: bool = False, tmp_path=None) -> None:
    page.goto(f"{base}/_/collections/posts/records/new")
    page.locator("#field-title").fill(title)
    page.locator("#field-views").fill(str(views))
    page.locator("#field-published").check()
    page.locator("#field-status").select_option("live")
    page.locator("#field-meta").fill('{"likes": %d}' % views)
    expect(page.locator("[data-json-status]")).to_have_text("Valid JSON.")
    page.locator("#field-publishAt").fill("2024-05-01T10:20:30")
    if tag:
        search = page.locator("[data-field=tags] [data-relation-search]")
        search.fill(tag[:3])
        page.locator("[data-field=tags] [data-relation-results] button", has_text=tag).click()
        expect(page.locator("[data-field=tags] [data-relation-chips]")).to_contain_text(tag)
    if image:
        path = tmp_path / "cover.png"
        path.write_bytes(PNG)
        page.locator("#field-cover").set_input_files(str(path))
        expect(page.locator("[data-field=cover] [data-file-previews] img")).to_have_count(1)
    save(page)
    expect(page.locator(".alert-success")).to_contain_text("saved.")


def rows(page) -> list[str]:
    return page.locator("[data-testid=records-table] tbody tr[data-record-id] td:nth-child(3)").all_inner_texts()


# ---- journeys --------------------------------------------------------------------------------------------
def test_console_main_journey(live_server, page, shot, tmp_path):
    base = live_server.url
    install(page, base, shot)
    shot(page, "02-welcome")
    sign_out(page)

    sign_in(page, base, password="wrong-password")
    expect(page.locator("[data-testid=login-form]")).to_contain_text("Invalid email or password.")
    shot(page, "00-login")
    sign_in(page, base)
    expect(page.locator("[data-testid=current-user]")).to_have_text(EMAIL)

    create_tags_collection(page)
    create_posts_collection(page, shot)

    add_tag(page, base, "python")
    add_tag(page, base, "databases")
    add_post(page, base, "Hello <b>world</b>", 3, tag="python", image=True, tmp_path=tmp_path)
    add_post(page, base, "Second post", 12, tag="databases")
    add_post(page, base, "Third post", 30)

    # the record with a file and a relation shows them back
    page.goto(f"{base}/_/collections/posts/records?sort=views")
    page.locator("tr[data-record-id]").first.locator("a[aria-label^=Open]").click()
    expect(page.locator("[data-field=tags] [data-relation-chips]")).to_contain_text("python")
    expect(page.locator("[data-field=cover] .list-group-item")).to_contain_text("cover")
    expect(page.locator("[data-field=cover] img.console-file-thumb")).to_have_count(1)
    assert page.locator("[data-field=cover] img.console-file-thumb").evaluate("img => img.decode().then(() => img.naturalWidth)") == 16
    shot(page, "05-record-form", full_page=True)

    # filter and sort
    page.goto(f"{base}/_/collections/posts/records")
    page.locator("[data-testid=filter]").fill("views > 5")
    page.locator("[data-testid=filter]").press("Enter")
    expect(page.locator("[data-testid=records-table] tbody tr[data-record-id]")).to_have_count(2)
    page.locator("a[data-sort=views]").click()
    assert rows(page) == ["12", "30"]
    page.locator("a[data-sort=views]").click()
    assert rows(page) == ["30", "12"]
    page.locator("[data-testid=filter]").fill("views >")
    page.locator("[data-testid=filter]").press("Enter")
    expect(page.locator("[data-testid=filter-error]")).to_contain_text("Invalid filter")
    page.goto(f"{base}/_/collections/posts/records?sort=views")
    expect(page.locator("[data-testid=records-table]")).to_contain_text("Hello <b>world</b>")  # text, not markup
    shot(page, "04-records")

    # edit
    page.locator("tr[data-record-id]", has_text="Second post").locator("a[aria-label^=Open]").click()
    page.locator("#field-title").fill("Second post, edited")
    page.locator("#field-published").uncheck()
    save(page)
    expect(page.locator("[data-testid=records-table]")).to_contain_text("Second post, edited")

    # delete one, with confirmation
    page.locator("tr[data-record-id]", has_text="Third post").locator("a[aria-label^=Open]").click()
    page.locator("[data-testid=delete-link]").click()
    expect(page.locator("[data-testid=delete-form]")).to_be_visible()
    shot(page, "06-delete-confirmation")
    page.locator("[data-testid=confirm-delete]").click()
    expect(page.locator(".alert-success")).to_contain_text("deleted")
    expect(page.locator("[data-testid=records-table] tbody tr[data-record-id]")).to_have_count(2)

    # bulk delete the rest
    expect(page.locator("[data-testid=bulk-delete]")).to_be_disabled()
    page.locator("[data-check-all]").check()
    expect(page.locator("[data-testid=bulk-delete]")).to_have_text(re.compile(r"Delete selected \(2\)"))
    page.locator("[data-testid=bulk-delete]").click()
    expect(page.locator("main")).to_contain_text("2 record(s) of posts")
    page.locator("[data-testid=confirm-delete]").click()
    expect(page.locator("[data-testid=records-table]")).to_contain_text("No records found.")

    # a setting
    page.get_by_role("link", name="Settings").first.click()
    page.locator("#appName").fill("Acme Backend")
    save(page)
    expect(page.locator(".alert-success")).to_contain_text("Application saved.")
    expect(page.locator(".navbar-brand")).to_contain_text("Acme Backend")
    shot(page, "07-settings")
    page.locator("[data-testid=settings-rate-limits]").click()
    page.locator("[data-add-rate-rule]").click()
    page.locator("[data-rate-rule]").last.locator("input[name$='-label']").fill("/api/custom")
    save(page)
    expect(page.locator(".alert-success")).to_contain_text("Rate limits saved.")
    expect(page.locator("[data-rate-rule] input[value='/api/custom']")).to_have_count(1)

    # API preview
    page.goto(f"{base}/_/collections/posts/api")
    expect(page.locator("[data-endpoint=Create]")).to_contain_text("pb.collection(\"posts\").create")
    shot(page, "08-api-preview")

    sign_out(page)
    page.goto(f"{base}/_/collections/posts/records")
    expect(page).to_have_url(re.compile(r"/_/login"))


def test_auth_collection_options_and_auth_records(live_server, page, shot):
    base = live_server.url
    live_server.cli("superuser", "upsert", EMAIL, PASSWORD, "--dir", str(live_server.data_dir))
    sign_in(page, base)
    page.goto(f"{base}/_/collections/users/edit")
    page.locator("[data-testid=tab-options]").click()
    page.get_by_role("button", name="One-time password (OTP)").click()
    page.locator("#otp-enabled").check()
    page.locator("#otp-length").fill("6")
    page.get_by_role("button", name="OAuth2").click()
    page.locator("[data-add-provider]").click()
    page.locator("[data-provider-row] input[name$='-name']").fill("gitlab")
    page.locator("[data-provider-row] input[name$='-clientId']").fill("client-1")
    page.locator("[data-provider-row] input[name$='-clientSecret']").fill("VERY-SECRET")
    shot(page, "09-auth-options", full_page=True)
    save(page)
    expect(page.locator(".alert-success")).to_contain_text("Collection 'users' saved.")
    assert "VERY-SECRET" not in page.content()

    page.goto(f"{base}/_/collections/users/records/new")
    page.locator("#field-email").fill("member@example.com")
    page.locator("#field-password").fill("Member-pass-1")
    page.locator("#field-passwordConfirm").fill("Member-pass-1")
    page.locator("#field-verified").check()
    save(page)
    expect(page.locator("[data-testid=records-table]")).to_contain_text("member@example.com")
