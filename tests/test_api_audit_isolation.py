"""Every write leaves an audit row; leave decisions are explicit actions; programs are isolated; a
failed write changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from factories import API, PAYLOADS, Builder, app, cheap_argon2  # noqa: F401
from residency.store.db import session_scope
from residency.store.models import Absence, AuditLog, Rotation


def audit_rows(url: str, **where) -> list[AuditLog]:
    with session_scope(url) as db:
        query = select(AuditLog).order_by(AuditLog.id)
        for key, value in where.items():
            query = query.where(getattr(AuditLog, key) == value)
        return list(db.scalars(query))


def me(client, h) -> int:
    return client.get(f"{API}/auth/me", headers=h).json()["id"]


def test_create_update_delete_are_audited(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    actor = me(client, h)
    b = Builder(client, h)
    activity = b.post("/activities", PAYLOADS["activity"](b))
    r = client.patch(f"{API}/activities/{activity['id']}", json={"name": "Renamed", "version": 1}, headers=h)
    assert r.status_code == 200
    assert client.delete(f"{API}/activities/{activity['id']}", headers=h).status_code == 204

    rows = audit_rows(world.url, entity="activity", entity_id=activity["id"])
    assert [row.action for row in rows] == ["create", "update", "delete"]
    assert all(row.actor_user_id == actor and row.program_id == pid for row in rows)
    create, upd, delete = rows
    assert create.before is None and create.after["code"] == activity["code"]
    assert upd.before["name"] == "Clinic" and upd.after["name"] == "Renamed"
    assert upd.before["version"] == 1 and upd.after["version"] == 2
    assert delete.before["name"] == "Renamed" and delete.after is None

    r = client.get(f"{API}/audit-log", params={"entity": "activity", "entity_id": activity["id"]}, headers=h)
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == 3
    assert [i["action"] for i in page["items"]] == ["delete", "update", "create"]  # newest first
    assert page["items"][1]["before"]["name"] == "Clinic" and page["items"][1]["after"]["name"] == "Renamed"
    assert all(i["actor_user_id"] == actor for i in page["items"])
    assert client.get(f"{API}/audit-log", params={"action": "update"}, headers=h).json()["total"] == 1


def test_every_resource_write_is_audited(world, client):
    from residency.api.resources import RESOURCES

    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    for res in RESOURCES:
        row = b.post(res.path, PAYLOADS[res.name](b))
        (create,) = audit_rows(world.url, entity=res.name, entity_id=row["id"], action="create")
        assert create.after["id"] == row["id"], res.name


def test_program_and_user_writes_are_audited(world, client):
    admin = world.headers("admin", None)
    actor = me(client, admin)
    program = client.post(f"{API}/programs", json={"name": "P", "slug": "p"}, headers=admin).json()
    client.patch(f"{API}/programs/{program['id']}", json={"name": "Q", "version": 1}, headers=admin)
    r = client.post(
        f"{API}/users",
        json={"username": "user1", "password": "long-enough", "role": "coordinator", "program_id": program["id"]},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    user = r.json()
    client.patch(f"{API}/users/{user['id']}", json={"password": "another-long-one", "version": 1}, headers=admin)
    client.delete(f"{API}/users/{user['id']}", headers=admin)
    assert [r.action for r in audit_rows(world.url, entity="program", entity_id=program["id"])] == ["create", "update"]
    rows = audit_rows(world.url, entity="user", entity_id=user["id"])
    assert [r.action for r in rows] == ["create", "update", "deactivate"]
    assert all(r.actor_user_id == actor for r in rows)
    assert rows[1].reason == "password reset"
    for row in rows:  # no password material in the trail
        assert "password_hash" not in (row.before or {}) and "password_hash" not in (row.after or {})
    assert rows[2].before["is_active"] is True and rows[2].after["is_active"] is False


def test_absence_decisions_are_explicit_audited_actions(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    actor = me(client, h)
    b = Builder(client, h)
    first = b.post("/absences", PAYLOADS["absence"](b))
    second = b.post("/absences", PAYLOADS["absence"](b))
    assert first["status"] == "requested" and first["decided_by_id"] is None

    r = client.post(f"{API}/absences/{first['id']}/approve", json={"reason": "covered"}, headers=h)
    assert r.status_code == 200, r.text
    approved = r.json()
    assert approved["status"] == "approved" and approved["decided_by_id"] == actor and approved["decided_at"]
    r = client.post(f"{API}/absences/{first['id']}/approve", json={}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    r = client.post(f"{API}/absences/{first['id']}/deny", json={}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"

    r = client.post(f"{API}/absences/{second['id']}/deny", json={"reason": "short-staffed"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "denied" and r.json()["decided_by_id"] == actor
    r = client.post(f"{API}/absences/{second['id']}/deny", json={}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    r = client.post(f"{API}/absences/{second['id']}/cancel", json={}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"

    # status is not writable through PATCH: decisions only happen through the actions
    r = client.patch(f"{API}/absences/{second['id']}", json={"status": "approved", "version": 2}, headers=h)
    assert r.status_code == 422

    (approve,) = audit_rows(world.url, entity="absence", entity_id=first["id"], action="approved")
    assert approve.actor_user_id == actor and approve.reason == "covered"
    assert approve.before["status"] == "requested" and approve.after["status"] == "approved"
    (deny,) = audit_rows(world.url, entity="absence", entity_id=second["id"], action="denied")
    assert deny.before["status"] == "requested" and deny.after["status"] == "denied"
    page = client.get(f"{API}/audit-log", params={"entity": "absence", "action": "approved"}, headers=h).json()
    assert page["total"] == 1 and page["items"][0]["entity_id"] == first["id"]


def test_layout_is_audited(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    year = b.year()
    r = client.post(f"{API}/academic-years/{year}/layout", json={"layout": "13x28"}, headers=h)
    assert r.status_code == 200, r.text
    assert len(r.json()["blocks"]) == 13
    (row,) = audit_rows(world.url, entity="academic_year", entity_id=year, action="layout")
    assert row.before == {"blocks": []} and len(row.after["blocks"]) == 13
    assert client.get(f"{API}/blocks", params={"academic_year_id": year}, headers=h).json()["total"] == 13


def test_program_isolation(world, client):
    a, b_pid = world.program(), world.program()
    ha, hb = world.headers("coordinator", a), world.headers("coordinator", b_pid)
    ba, bb = Builder(client, ha), Builder(client, hb)
    mine = ba.person()
    theirs = bb.person()
    their_absence = bb.post("/absences", PAYLOADS["absence"](bb))["id"]
    ba.post("/absences", PAYLOADS["absence"](ba))

    people = client.get(f"{API}/people", headers=ha).json()
    assert [p["id"] for p in people["items"]] == [mine] and people["total"] == 1
    assert client.get(f"{API}/absences", headers=ha).json()["total"] == 1
    assert client.get(f"{API}/absences", params={"person_id": theirs}, headers=ha).json()["total"] == 0

    for r in (
        client.get(f"{API}/people/{theirs}", headers=ha),
        client.patch(f"{API}/people/{theirs}", json={"name": "Hijacked", "version": 1}, headers=ha),
        client.delete(f"{API}/people/{theirs}", headers=ha),
        client.post(f"{API}/absences/{their_absence}/approve", json={}, headers=ha),
        client.post(f"{API}/absences/{their_absence}/cancel", json={}, headers=ha),
        client.get(f"{API}/programs/{b_pid}", headers=ha),
        client.patch(f"{API}/programs/{b_pid}", json={"name": "Hijacked", "version": 1}, headers=ha),
    ):
        assert r.status_code == 404, (r.request.method, r.request.url, r.text)
    r = client.post(f"{API}/absences", json=PAYLOADS["absence"](ba) | {"person_id": theirs}, headers=ha)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_reference"
    r = client.post(f"{API}/academic-years/{bb.year()}/layout", json={"layout": "13x28"}, headers=ha)
    assert r.status_code == 404
    r = client.get(f"{API}/people", headers=ha | {"X-Program-Id": str(b_pid)})
    assert r.status_code == 403
    # the other program's audit trail is not visible either
    assert all(i["program_id"] == a for i in client.get(f"{API}/audit-log", headers=ha).json()["items"])

    assert client.get(f"{API}/people/{theirs}", headers=hb).json()["name"] == "Ann Resident"
    assert client.get(f"{API}/absences/{their_absence}", headers=hb).json()["status"] == "requested"


def test_a_failed_write_changes_nothing(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    code = b.activity_code()
    audit_before = len(audit_rows(world.url))

    bad = {"name": "Bad", "abbreviation": "BAD", "pattern": [code] * 55 + ["ZZZ"]}
    assert client.post(f"{API}/rotations", json=bad, headers=h).status_code == 422
    assert client.post(f"{API}/rotations", json=bad | {"pattern": [code] * 3}, headers=h).status_code == 422
    rotation = b.rotation()
    audit_before += 1
    r = client.patch(f"{API}/rotations/{rotation}", json={"name": "X", "min_residents": -1, "version": 1}, headers=h)
    assert r.status_code == 422
    person = b.person()
    b.post("/absences", PAYLOADS["absence"](b))
    audit_before += 2
    assert client.delete(f"{API}/people/{person}", headers=h).status_code == 409

    with session_scope(world.url) as db:
        assert db.scalar(select(func.count()).select_from(Rotation)) == 1
        assert db.get(Rotation, rotation).name == "Inpatient" and db.get(Rotation, rotation).version == 1
        assert db.scalar(select(func.count()).select_from(Absence)) == 1
    assert len(audit_rows(world.url)) == audit_before


def test_a_patch_that_changes_nothing_is_not_audited(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    activity = b.post("/activities", PAYLOADS["activity"](b))
    r = client.patch(f"{API}/activities/{activity['id']}", json={"name": activity["name"], "version": 1}, headers=h)
    assert r.status_code == 200 and r.json()["version"] == 1
    r = client.patch(f"{API}/activities/{activity['id']}", json={"name": "Renamed", "version": 1}, headers=h)
    assert r.status_code == 200 and r.json()["version"] == 2
    rows = audit_rows(world.url, entity="activity", entity_id=activity["id"])
    assert [row.action for row in rows] == ["create", "update"]
    assert rows[1].before["name"] == activity["name"] and rows[1].after["name"] == "Renamed"
