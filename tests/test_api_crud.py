"""CRUD round trips for every resource, delete protection, pagination, sorting and filters."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from factories import API, PATCHES, PAYLOADS, Builder, app, cheap_argon2  # noqa: F401
from residency.api.resources import RESOURCES
from residency.store.db import session_scope
from residency.store.models import Absence, BlockAssignment, Person, Rotation

BY_NAME = {r.name: r for r in RESOURCES}


def test_every_resource_has_a_factory():
    assert set(PAYLOADS) == set(BY_NAME)
    assert set(PATCHES) == set(BY_NAME)


def _etag(version: int) -> str:
    return f'"{version}"'


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_round_trip(world, client, name):
    res = BY_NAME[name]
    url = API + res.path
    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    payload = PAYLOADS[name](b)

    r = client.post(url, json=payload, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    for key, value in payload.items():
        assert created[key] == value, key
    assert created["program_id"] == pid
    assert created["version"] == 1
    item_id = created["id"]
    item = f"{url}/{item_id}"

    # writes of assignments answer with the compliance findings they create or clear
    compliance = created.pop("compliance", None)
    assert (compliance is not None) == (name in ("half_day_assignment", "call_assignment"))

    r = client.get(item, headers=h)
    assert r.status_code == 200
    assert r.headers["ETag"] == _etag(1)
    assert r.json() == created

    r = client.get(url, params={"limit": 500}, headers=h)
    assert r.status_code == 200
    assert item_id in [row["id"] for row in r.json()["items"]]

    changes = PATCHES[name]
    r = client.patch(item, json=changes | {"version": 1}, headers=h)
    assert r.status_code == 200, r.text
    updated = r.json()
    updated.pop("compliance", None)
    assert updated["version"] == 2
    assert r.headers["ETag"] == _etag(2)
    for key, value in changes.items():
        assert updated[key] == value, key
    assert client.get(item, headers=h).json() == updated

    r = client.patch(item, json=changes | {"version": 1}, headers=h)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "version_conflict"
    assert r.json()["error"]["field"] == "version"
    r = client.patch(item, json=changes, headers=h | {"If-Match": _etag(1)})
    assert r.status_code == 409 and r.json()["error"]["code"] == "version_conflict"
    assert client.get(item, headers=h).json() == updated

    r = client.delete(item, headers=h)
    assert r.status_code == 204
    r = client.get(item, headers=h)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert client.delete(item, headers=h).status_code == 404
    assert client.patch(item, json=changes | {"version": 2}, headers=h).status_code == 404


def test_if_match_header_is_the_version(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    person = Builder(client, h).person()
    item = f"{API}/people/{person}"
    etag = client.get(item, headers=h).headers["ETag"]
    r = client.patch(item, json={"name": "First"}, headers=h | {"If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.headers["ETag"] == _etag(2)
    r = client.patch(item, json={"name": "Second"}, headers=h | {"If-Match": etag})
    assert r.status_code == 409 and r.json()["error"]["code"] == "version_conflict"
    r = client.patch(item, json={"name": "Second"}, headers=h | {"If-Match": 'W/"2"'})
    assert r.status_code == 200 and r.json()["version"] == 3
    r = client.patch(item, json={"name": "Third"}, headers=h | {"If-Match": "garbage"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "If-Match"


def test_program_round_trip(world, client):
    admin = world.headers("admin", None)
    r = client.post(f"{API}/programs", json={"name": "Family Medicine", "slug": "fm"}, headers=admin)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["name"] == "Family Medicine" and created["slug"] == "fm" and created["version"] == 1
    item = f"{API}/programs/{created['id']}"

    r = client.get(item, headers=admin)
    assert r.status_code == 200
    assert r.headers["ETag"] == _etag(1)
    assert r.json() == created
    assert created["id"] in [p["id"] for p in client.get(f"{API}/programs", headers=admin).json()]

    r = client.patch(item, json={"name": "FM", "version": 1}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["name"] == "FM"
    assert r.headers["ETag"] == _etag(2)

    r = client.patch(item, json={"name": "Stale", "version": 1}, headers=admin)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "version_conflict"
    assert client.get(item, headers=admin).json()["name"] == "FM"

    r = client.get(f"{API}/programs/999999", headers=admin)
    assert r.status_code == 404


def test_user_round_trip(world, client):
    pid = world.program()
    admin = world.headers("admin", None)
    payload = {"username": "coord1", "password": "a-long-password", "role": "coordinator", "program_id": pid}
    r = client.post(f"{API}/users", json=payload, headers=admin)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["username"] == "coord1" and created["role"] == "coordinator"
    assert created["program_id"] == pid and created["is_active"] is True and created["version"] == 1
    assert "password" not in created and "password_hash" not in created
    item = f"{API}/users/{created['id']}"

    r = client.get(item, headers=admin)
    assert r.status_code == 200
    assert r.headers["ETag"] == _etag(1)
    assert r.json() == created
    assert created["id"] in [u["id"] for u in client.get(f"{API}/users", headers=admin).json()["items"]]

    r = client.patch(item, json={"email": "c@example.org", "version": 1}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["email"] == "c@example.org"

    r = client.patch(item, json={"email": "stale@example.org", "version": 1}, headers=admin)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "version_conflict"

    # delete deactivates: the account stays for history but can no longer sign in
    r = client.delete(item, headers=admin)
    assert r.status_code == 204
    assert client.get(item, headers=admin).json()["is_active"] is False
    r = client.post(f"{API}/auth/login", data={"username": "coord1", "password": "a-long-password"})
    assert r.status_code == 401
    assert client.get(f"{API}/users/999999", headers=admin).status_code == 404


# ---------------------------------------------------------------- delete protection


def _count(database_url, model) -> int:
    with session_scope(database_url) as db:
        return db.scalar(select(func.count()).select_from(model))


def test_delete_person_with_absence_is_refused(world, client, database_url):
    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    person = b.person()
    b.post("/absences", PAYLOADS["absence"](b))

    r = client.delete(f"{API}/people/{person}", headers=h)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "in_use"
    assert "absences" in r.json()["error"]["message"]
    assert client.get(f"{API}/people/{person}", headers=h).status_code == 200
    assert _count(database_url, Person) == 1
    assert _count(database_url, Absence) == 1


def test_delete_rotation_used_by_block_assignment_is_refused(world, client, database_url):
    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    b.post("/block-assignments", PAYLOADS["block_assignment"](b))
    rotation = b.rotation()

    r = client.delete(f"{API}/rotations/{rotation}", headers=h)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "in_use"
    assert _count(database_url, Rotation) == 1
    assert _count(database_url, BlockAssignment) == 1


def test_delete_year_with_blocks_in_use_is_refused_but_unused_blocks_go_with_it(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    b.post("/block-assignments", PAYLOADS["block_assignment"](b))
    r = client.delete(f"{API}/academic-years/{b.year()}", headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "in_use"
    assert client.get(f"{API}/blocks/{b.block()}", headers=h).status_code == 200

    # a year with only (unreferenced) blocks and holidays is deleted together with them
    b2 = Builder(client, h)
    block = b2.block()
    holiday = b2.post("/holidays", PAYLOADS["holiday"](b2))["id"]
    assert client.delete(f"{API}/academic-years/{b2.year()}", headers=h).status_code == 204
    assert client.get(f"{API}/blocks/{block}", headers=h).status_code == 404
    assert client.get(f"{API}/holidays/{holiday}", headers=h).status_code == 404


def test_delete_schedule_takes_its_assignments(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    assignment = b.post("/block-assignments", PAYLOADS["block_assignment"](b))["id"]
    assert client.delete(f"{API}/schedules/{b.schedule()}", headers=h).status_code == 204
    assert client.get(f"{API}/block-assignments/{assignment}", headers=h).status_code == 404


# ---------------------------------------------------------------- listing


def test_pagination_and_sort(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    for code, name in (("B", "Bravo"), ("C", "Charlie"), ("A", "Alpha")):
        b.post("/activities", {"code": code, "name": name, "category": "clinical"})

    r = client.get(f"{API}/activities", params={"limit": 2, "offset": 0}, headers=h)
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 0
    assert [i["code"] for i in page["items"]] == ["B", "C"]  # default order: id

    page = client.get(f"{API}/activities", params={"limit": 2, "offset": 2}, headers=h).json()
    assert page["total"] == 3 and [i["code"] for i in page["items"]] == ["A"]

    page = client.get(f"{API}/activities", params={"sort": "-name"}, headers=h).json()
    assert [i["name"] for i in page["items"]] == ["Charlie", "Bravo", "Alpha"]
    page = client.get(f"{API}/activities", params={"sort": "code"}, headers=h).json()
    assert [i["code"] for i in page["items"]] == ["A", "B", "C"]

    for params, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "x"}, "limit"),
        ({"sort": "nope"}, "sort"),
    ):
        r = client.get(f"{API}/activities", params=params, headers=h)
        assert r.status_code == 422, params
        assert r.json()["error"]["field"] == field, params


def test_filters(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    b = Builder(client, h)
    resident = b.post("/people", {"key": "r1", "kind": "resident", "name": "Res"})["id"]
    b.post("/people", {"key": "f1", "kind": "faculty", "name": "Fac"})

    page = client.get(f"{API}/people", params={"kind": "resident"}, headers=h).json()
    assert page["total"] == 1 and [p["id"] for p in page["items"]] == [resident]
    page = client.get(f"{API}/people", params={"kind": "faculty"}, headers=h).json()
    assert page["total"] == 1 and page["items"][0]["name"] == "Fac"
    r = client.get(f"{API}/people", params={"kind": "wizard"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "kind"

    def absence(start, end):
        return b.post("/absences", {"person_id": resident, "start_date": start, "end_date": end, "type": "vacation"})[
            "id"
        ]

    july = absence("2025-07-01", "2025-07-05")
    august = absence("2025-08-01", "2025-08-10")
    september = absence("2025-09-01", "2025-09-03")

    def ids(**params):
        r = client.get(f"{API}/absences", params=params, headers=h)
        assert r.status_code == 200, r.text
        return sorted(i["id"] for i in r.json()["items"])

    assert ids() == sorted([july, august, september])
    assert ids(**{"from": "2025-08-05"}) == sorted([august, september])
    assert ids(to="2025-08-01") == sorted([july, august])
    assert ids(**{"from": "2025-07-06", "to": "2025-08-31"}) == [august]
    assert ids(**{"from": "2025-10-01"}) == []
    assert ids(person_id=resident, status="requested") == sorted([july, august, september])
    assert ids(status="approved") == []

    r = client.get(f"{API}/absences", params={"from": "yesterday"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "from"
    r = client.get(f"{API}/activities", params={"from": "2025-01-01"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "from"


def test_unknown_filter_is_422_with_field(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    r = client.get(f"{API}/people", params={"colour": "blue"}, headers=h)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid_filter" and err["field"] == "colour"
    assert "kind" in err["message"]  # tells what is allowed
