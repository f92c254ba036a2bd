"""Cron jobs (superusers only), as PocketBase's API.

    GET  /api/crons        every job: [{"id", "expression"}]
    POST /api/crons/<id>   run the job now, in the background -> 204; unknown id -> 404
"""

from __future__ import annotations

from flask import Blueprint

from .. import errors
from .util import core, json_response, no_content, require_superuser

bp = Blueprint("crons", __name__)

UNKNOWN_JOB = "Missing or invalid cron job."


@bp.before_request
def superusers_only():
    require_superuser()


@bp.get("/api/crons")
def list_jobs():
    return json_response([job.to_json() for job in core().cron.jobs()])


@bp.post("/api/crons/<job_id>")
def run_job(job_id: str):
    if core().cron.run(job_id) is None:
        raise errors.not_found(UNKNOWN_JOB)
    return no_content()
