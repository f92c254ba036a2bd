"""Schema as code from the command line: `baas collections export|import`, and automigrate files replayed
on another deployment by `baas migrate up` (reverted by `migrate down`, listed by `migrate history`)."""

from __future__ import annotations

import copy
import json
import os
import shutil

import pytest
from click.testing import CliRunner

from baas import cli, create_app, load_config

SU = {"identity": "cli@example.com", "password": "Cli-Passw0rd!1"}


class Deployment:
    """One data dir and database, driven through the CLI (`run`) or its API (`api`); read back through one
    long-lived app (`export`), which sees every change of the CLI on its next look."""

    def __init__(self, data_dir, url):
        self.data_dir, self.url = data_dir, url
        self.env = {key: None for key in os.environ if key.startswith("BAAS_")}
        if url:
            self.env["BAAS_DATABASE_URL"] = url
        self._app = None

    def run(self, *args: str, **env: str):
        return CliRunner().invoke(cli.main, [*args, "--dir", str(self.data_dir)], env={**self.env, **env})

    def app(self, automigrate: bool = False):
        """This deployment's app, made on first use; with `automigrate`, collection changes write files."""
        if self._app is None:
            config = load_config(self.data_dir, self.url, env={"BAAS_AUTOMIGRATE": "1" if automigrate else "0"})
            self._app = create_app(config, run_migrations=False)
        assert self._app.extensions["baas"].config.automigrate == automigrate or not automigrate
        return self._app

    def api(self, automigrate: bool = False):
        """(test client, superuser headers)."""
        from baas.core import superusers

        flask_app = self.app(automigrate)
        superusers.upsert(flask_app.extensions["baas"], SU["identity"], SU["password"])
        client = flask_app.test_client()
        token = client.post("/api/collections/_superusers/auth-with-password", json=SU).get_json()["token"]
        return client, {"Authorization": token}

    def export(self) -> list[dict]:
        return self.app().extensions["baas"].collections_service.export()

    @property
    def migrations(self):
        return self.data_dir / "migrations"

    def close(self):
        if self._app is not None:
            self._app.extensions["baas"].close()


@pytest.fixture
def deployments(databases, tmp_path):
    made = []

    def make() -> Deployment:
        data_dir = tmp_path / f"deployment{len(made)}"
        deployment = Deployment(data_dir, databases.fresh(data_dir))
        made.append(deployment)
        return deployment

    yield make
    for deployment in made:
        deployment.close()
        databases.release(deployment.url)


def schema(items: list[dict]) -> list[dict]:
    """Definitions without what differs between deployments by design (timestamps, random clone ids)."""
    out = copy.deepcopy(items)
    for item in out:
        item.pop("created"), item.pop("updated")
        for field in item["fields"]:
            field["id"] = "_clone_" if field["id"].startswith("_clone_") else field["id"]
    return sorted(out, key=lambda item: item["id"])


def change_schema(client, headers) -> None:
    """Create, change, rename and delete collections through the API, one of each kind."""
    def call(method, path, body=None, status=200):
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code == status, response.get_json()
        return response.get_json()

    posts = call("POST", "/api/collections", {"name": "posts", "fields": [{"name": "title", "type": "text"}, {"name": "n", "type": "number"}],
                                              "indexes": ["CREATE INDEX idx_posts_title ON posts (title)"], "listRule": ""})
    call("POST", "/api/collections", {"name": "comments", "fields": [{"name": "post", "type": "relation", "collectionId": posts["id"]}]})
    call("POST", "/api/collections", {"name": "members", "type": "auth", "fields": [{"name": "nick", "type": "text"}]})
    call("POST", "/api/collections", {"name": "titles", "type": "view", "viewQuery": "SELECT id, title FROM posts"})
    call("POST", "/api/collections", {"name": "scratch", "fields": []})
    fields = [{**f, "name": "heading"} if f["name"] == "title" else f for f in posts["fields"] if f["name"] != "n"]
    call("PATCH", "/api/collections/posts", {"fields": fields, "indexes": [], "listRule": "heading != ''"})
    call("PATCH", "/api/collections/comments", {"name": "replies"})
    call("DELETE", "/api/collections/scratch", status=204)


# ---- export / import ------------------------------------------------------------------------------------------


def test_export_prints_every_collection_as_json(deployments):
    deployment = deployments()
    result = deployment.run("collections", "export")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == deployment.export()
    assert {"_superusers", "users", "_mfas", "_otps", "_externalAuths", "_authOrigins"} <= {item["name"] for item in json.loads(result.stdout)}


def test_export_to_a_file(deployments, tmp_path):
    deployment = deployments()
    result = deployment.run("collections", "export", str(tmp_path / "schema.json"))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "schema.json").read_text()) == deployment.export()
    assert "Exported" in result.stderr and result.stdout == ""


def test_export_then_import_onto_an_empty_deployment_reproduces_the_schema(deployments, tmp_path):
    source, target = deployments(), deployments()
    change_schema(*source.api())
    source.run("collections", "export", str(tmp_path / "schema.json"))
    result = target.run("collections", "import", str(tmp_path / "schema.json"))
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output
    assert schema(target.export()) == schema(source.export())


def test_import_twice_changes_nothing(deployments, tmp_path):
    source, target = deployments(), deployments()
    change_schema(*source.api())
    source.run("collections", "export", str(tmp_path / "schema.json"))
    target.run("collections", "import", str(tmp_path / "schema.json"))
    first = target.export()
    assert target.run("collections", "import", str(tmp_path / "schema.json")).exit_code == 0
    assert target.export() == first


def test_import_takes_the_body_of_the_import_api(deployments, tmp_path):
    deployment = deployments()
    (tmp_path / "body.json").write_text(json.dumps({"collections": [{"name": "from_body", "fields": [{"name": "t", "type": "text"}]}],
                                                    "deleteMissing": False}))
    assert deployment.run("collections", "import", str(tmp_path / "body.json")).exit_code == 0
    assert "from_body" in {item["name"] for item in deployment.export()}


@pytest.mark.parametrize("content", ["{nope", "[]", '{"collections": 5}', '["x"]'])
def test_import_of_a_bad_file_fails_in_one_line(deployments, tmp_path, content):
    (tmp_path / "bad.json").write_text(content)
    result = deployments().run("collections", "import", str(tmp_path / "bad.json"))
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("Error: ")


def test_import_of_an_invalid_collection_changes_nothing(deployments, tmp_path):
    deployment = deployments()
    before = deployment.export()
    (tmp_path / "bad.json").write_text(json.dumps([{"name": "good", "fields": []}, {"name": "bad", "listRule": "nope = 1"}]))
    result = deployment.run("collections", "import", str(tmp_path / "bad.json"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: Failed to import collections.") and "nope" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert deployment.export() == before


# ---- automigrate files and `baas migrate` ----------------------------------------------------------------------


def test_api_changes_write_migration_files(deployments):
    deployment = deployments()
    change_schema(*deployment.api(automigrate=True))
    names = sorted(path.name for path in deployment.migrations.glob("*.json"))
    actions = [name.split("_", 1)[1] for name in names]
    # renaming `title` also moves the `titles` view onto the new column name: a change of its own
    assert actions == ["created_posts.json", "created_comments.json", "created_members.json", "created_titles.json",
                       "created_scratch.json", "updated_posts.json", "updated_titles.json", "updated_replies.json",
                       "deleted_scratch.json"]
    content = json.loads((deployment.migrations / names[-1]).read_text())
    assert content["up"] == {"upsert": [], "delete": [content["down"]["upsert"][0]["id"]]}


def test_migration_files_hold_no_secrets(deployments):
    deployment = deployments()
    client, headers = deployment.api(automigrate=True)
    client.post("/api/collections", headers=headers, json={
        "name": "members", "type": "auth", "oauth2": {"enabled": True, "providers": [{"name": "google", "clientId": "cid", "clientSecret": "shh"}]}})
    (path,) = deployment.migrations.glob("*.json")
    text = path.read_text()
    assert '"secret"' not in text and "shh" not in text and '"cid"' in text


def test_no_files_without_automigrate(deployments):
    deployment = deployments()
    change_schema(*deployment.api(automigrate=False))
    assert not deployment.migrations.exists() or not list(deployment.migrations.glob("*.json"))


def test_migrate_up_replays_the_files_on_another_deployment(deployments):
    source, target = deployments(), deployments()
    change_schema(*source.api(automigrate=True))
    shutil.copytree(source.migrations, target.migrations)
    result = target.run("migrate", "up")
    assert result.exit_code == 0, result.output
    assert result.output.count("Applied collection migration") == 9
    assert schema(target.export()) == schema(source.export())
    again = target.run("migrate", "up")
    assert "No new collection migrations to apply." in again.output


def test_the_writing_deployment_never_replays_its_own_files(deployments):
    deployment = deployments()
    change_schema(*deployment.api(automigrate=True))
    before = deployment.export()
    result = deployment.run("migrate", "up")
    assert "No new collection migrations to apply." in result.output
    assert deployment.export() == before


def test_migrate_history_lists_the_files(deployments):
    source, target = deployments(), deployments()
    change_schema(*source.api(automigrate=True))
    shutil.copytree(source.migrations, target.migrations)
    files = sorted(path.name for path in source.migrations.glob("*.json"))
    lines = [line for line in target.run("migrate", "history").output.splitlines() if line.endswith(".json")]
    assert lines == [f"[ ] {name}" for name in files]
    target.run("migrate", "up")
    lines = [line for line in target.run("migrate", "history").output.splitlines() if line.endswith(".json")]
    assert lines == [f"[x] {name}" for name in files]


def test_migrate_down_reverts_the_last_files_then_up_reapplies_them(deployments):
    source, target = deployments(), deployments()
    change_schema(*source.api(automigrate=True))
    shutil.copytree(source.migrations, target.migrations)
    target.run("migrate", "up")
    after = schema(target.export())

    result = target.run("migrate", "down", "2")  # un-delete `scratch`, rename `replies` back
    assert result.exit_code == 0, result.output
    assert result.output.count("Reverted collection migration") == 2
    names = {item["name"] for item in target.export()}
    assert {"scratch", "comments"} <= names and "replies" not in names

    assert target.run("migrate", "up").exit_code == 0
    assert schema(target.export()) == after


def test_replayed_migrations_keep_records_of_untouched_collections(deployments):
    source, target = deployments(), deployments()
    client, headers = source.api(automigrate=True)
    client.post("/api/collections", json={"name": "notes", "fields": [{"name": "t", "type": "text"}], "createRule": ""}, headers=headers)
    shutil.copytree(source.migrations, target.migrations)
    target.run("migrate", "up")
    target_client, target_headers = target.api()
    target_client.post("/api/collections/notes/records", json={"t": "kept"})
    client.patch("/api/collections/notes", json={"listRule": ""}, headers=headers)
    for path in source.migrations.glob("*.json"):
        shutil.copy(path, target.migrations / path.name)
    assert target.run("migrate", "up").exit_code == 0
    items = target_client.get("/api/collections/notes/records").get_json()["items"]
    assert [item["t"] for item in items] == ["kept"]


def test_a_migration_that_cannot_apply_fails_in_one_line_and_changes_nothing(deployments):
    deployment = deployments()
    deployment.migrations.mkdir()
    (deployment.migrations / "1_created_good.json").write_text(json.dumps(
        {"up": {"upsert": [{"name": "good", "fields": []}], "delete": []}, "down": {"upsert": [], "delete": ["x"]}}))
    (deployment.migrations / "2_created_bad.json").write_text(json.dumps(
        {"up": {"upsert": [{"name": "bad", "listRule": "nope = 1"}], "delete": []}, "down": {"upsert": [], "delete": ["y"]}}))
    result = deployment.run("migrate", "up")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("Error: Failed to apply 2_created_bad.json")
    names = {item["name"] for item in deployment.export()}
    assert "good" in names and "bad" not in names  # each file is its own transaction
    lines = [line for line in deployment.run("migrate", "history").output.splitlines() if line.endswith(".json")]
    assert lines == ["[x] 1_created_good.json", "[ ] 2_created_bad.json"]
