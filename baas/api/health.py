"""`GET /api/health`: 200 while the database answers, 503 when it does not."""

from __future__ import annotations

import logging

from flask import Blueprint, request
from sqlalchemy.exc import SQLAlchemyError

from .pipeline import client_ip
from .util import core, ctx, json_response

#: headers that suggest a proxy in front, reported so an admin can configure trustedProxy
PROXY_HEADERS = ("CF-Connecting-IP", "Fly-Client-IP", "X-Real-IP", "X-Forwarded-For")

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.route("/api/health", methods=["GET", "HEAD"])
def health():
    try:
        with core().db.read() as connection:
            connection.exec_driver_sql("SELECT 1")
    except SQLAlchemyError:
        log.exception("health check: the database does not answer")
        return json_response({"message": "The database is unavailable.", "code": 503, "data": {}}, 503)
    data = {}
    if ctx().is_superuser:
        data = {
            "realIP": client_ip(core(), request),
            "possibleProxyHeader": next((h for h in PROXY_HEADERS if request.headers.get(h)), ""),
        }
    return json_response({"message": "API is healthy.", "code": 200, "data": data})
