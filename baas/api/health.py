"""`GET /api/health`."""

from __future__ import annotations

from flask import Blueprint

from .util import json_response

bp = Blueprint("health", __name__)


@bp.route("/api/health", methods=["GET", "HEAD"])
def health():
    return json_response({"message": "API is healthy.", "code": 200, "data": {}})
