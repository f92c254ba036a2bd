"""Custom routes: the smallest useful plugin, and the example docs/plugins.md walks through.

Enable with `BAAS_PLUGINS_ENABLED=hello`. It adds three routes with the API's auth and error shape:

    GET /api/hello/<name>   anyone            {"message": "Hello <name>!", "auth": <record id or null>}
    GET /api/hello-me       a signed-in record {"id", "collectionName"}; guests get PocketBase's 401
    GET /api/hello-admin    superusers only    {"collections": <count>, "crons": [<job ids>]}; 401 / 403
"""

from __future__ import annotations

from flask import Blueprint

from baas.plugin_api import (
    App, bad_request, current_auth, get_app, hookimpl, json_response, require_auth, require_superuser,
)

bp = Blueprint("hello", __name__)
MAX_NAME = 100


@bp.get("/api/hello/<name>")
def hello(name: str):
    if len(name) > MAX_NAME:
        raise bad_request(f"The name must be at most {MAX_NAME} characters.")
    auth = current_auth()
    return json_response({"message": f"Hello {name}!", "auth": auth.id if auth is not None else None})


@bp.get("/api/hello-me")
def me():
    ctx = require_auth()
    return json_response({"id": ctx.auth_id, "collectionName": ctx.auth.collection.name if ctx.auth else ""})


@bp.get("/api/hello-admin")
def admin():
    require_superuser()
    app = get_app()
    return json_response({"collections": len(app.collections.all()), "crons": [job.id for job in app.cron.jobs()]})


@hookimpl
def baas_serve(app: App, flask_app) -> None:
    flask_app.register_blueprint(bp)
