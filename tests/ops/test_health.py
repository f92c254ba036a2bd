"""`/api/health` reports whether the database answers."""

from __future__ import annotations

from baas.db.database import build_engine


def test_healthy_database_answers_200(client):
    assert client.get("/api/health").get_json() == {"message": "API is healthy.", "code": 200, "data": {}}


def test_a_database_that_does_not_answer_is_503(app, client, tmp_path):
    core = app.extensions["baas"]
    working = core.db.engine
    dead = (
        "postgresql://postgres@127.0.0.1:1/nothing"  # nothing listens on port 1
        if core.db.dialect.name == "postgresql"
        else f"sqlite:///{tmp_path / 'missing-folder' / 'data.db'}"  # SQLite cannot create it
    )
    core.db.engine = build_engine(dead, pooled=False)
    try:
        response = client.get("/api/health")
    finally:
        core.db.engine.dispose()
        core.db.engine = working
    assert response.status_code == 503
    assert response.get_json() == {"message": "The database is unavailable.", "code": 503, "data": {}}
    assert client.get("/api/health").status_code == 200  # back once the database answers again
