"""The REST API: PocketBase-compatible routes, one module per area, each opening with its routes."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

from . import middleware
from . import health
from . import collections
from . import records
from . import auth_password
from . import auth_refresh
from . import auth_methods
from . import settings
from . import batch
from . import logs
from . import crons
from . import files
from . import backups
from . import openapi

#: one blueprint per area; add new modules on their own line
BLUEPRINTS = (
    health,
    collections,
    records,
    auth_password,
    auth_refresh,
    auth_methods,
    settings,
    batch,
    logs,
    crons,
    files,
    backups,
    openapi,
)


def register_api(flask_app: Flask) -> None:
    middleware.install(flask_app)
    CORS(flask_app, resources={r"/api/*": {"origins": "*"}}, methods=["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"])
    for module in BLUEPRINTS:
        flask_app.register_blueprint(module.bp)
