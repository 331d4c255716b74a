"""Who may call what: every route is closed without a token, residents cannot write except their own
leave, and the role matrix of coordinator, faculty, resident and administrator."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from factories import API, PAYLOADS, Builder, app, cheap_argon2  # noqa: F401
from residency.api.resources import RESOURCES
from residency.store.db import session_scope
from residency.store.models import Schedule

PUBLIC = {
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("GET", "/metrics"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("GET", "/api/v1/calendars/{token}.ics"),  # the subscription feed: its secret token is the credential
}
# What a resident may write: their own leave requests, and signing out.
RESIDENT_SELF_SERVICE = {
    ("POST", "/api/v1/absences"),
    ("PATCH", "/api/v1/absences/{item_id}"),
    ("DELETE", "/api/v1/absences/{item_id}"),
    ("POST", "/api/v1/absences/{absence_id}/cancel"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/calendars/tokens"),  # their own calendar feed
    ("DELETE", "/api/v1/calendars/tokens/{token_id}"),
    ("POST", "/api/v1/notifications/{notification_id}/read"),
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def routes(application) -> list[tuple[str, str]]:
    return sorted((m.upper(), p) for p, ops in application.openapi()["paths"].items() for m in ops)


def call(client, method: str, path: str, headers: dict | None = None):
    url = re.sub(r"\{[^}]+\}", "1", path)
    body = {} if method in WRITES else None
    return client.request(method, url, json=body, headers=headers or {})


def test_route_inventory_is_what_the_tests_assume(client):
    all_routes = set(routes(client.app))
    assert all_routes >= PUBLIC
    assert all_routes >= RESIDENT_SELF_SERVICE
    assert not any(p.startswith("/docs") or p.startswith("/openapi") for _, p in all_routes)
    assert len(all_routes) > 60


def test_every_route_but_the_public_ones_needs_a_token(client):
    checked = 0
    for method, path in routes(client.app):
        r = call(client, method, path)
        if (method, path) in PUBLIC:
            assert r.status_code != 401, (method, path)
            continue
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        assert r.json()["error"]["code"] == "not_authenticated", (method, path)
        checked += 1
    assert checked > 50


def test_resident_cannot_write_anything_but_self_service(world, client):
    pid = world.program()
    me = world.person(pid, "resident")
    h = world.headers("resident", pid, me)
    for method, path in routes(client.app):
        if method not in WRITES or (method, path) in PUBLIC | RESIDENT_SELF_SERVICE:
            continue
        r = call(client, method, path, h)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert r.json()["error"]["code"] == "forbidden"


def test_faculty_cannot_write_program_data(world, client):
    pid = world.program()
    h = world.headers("faculty", pid, world.person(pid, "faculty"))
    allowed = RESIDENT_SELF_SERVICE | {("PATCH", "/api/v1/people/{item_id}")}  # own profile
    # the program's data: every CRUD resource, programs, users and the leave/layout actions
    prefixes = tuple(API + r.path for r in RESOURCES) + (f"{API}/programs", f"{API}/users")
    checked = 0
    for method, path in routes(client.app):
        if method not in WRITES or (method, path) in PUBLIC | allowed or not path.startswith(prefixes):
            continue
        checked += 1
        r = call(client, method, path, h)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
    assert checked > 50


def test_resident_self_service(world, client):
    pid = world.program()
    me = world.person(pid, "resident")
    other = world.person(pid, "resident")
    h = world.headers("resident", pid, me)
    coordinator = world.headers("coordinator", pid)
    leave = {"start_date": "2025-08-04", "end_date": "2025-08-08", "type": "vacation"}

    r = client.post(f"{API}/absences", json=leave | {"person_id": other}, headers=h)
    assert r.status_code == 403
    r = client.post(f"{API}/absences", json=leave | {"person_id": me}, headers=h)
    assert r.status_code == 201, r.text
    mine = r.json()
    assert mine["status"] == "requested"
    r = client.patch(f"{API}/absences/{mine['id']}", json={"notes": "family", "version": 1}, headers=h)
    assert r.status_code == 200 and r.json()["notes"] == "family"
    r = client.patch(f"{API}/absences/{mine['id']}", json={"person_id": other, "version": 2}, headers=h)
    assert r.status_code == 403

    theirs = client.post(f"{API}/absences", json=leave | {"person_id": other}, headers=coordinator).json()
    for r in (
        client.patch(f"{API}/absences/{theirs['id']}", json={"notes": "x", "version": 1}, headers=h),
        client.delete(f"{API}/absences/{theirs['id']}", headers=h),
        client.post(f"{API}/absences/{theirs['id']}/cancel", json={}, headers=h),
    ):
        assert r.status_code in (403, 404), r.text
    assert client.get(f"{API}/absences/{theirs['id']}", headers=coordinator).json()["status"] == "requested"

    # once decided, the request is no longer the resident's to edit; they may still cancel it
    assert client.post(f"{API}/absences/{mine['id']}/approve", json={}, headers=h).status_code == 403
    assert client.post(f"{API}/absences/{mine['id']}/approve", json={}, headers=coordinator).status_code == 200
    r = client.patch(f"{API}/absences/{mine['id']}", json={"notes": "more", "version": 3}, headers=h)
    assert r.status_code == 403
    assert client.delete(f"{API}/absences/{mine['id']}", headers=h).status_code == 403
    r = client.post(f"{API}/absences/{mine['id']}/cancel", json={"reason": "plans changed"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"

    second = client.post(f"{API}/absences", json=leave | {"person_id": me}, headers=h).json()
    assert client.delete(f"{API}/absences/{second['id']}", headers=h).status_code == 204
    assert client.get(f"{API}/absences/{second['id']}", headers=coordinator).status_code == 404


def test_resident_logout(world, client):
    pid = world.program()
    tokens = world.login(world.user("resident", pid, world.person(pid)))
    h = {"Authorization": f"Bearer {tokens['access_token']}"}
    r = client.post(f"{API}/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=h)
    assert r.status_code == 204


def test_coordinator_writes_program_data_but_not_users(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    b.person()
    b.rotation()
    r = client.patch(f"{API}/programs/{pid}", json={"name": "Renamed", "version": 1}, headers=h)
    assert r.status_code == 200
    assert client.get(f"{API}/users", headers=h).status_code == 403
    r = client.post(
        f"{API}/users",
        json={"username": "sneaky", "password": "long-enough-pw", "role": "admin", "program_id": pid},
        headers=h,
    )
    assert r.status_code == 403
    assert client.patch(f"{API}/users/1", json={"role": "admin", "version": 1}, headers=h).status_code == 403
    assert client.post(f"{API}/programs", json={"name": "New", "slug": "new"}, headers=h).status_code == 403


def test_faculty_reads_people_and_edits_only_own_email(world, client):
    pid = world.program()
    me = world.person(pid, "faculty", name="Dr Me")
    colleague = world.person(pid, "faculty", name="Dr Other")
    h = world.headers("faculty", pid, me)

    r = client.get(f"{API}/people", headers=h)
    assert r.status_code == 200 and r.json()["total"] == 2
    assert client.get(f"{API}/people/{colleague}", headers=h).status_code == 200
    r = client.post(f"{API}/people", json={"key": "x", "kind": "resident", "name": "X"}, headers=h)
    assert r.status_code == 403

    r = client.patch(f"{API}/people/{me}", json={"email": "me@example.org", "version": 1}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["email"] == "me@example.org"
    r = client.patch(f"{API}/people/{me}", json={"name": "Dr Better", "version": 2}, headers=h)
    assert r.status_code == 403
    r = client.patch(f"{API}/people/{me}", json={"email": "a@b.org", "name": "Dr Better", "version": 2}, headers=h)
    assert r.status_code == 403
    r = client.patch(f"{API}/people/{colleague}", json={"email": "x@example.org", "version": 1}, headers=h)
    assert r.status_code == 403
    assert client.delete(f"{API}/people/{me}", headers=h).status_code == 403
    assert client.get(f"{API}/people/{me}", headers=h).json()["name"] == "Dr Me"


def test_resident_visibility(world, client, database_url):
    pid = world.program()
    me = world.person(pid, "resident")
    other = world.person(pid, "resident")
    h = world.headers("resident", pid, me)
    coordinator = world.headers("coordinator", pid)
    b = Builder(client, coordinator)

    assert client.get(f"{API}/procedure-credentials", headers=h).status_code == 403
    credential = b.post("/procedure-credentials", PAYLOADS["procedure_credential"](b) | {"person_id": me})
    assert client.get(f"{API}/procedure-credentials/{credential['id']}", headers=h).status_code == 403

    leave = {"start_date": "2025-08-04", "end_date": "2025-08-08", "type": "vacation"}
    mine = b.post("/absences", leave | {"person_id": me})["id"]
    theirs = b.post("/absences", leave | {"person_id": other})["id"]
    page = client.get(f"{API}/absences", headers=h).json()
    assert [a["id"] for a in page["items"]] == [mine] and page["total"] == 1
    assert client.get(f"{API}/absences/{theirs}", headers=h).status_code == 404
    assert client.get(f"{API}/absences", params={"person_id": other}, headers=h).json()["total"] == 0

    cert_type = b.certification_type()
    cert = {"certification_type_id": cert_type, "issued": "2025-01-01", "expires": "2027-01-01"}
    my_cert = b.post("/person-certifications", cert | {"person_id": me})["id"]
    b.post("/person-certifications", cert | {"person_id": other})
    page = client.get(f"{API}/person-certifications", headers=h).json()
    assert [c["id"] for c in page["items"]] == [my_cert] and page["total"] == 1
    assert client.get(f"{API}/person-certifications", headers=coordinator).json()["total"] == 2

    # a draft and a published schedule, each with one assignment of each kind
    draft = b.post("/schedules", {"academic_year_id": b.year(), "name": "draft"})["id"]
    published = b.post("/schedules", {"academic_year_id": b.year(), "name": "published"})["id"]
    with session_scope(database_url) as db:
        db.execute(update(Schedule).where(Schedule.id == published).values(status="published"))
    assignments = {}
    for schedule in (draft, published):
        payload = {"schedule_id": schedule, "person_id": me}
        assignments[schedule] = {
            "/block-assignments": b.post(
                "/block-assignments", payload | {"block_id": b.block(), "rotation_id": b.rotation()}
            )["id"],
            "/half-day-assignments": b.post(
                "/half-day-assignments", payload | {"day": "2025-09-01", "half": "AM", "activity_id": b.activity()}
            )["id"],
            "/call-assignments": b.post(
                "/call-assignments", payload | {"call_pool_id": b.call_pool(), "night": "2025-09-02"}
            )["id"],
        }
    page = client.get(f"{API}/schedules", headers=h).json()
    assert [s["id"] for s in page["items"]] == [published]
    assert client.get(f"{API}/schedules/{draft}", headers=h).status_code == 404
    for path in ("/block-assignments", "/half-day-assignments", "/call-assignments"):
        page = client.get(API + path, headers=h).json()
        assert [a["id"] for a in page["items"]] == [assignments[published][path]], path
        assert client.get(f"{API}{path}/{assignments[draft][path]}", headers=h).status_code == 404
        assert client.get(f"{API}{path}/{assignments[published][path]}", headers=h).status_code == 200
        assert client.get(API + path, headers=coordinator).json()["total"] == 2
    # a schedule run is a coordinator's business
    assert client.get(f"{API}/schedule-runs", headers=h).status_code == 403


def test_admin_must_choose_a_program_when_there_are_several(world, client):
    admin = world.headers("admin", None)
    first = world.program()
    # with one program, it is the default
    r = client.get(f"{API}/people", headers=admin)
    assert r.status_code == 200
    second = world.program()
    world.person(second, name="In second")
    r = client.get(f"{API}/people", headers=admin)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "program_required"
    assert r.json()["error"]["field"] == "X-Program-Id"
    r = client.get(f"{API}/people", headers=admin | {"X-Program-Id": str(second)})
    assert r.status_code == 200 and r.json()["total"] == 1
    r = client.get(f"{API}/people", headers=admin | {"X-Program-Id": str(first)})
    assert r.status_code == 200 and r.json()["total"] == 0
    r = client.get(f"{API}/people", headers=admin | {"X-Program-Id": "424242"})
    assert r.status_code == 404
    # an admin may still list and create programs without choosing one
    assert len(client.get(f"{API}/programs", headers=admin).json()) == 2
    assert client.post(f"{API}/programs", json={"name": "Third", "slug": "third"}, headers=admin).status_code == 201


@pytest.mark.parametrize("role", ["coordinator", "faculty", "resident"])
def test_non_admins_see_only_their_program(world, client, role):
    pid = world.program()
    other = world.program()
    h = world.headers(role, pid, world.person(pid, "faculty" if role == "faculty" else "resident"))
    assert [p["id"] for p in client.get(f"{API}/programs", headers=h).json()] == [pid]
    assert client.get(f"{API}/programs/{other}", headers=h).status_code == 404
