"""Cron jobs (baas/core/cron.py, baas/api/crons.py): expressions, the once-per-tick lease, the scheduler,
and PocketBase's `GET /api/crons` / `POST /api/crons/{id}`."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from baas.core.auth_records import MFA_CLEANUP_JOB, OTP_CLEANUP_JOB
from baas.core.cron import LEASES_CLEANUP_JOB, CronError, Schedule, tick_text
from baas.db.tables import cron_leases_table

T0 = datetime(2026, 1, 1, 10, 0, 0, tzinfo=timezone.utc)
T5 = T0 + timedelta(minutes=5)  # due for */5 jobs, not for the hourly built-in ones
#: every App's own jobs, in the order they are added
BUILT_IN_JOBS = [
    {"id": LEASES_CLEANUP_JOB, "expression": "0 * * * *"},
    {"id": OTP_CLEANUP_JOB, "expression": "0 * * * *"},
    {"id": MFA_CLEANUP_JOB, "expression": "0 * * * *"},
]


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def leases(core) -> int:
    with core.db.read() as connection:
        return connection.execute(select(func.count()).select_from(cron_leases_table)).scalar()


# ---- expressions ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("*/5 * * * *", T0, T0 + timedelta(minutes=5)),
        ("0 * * * *", T0, T0 + timedelta(hours=1)),
        ("@hourly", T0, T0 + timedelta(hours=1)),
        ("@daily", T0, datetime(2026, 1, 2, tzinfo=timezone.utc)),
        ("@midnight", T0, datetime(2026, 1, 2, tzinfo=timezone.utc)),
        ("@weekly", T0, datetime(2026, 1, 4, tzinfo=timezone.utc)),  # Sunday
        ("@monthly", T0, datetime(2026, 2, 1, tzinfo=timezone.utc)),
        ("@yearly", T0, datetime(2027, 1, 1, tzinfo=timezone.utc)),
        ("@annually", T0, datetime(2027, 1, 1, tzinfo=timezone.utc)),
        ("* * * * * */10", T0, T0 + timedelta(seconds=10)),  # the seconds extension
    ],
)
def test_schedules(expression, after, expected):
    assert Schedule(expression).next_after(after) == expected


@pytest.mark.parametrize("expression", ["", "* * * *", "61 * * * *", "@sometimes", "* * * * * * *", "not cron"])
def test_invalid_expressions_are_refused(expression):
    with pytest.raises(CronError):
        Schedule(expression)


def test_latest_tick_in_a_window_includes_its_end_only():
    schedule = Schedule("*/5 * * * *")
    assert schedule.latest_in(T0 - timedelta(minutes=1), T0) == T0
    assert schedule.latest_in(T0, T0 + timedelta(minutes=4)) is None
    assert schedule.latest_in(T0, T0 + timedelta(minutes=12)) == T0 + timedelta(minutes=10)  # missed ticks: latest only


# ---- the registry --------------------------------------------------------------------------------------
def test_add_replace_remove_and_list_in_order(core):
    cron = core.cron
    cron.add("b", "@hourly", lambda: None)
    cron.add("a", "*/5 * * * *", lambda: None)
    cron.add("b", "@daily", lambda: None)
    assert [job.to_json() for job in cron.jobs()] == [
        *BUILT_IN_JOBS,
        {"id": "b", "expression": "@daily"},
        {"id": "a", "expression": "*/5 * * * *"},
    ]
    cron.remove("b")
    assert [job.id for job in cron.jobs()] == [job["id"] for job in BUILT_IN_JOBS] + ["a"]
    with pytest.raises(CronError):
        cron.add("", "@daily", lambda: None)
    with pytest.raises(CronError):
        cron.add("x", "@daily", "not callable")


# ---- once per tick ---------------------------------------------------------------------------------------
def test_a_tick_is_claimed_once(core):
    assert core.cron.claim("job", T0) is True
    assert core.cron.claim("job", T0) is False
    assert core.cron.claim("job", T0 + timedelta(minutes=5)) is True
    assert core.cron.claim("other", T0) is True


def test_two_apps_on_one_database_run_a_due_job_once(app_factory, databases, tmp_path):
    """Two App instances (as two server processes would have) share the database; both see the tick due."""
    from baas import create_app, load_config

    first = app_factory().extensions["baas"]
    url = first.config.database_url
    second_flask = create_app(load_config(tmp_path / "second", url, env={}), run_migrations=False)
    second = second_flask.extensions["baas"]
    try:
        runs = []
        for core in (first, second):
            core.cron.add("count", "*/5 * * * *", lambda core=core: runs.append(core))
        window = (T5 - timedelta(seconds=30), T5 + timedelta(seconds=1))
        started = [core.cron.run_due(*window, wait=True) for core in (first, second)]
        assert started == [["count"], []]
        assert runs == [first]
    finally:
        second.close()


def test_a_failing_job_is_logged_and_the_tick_stays_claimed(core, caplog):
    core.cron.add("boom", "*/5 * * * *", lambda: 1 / 0)
    assert core.cron.run_due(T5 - timedelta(seconds=1), T5, wait=True) == ["boom"]
    assert "cron job boom failed" in caplog.text
    assert core.cron.run_due(T5 - timedelta(seconds=1), T5, wait=True) == []


def test_old_leases_are_cleaned_up_by_the_built_in_job(core):
    core.cron.claim("job", datetime.now(timezone.utc) - timedelta(days=2))
    core.cron.claim("job", datetime.now(timezone.utc))
    core.cron.get(LEASES_CLEANUP_JOB).fn()
    assert leases(core) == 1


def test_tick_text_is_pocketbase_date_format():
    assert tick_text(T0 + timedelta(seconds=7, microseconds=5)) == "2026-01-01 10:00:07.000Z"


# ---- the scheduler ---------------------------------------------------------------------------------------
def test_the_scheduler_is_off_unless_serving(core):
    assert core.config.cron is False and not core.cron.running


def test_the_scheduler_runs_due_jobs_and_stops_cleanly(app_factory):
    core = app_factory(cron=True).extensions["baas"]
    assert core.cron.running
    ran = threading.Event()
    core.cron.add("every_second", "* * * * * *", ran.set)  # adding wakes the scheduler at once
    assert ran.wait(3.5), "the job did not run within 3.5 s"
    assert leases(core) >= 1
    runner = core.cron._runner
    core.cron.stop()
    assert not core.cron.running
    assert not runner.is_alive()


def test_closing_the_app_stops_the_scheduler(app_factory):
    core = app_factory(cron=True).extensions["baas"]
    runner = core.cron._runner
    core.close()
    assert not core.cron.running and not runner.is_alive()


def test_serving_turns_the_scheduler_on_and_baas_cron_decides(tmp_path):
    from baas import load_config

    assert load_config(tmp_path / "a", env={}).cron is False
    assert load_config(tmp_path / "a", env={}, serving=True).cron is True
    assert load_config(tmp_path / "a", env={"BAAS_CRON": "0"}, serving=True).cron is False
    assert load_config(tmp_path / "a", env={"BAAS_CRON": "1"}).cron is True
    assert load_config(tmp_path / "a", env={"BAAS_CRON": "1"}, cron=False).cron is False


# ---- the API ---------------------------------------------------------------------------------------------
def test_list_jobs(client, core, su_headers):
    core.cron.add("mine", "*/5 * * * *", lambda: None)
    response = client.get("/api/crons", headers=su_headers)
    assert response.status_code == 200
    assert response.get_json() == [*BUILT_IN_JOBS, {"id": "mine", "expression": "*/5 * * * *"}]


def test_run_a_job_now(client, core, su_headers):
    ran = threading.Event()
    core.cron.add("mine", "@yearly", ran.set)
    response = client.post("/api/crons/mine", headers=su_headers)
    assert response.status_code == 204 and response.data == b""
    assert ran.wait(3)


def test_running_an_unknown_job_is_a_404(client, su_headers):
    response = client.post("/api/crons/nope", headers=su_headers)
    assert response.status_code == 404
    assert response.get_json() == {"status": 404, "message": "Missing or invalid cron job.", "data": {}}


@pytest.mark.parametrize(("method", "url"), [("get", "/api/crons"), ("post", "/api/crons/" + LEASES_CLEANUP_JOB)])
def test_crons_are_for_superusers_only(client, core, method, url):
    from baas.core.context import RequestContext

    guest = getattr(client, method)(url)
    assert guest.status_code == 401
    users = core.collections.get("users")
    core.records.create(users, RequestContext.system(), {"email": "u@example.com", "password": "Us3r-Passw0rd", "passwordConfirm": "Us3r-Passw0rd"})
    login = client.post("/api/collections/users/auth-with-password", json={"identity": "u@example.com", "password": "Us3r-Passw0rd"})
    user = getattr(client, method)(url, headers={"Authorization": login.get_json()["token"]})
    assert user.status_code == 403
    assert user.get_json()["message"] == "The authorized record is not allowed to perform this action."
