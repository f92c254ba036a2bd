"""The auth system collections follow their records: deleted with them, expired rows cleaned hourly."""

from __future__ import annotations

from sqlalchemy import insert, select

from baas.core.auth_records import MFA_CLEANUP_JOB, OTP_CLEANUP_JOB, delete_expired
from baas.core.context import RequestContext

PASSWORD = "Passw0rd!23"


def _user(client, email):
    response = client.post("/api/collections/users/records", json={"email": email, "password": PASSWORD, "passwordConfirm": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _add(core, name, **values):
    collection = core.collections.get(name)
    table = collection.table(core.db.dialect)
    defaults = {field.name: field.to_db(field.zero(), core.db.dialect) for field in collection.fields}
    with core.db.transaction() as tx:
        tx.connection.execute(insert(table).values(**{**defaults, **values}))


def _rows(core, name):
    table = core.collections.get(name).table(core.db.dialect)
    with core.db.read() as connection:
        return [row.id for row in connection.execute(select(table.c.id)).all()]


def test_deleting_an_auth_record_deletes_its_linked_rows(core, client):
    users = core.collections.get("users")
    gone, kept = _user(client, "gone@example.com"), _user(client, "kept@example.com")
    for name, extra in (("_authOrigins", {"fingerprint": "f"}), ("_externalAuths", {"provider": "p", "providerId": "1"}),
                        ("_mfas", {"method": "password"})):
        _add(core, name, id="a" * 14 + "1", collectionRef=users.id, recordRef=gone["id"], **extra)
        _add(core, name, id="b" * 14 + "1", collectionRef=users.id, recordRef=kept["id"], **{**extra, "providerId": "2"} if name == "_externalAuths" else {**extra, "fingerprint": "g"} if name == "_authOrigins" else extra)
    record = core.records_repo.find(users, gone["id"])
    core.records.remove(record, RequestContext.system())
    for name in ("_authOrigins", "_externalAuths", "_mfas"):
        assert _rows(core, name) == ["b" * 14 + "1"], name


def test_expired_otps_and_mfas_are_deleted_by_the_hourly_jobs(core, client):
    users = core.collections.get("users")
    user = _user(client, "otp@example.com")
    _add(core, "_otps", id="o" * 14 + "1", collectionRef=users.id, recordRef=user["id"], created="2001-01-01 00:00:00.000Z",
         updated="2001-01-01 00:00:00.000Z")
    _add(core, "_mfas", id="m" * 14 + "1", collectionRef=users.id, recordRef=user["id"], method="password",
         created="2001-01-01 00:00:00.000Z", updated="2001-01-01 00:00:00.000Z")
    _add(core, "_mfas", id="m" * 14 + "2", collectionRef=users.id, recordRef=user["id"], method="password",
         created="2999-01-01 00:00:00.000Z", updated="2999-01-01 00:00:00.000Z")
    jobs = {job.id: job.expression for job in core.cron.jobs()}
    assert jobs[OTP_CLEANUP_JOB] == "0 * * * *" and jobs[MFA_CLEANUP_JOB] == "0 * * * *"
    assert delete_expired(core, "_otps", "otp") == 1
    assert delete_expired(core, "_mfas", "mfa") == 1
    assert _rows(core, "_otps") == [] and _rows(core, "_mfas") == ["m" * 14 + "2"]
