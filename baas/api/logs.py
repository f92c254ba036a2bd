"""Request logs (superusers only).

    GET    /api/logs           list (page, perPage, sort, filter on id, created, level, message, data.*)
    GET    /api/logs/stats     requests per hour, [{date, total}] (filter)
    GET    /api/logs/<id>      one entry
    DELETE /api/logs           delete every entry -> 204
"""

from __future__ import annotations

from flask import Blueprint, request

from ..core.records.listing import ListQuery
from .util import core, json_response, no_content, require_superuser

bp = Blueprint("logs", __name__)


@bp.before_request
def superusers_only():
    require_superuser()


@bp.get("/api/logs")
def list_logs():
    result = core().logs.list(ListQuery.from_args(request.args))
    return json_response(result.to_json(result.items))


@bp.get("/api/logs/stats")
def log_stats():
    return json_response(core().logs.stats(request.args.get("filter", "")))


@bp.get("/api/logs/<log_id>")
def view_log(log_id: str):
    return json_response(core().logs.get(log_id))


@bp.delete("/api/logs")
def truncate_logs():
    core().logs.truncate()
    return no_content()
