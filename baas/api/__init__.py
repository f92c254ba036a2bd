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
from . import auth_otp
from . import auth_verification
from . import auth_password_reset
from . import auth_email_change
from . import auth_impersonate
from . import auth_oauth2
from . import oauth2_redirect
from . import settings_test
from . import settings
from . import batch
from . import logs
from . import crons
from . import files
from . import backups
from . import openapi
from . import realtime

#: one blueprint per area; add new modules on their own line
BLUEPRINTS = (
    health,
    collections,
    records,
    auth_password,
    auth_refresh,
    auth_methods,
    auth_otp,
    auth_verification,
    auth_password_reset,
    auth_email_change,
    auth_impersonate,
    auth_oauth2,
    oauth2_redirect,
    settings_test,
    settings,
    batch,
    logs,
    crons,
    files,
    backups,
    openapi,
    realtime,
)


def register_api(flask_app: Flask) -> None:
    flask_app.extensions["baas"].hooks.register(batch.BatchDefaults(), "baas.batch")
    middleware.install(flask_app)
    CORS(flask_app, resources={r"/api/*": {"origins": "*"}}, methods=["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"])
    for module in BLUEPRINTS:
        flask_app.register_blueprint(module.bp)
