"""Every kind of bad input gets the one error envelope, with the right status, code and field."""

from __future__ import annotations

import pytest

from factories import API, PAYLOADS, Builder, app, cheap_argon2  # noqa: F401


def error(r, status: int, code: str | None = None, field: str | None = ...) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert {"code", "message", "field"} <= set(err), err
    assert isinstance(err["message"], str) and err["message"]
    if code is not None:
        assert err["code"] == code, err
    if field is not ...:
        assert err["field"] == field, err
    return err


@pytest.fixture()
def coord(world, client):
    pid = world.program()
    h = world.headers("coordinator", pid)
    return pid, h, Builder(client, h)


def test_401_without_token(client):
    r = client.get(f"{API}/people")
    error(r, 401, "not_authenticated")
    assert r.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_401_bad_token(client, token):
    r = client.get(f"{API}/people", headers={"Authorization": f"Bearer {token}"})
    error(r, 401)
    assert r.json()["error"]["code"] in ("token_invalid", "not_authenticated")


def test_401_token_signed_with_another_key(client):
    import jwt

    forged = jwt.encode({"sub": "1", "type": "access", "exp": 9999999999}, "another-secret-" + "y" * 40, "HS256")
    error(client.get(f"{API}/people", headers={"Authorization": f"Bearer {forged}"}), 401, "token_invalid")


def test_403_wrong_role(world, client):
    pid = world.program()
    h = world.headers("faculty", pid)
    error(client.post(f"{API}/activities", json={"code": "X", "name": "X", "category": "clinical"}, headers=h), 403)
    error(client.get(f"{API}/users", headers=h), 403, "forbidden")


def test_404(coord, client):
    _, h, _ = coord
    error(client.get(f"{API}/people/424242", headers=h), 404, "not_found")
    error(client.get(f"{API}/no-such-thing", headers=h), 404, "not_found")
    error(client.post(f"{API}/absences/424242/approve", json={}, headers=h), 404, "not_found")


def test_405_is_enveloped(coord, client):
    _, h, _ = coord
    error(client.put(f"{API}/people", json={}, headers=h), 405, "method_not_allowed")


def test_409_duplicate_unique_key(coord, client):
    _, h, b = coord
    b.post("/activities", {"code": "CLI", "name": "Clinic", "category": "clinical"})
    r = client.post(f"{API}/activities", json={"code": "CLI", "name": "Other", "category": "clinical"}, headers=h)
    error(r, 409, "duplicate", "code")
    assert client.get(f"{API}/activities", headers=h).json()["total"] == 1

    # and when an update would collide
    other = b.post("/activities", {"code": "ED", "name": "Education", "category": "education"})
    r = client.patch(f"{API}/activities/{other['id']}", json={"code": "CLI", "version": 1}, headers=h)
    error(r, 409, "duplicate", "code")

    # a composite key with a date (PostgreSQL must compare dates, not text)
    year = b.year()
    b.post("/holidays", {"academic_year_id": year, "day": "2025-12-25", "name": "Christmas"})
    r = client.post(f"{API}/holidays", json={"academic_year_id": year, "day": "2025-12-25", "name": "Again"}, headers=h)
    error(r, 409, "duplicate", "day")


def test_409_version_conflict(coord, client):
    _, h, b = coord
    person = b.person()
    ok = client.patch(f"{API}/people/{person}", json={"name": "A", "version": 1}, headers=h)
    assert ok.status_code == 200
    error(client.patch(f"{API}/people/{person}", json={"name": "B", "version": 1}, headers=h), 409, "version_conflict")


def test_428_update_without_version(coord, client):
    _, h, b = coord
    person = b.person()
    error(client.patch(f"{API}/people/{person}", json={"name": "B"}, headers=h), 428, "version_required", "version")
    assert client.get(f"{API}/people/{person}", headers=h).json()["name"] == "Ann Resident"


def test_422_missing_field(coord, client):
    _, h, _ = coord
    r = client.post(f"{API}/people", json={"kind": "resident", "name": "A"}, headers=h)
    error(r, 422, "validation_error", "key")


def test_422_wrong_type(coord, client):
    _, h, _ = coord
    r = client.post(f"{API}/people", json={"key": "k", "kind": "resident", "name": "A", "fte": "lots"}, headers=h)
    error(r, 422, "validation_error", "fte")
    r = client.post(f"{API}/people", json={"key": "k", "kind": "wizard", "name": "A"}, headers=h)
    error(r, 422, "validation_error", "kind")
    r = client.post(
        f"{API}/academic-years", json={"label": "Y", "start_date": "July 1st", "end_date": "2026-06-30"}, headers=h
    )
    error(r, 422, "validation_error", "start_date")


def test_422_unknown_field(coord, client):
    _, h, b = coord
    r = client.post(f"{API}/people", json={"key": "k", "kind": "resident", "name": "A", "shoe": 42}, headers=h)
    error(r, 422, "validation_error", "shoe")
    person = b.person()
    r = client.patch(f"{API}/people/{person}", json={"shoe": 42, "version": 1}, headers=h)
    error(r, 422, "validation_error", "shoe")
    # system fields cannot be written either
    r = client.post(f"{API}/people", json={"key": "k", "kind": "resident", "name": "A", "program_id": 9}, headers=h)
    error(r, 422, "validation_error", "program_id")
    r = client.post(f"{API}/absences", json=PAYLOADS["absence"](b) | {"status": "approved"}, headers=h)
    error(r, 422, "validation_error", "status")


def test_422_domain_validation(coord, client):
    _, h, b = coord
    r = client.post(
        f"{API}/absences",
        json={"person_id": b.person(), "start_date": "2025-08-10", "end_date": "2025-08-01", "type": "vacation"},
        headers=h,
    )
    error(r, 422, "validation_error", "end_date")
    r = client.post(
        f"{API}/academic-years", json={"label": "Y", "start_date": "2025-07-01", "end_date": "2024-06-30"}, headers=h
    )
    error(r, 422, "validation_error", "end_date")

    code = b.activity_code()
    r = client.post(f"{API}/rotations", json={"name": "R", "abbreviation": "R", "pattern": [code] * 3}, headers=h)
    error(r, 422, "validation_error", "pattern")
    assert "56" in r.json()["error"]["message"]
    r = client.post(
        f"{API}/rotations", json={"name": "R", "abbreviation": "R", "pattern": [code] * 55 + ["NOPE"]}, headers=h
    )
    error(r, 422, "validation_error", "pattern")
    assert "NOPE" in r.json()["error"]["message"]

    # an update is checked against the stored row too
    year = b.year()
    r = client.patch(f"{API}/academic-years/{year}", json={"end_date": "2020-01-01", "version": 1}, headers=h)
    error(r, 422, "validation_error", "end_date")


def test_422_invalid_reference(world, client, coord):
    pid, h, b = coord
    other = world.program()
    stranger = world.person(other)
    r = client.post(f"{API}/absences", json=PAYLOADS["absence"](b) | {"person_id": stranger}, headers=h)
    error(r, 422, "invalid_reference", "person_id")
    r = client.post(f"{API}/absences", json=PAYLOADS["absence"](b) | {"person_id": 999999}, headers=h)
    error(r, 422, "invalid_reference", "person_id")


def test_malformed_json_is_not_500(coord, client):
    _, h, _ = coord
    r = client.post(f"{API}/people", content=b'{"key": "k", "kind": ', headers=h | {"Content-Type": "application/json"})
    error(r, 422)
    r = client.post(f"{API}/people", content=b"\xff\xfe\x00garbage", headers=h | {"Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.text
    error(r, r.status_code)
    r = client.post(f"{API}/people", json=[1, 2, 3], headers=h)
    error(r, 422)
    r = client.post(f"{API}/people", json=None, headers=h)
    error(r, 422)


def test_huge_string_is_not_500(coord, client):
    _, h, b = coord
    huge = "x" * 1_000_000
    r = client.post(f"{API}/people", json={"key": "k", "kind": "resident", "name": huge}, headers=h)
    error(r, 422, "validation_error", "name")
    r = client.get(f"{API}/people", params={"key": "k" * 5_000}, headers=h)
    assert r.status_code in (200, 414, 422), r.status_code
    r = client.get(f"{API}/people", params={"sort": huge[:10_000]}, headers=h)
    error(r, 422, "invalid_filter", "sort")
    r = client.post(f"{API}/absences", json=PAYLOADS["absence"](b) | {"notes": huge}, headers=h)
    assert r.status_code in (201, 413, 422), r.status_code
    raw = b'{"key": "k", "kind": "resident", "name": "A", "fte": 1e400}'
    r = client.post(f"{API}/people", content=raw, headers=h | {"Content-Type": "application/json"})
    error(r, 422, "validation_error", "fte")
    r = client.post(
        f"{API}/people", json={"key": "k2", "kind": "resident", "name": "A", "clinic_cap_week": 10**30}, headers=h
    )
    assert r.status_code == 422, r.text


def test_integer_path_and_query_overflow_are_not_500(coord, client):
    _, h, _ = coord
    r = client.get(f"{API}/people/{10**30}", headers=h)
    assert r.status_code in (404, 422), r.text
    r = client.get(f"{API}/people/99999999999", headers=h)
    assert r.status_code in (404, 422), r.text
    r = client.get(f"{API}/absences", params={"person_id": 10**30}, headers=h)
    error(r, 422, "invalid_filter", "person_id")
    r = client.post(f"{API}/absences/{10**30}/approve", json={}, headers=h)
    assert r.status_code in (404, 422), r.text
    r = client.get(f"{API}/people", headers=h | {"X-Program-Id": str(10**30)})
    assert r.status_code in (403, 404, 422), r.text
