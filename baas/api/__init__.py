"""The REST API: PocketBase-compatible routes, one module per area, each opening with its routes."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

from . import auth_methods, auth_password, auth_refresh, collections, health, middleware, records, settings


def register_api(flask_app: Flask) -> None:
    middleware.install(flask_app)
    CORS(flask_app, resources={r"/api/*": {"origins": "*"}}, methods=["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"])
    for module in (health, collections, records, auth_password, auth_refresh, auth_methods, settings):
        flask_app.register_blueprint(module.bp)
