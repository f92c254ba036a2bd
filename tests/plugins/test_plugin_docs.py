"""The plugin documentation stays true: docs/hooks.md is what `python -m baas.hooks.docs` prints, every
hook is documented, `baas.plugin_api` exports what it says, and the worked example of docs/plugins.md runs."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from plugin_support import write_plugin

import baas.plugin_api
from baas.hooks import docs, specs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_MARKER = "<!-- example: blog.py"


def test_hooks_md_is_up_to_date():
    committed = (ROOT / "docs" / "hooks.md").read_text()
    assert committed == docs.render(), f"docs/hooks.md is stale: run `{docs.COMMAND}`"


def test_every_hook_has_a_docstring_and_keyword_arguments_only():
    for name, function in vars(specs).items():
        if inspect.isfunction(function) and hasattr(function, "baas_spec"):
            assert (function.__doc__ or "").strip(), f"{name} needs a docstring: it is the plugin author's reference"
            assert name.startswith("baas_"), name


def test_plugin_api_exports_what_it_documents():
    public = {name for name in vars(baas.plugin_api) if not name.startswith("_")} - {"annotations", "copy", "Any", "to_api"}
    assert set(baas.plugin_api.__all__) == public
    for name in baas.plugin_api.__all__:
        assert name in baas.plugin_api.__doc__ or name in ("PluginLoadError",), f"document {name} in baas/plugin_api.py"


def test_plugins_md_links_the_generated_hook_list():
    guide = (ROOT / "docs" / "plugins.md").read_text()
    assert "(hooks.md)" in guide


def example_source() -> str:
    guide = (ROOT / "docs" / "plugins.md").read_text()
    after = guide[guide.index(EXAMPLE_MARKER):]
    return re.search(r"```python\n(.*?)```", after, re.S).group(1)


@pytest.fixture
def app(app_factory, tmp_path):
    """The app the `client`, `core` and `su_headers` fixtures use, with the example as its only plugin."""
    folder = tmp_path / "plugins"
    write_plugin(folder, "blog", example_source())
    return app_factory(plugins_dir=str(folder))


def sign_in(client, core):
    from baas.core.context import RequestContext

    users = core.collections.get("users")
    core.records.create(users, RequestContext.system(), {"email": "w@example.com", "password": "Wr1ter-pass", "passwordConfirm": "Wr1ter-pass"})
    response = client.post("/api/collections/users/auth-with-password", json={"identity": "w@example.com", "password": "Wr1ter-pass"})
    return {"Authorization": response.get_json()["token"]}


def test_the_worked_example_works(client, core, su_headers):
    user = sign_in(client, core)
    assert client.post("/api/collections/posts/records", json={"title": "Hello World"}).status_code == 400  # guests may not post
    created = client.post("/api/collections/posts/records", json={"title": "Hello World"}, headers=user)
    assert created.status_code == 200 and created.get_json()["slug"] == "hello-world"
    refused = client.post("/api/collections/posts/records", json={"title": "buy spam now"}, headers=user)
    assert refused.status_code == 400
    assert refused.get_json()["data"] == {"title": {"code": "blog_banned_word", "message": "Please keep it civil."}}
    post_id = created.get_json()["id"]
    assert client.post(f"/api/blog/posts/{post_id}/view").get_json()["views"] == 1
    assert client.post(f"/api/blog/posts/{post_id}/view").get_json()["views"] == 2
    assert client.post("/api/blog/posts/nope/view").status_code == 404
    assert client.get("/api/blog/stats").status_code == 401
    assert client.get("/api/blog/stats", headers=user).status_code == 403
    assert client.get("/api/blog/stats", headers=su_headers).get_json() == {"posts": 1, "views": 2}
    jobs = client.get("/api/crons", headers=su_headers).get_json()
    assert {"id": "blog_nightly", "expression": "@daily"} in jobs
    core.cron.get("blog_nightly").fn()  # runs without error
