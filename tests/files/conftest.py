"""Fixtures of the file storage tests; see files_support.py for the helpers.

Every module here runs twice, once per storage: the local disk and S3 (moto's standalone server on
loopback, reached by boto3 over real HTTP, switched on by PATCHing `{"s3": ...}` into /api/settings).
Both databases: set BAAS_TEST_DATABASE_URL for PostgreSQL.

    fx          (module, local|s3) Files, one app per module and storage
    consistent  fx, checking after the test that storage holds exactly the files records name
"""

from __future__ import annotations

import uuid

import pytest

from files_support import SU_EMAIL, SU_PASSWORD, Files


@pytest.fixture(scope="module", params=["local", "s3"])
def fx(request, databases, tmp_path_factory):
    from baas import create_app, load_config
    from baas.core import superusers

    data_dir = tmp_path_factory.mktemp(f"files_{request.param}")
    url = databases.fresh(data_dir)
    flask_app = create_app(load_config(data_dir, url, env={}), run_migrations=False)
    flask_app.config["TESTING"] = True
    made = Files(flask_app, request.param)
    superusers.upsert(made.core, SU_EMAIL, SU_PASSWORD)
    made.su = made.login(SU_EMAIL, collection="_superusers", password=SU_PASSWORD)
    _cheap_passwords(made)
    if request.param == "s3":
        settings = request.getfixturevalue("s3_server").settings(f"baas-files-{uuid.uuid4().hex[:12]}")
        response = made.client.patch("/api/settings", json={"s3": settings}, headers=made.su)
        assert response.status_code == 200, response.get_json()
        from baas.storage.s3 import S3Storage

        assert isinstance(made.storage, S3Storage)
    yield made
    made.core.close()
    databases.release(url)


def _cheap_passwords(made: Files) -> None:
    definition = made.client.get("/api/collections/users", headers=made.su).get_json()
    fields = [{**field, "cost": 4} if field["type"] == "password" else field for field in definition["fields"]]
    response = made.client.patch("/api/collections/users", json={"fields": fields}, headers=made.su)
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def consistent(fx):
    """Checks the storage invariant after the test."""
    yield fx
    fx.assert_consistent()
