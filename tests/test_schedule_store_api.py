"""Schedules in the database: save/load, publish (archive, never delete), diff, and the read and
compliance endpoints over the published schedule."""

from datetime import timedelta

import numpy as np
import pytest

from residency.domain.calendar import HalfDay
from residency.runs import RunError, request_run
from residency.sample import build_program
from residency.services import store_program
from residency.store import models as m
from residency.store import schedules as store
from residency.store.db import session_scope
from schedule_helpers import pattern_schedule


@pytest.fixture()
def stored(client, database_url):
    program = build_program("small")
    with session_scope(database_url) as db:
        row = store_program(db, program, "small")
        year = store.year_of(db, row.id)
        first = store.save_schedule(db, row.id, year.id, pattern_schedule(program), status="published", name="first")
        draft = store.save_schedule(db, row.id, year.id, pattern_schedule(program), name="hand-made")
        ids = {
            "first": first.id,
            "program": row.id,
            "year": year.id,
            "draft": draft.id,
            "people": {p.key: p.id for p in db.query(m.Person).filter_by(program_id=row.id)},
        }
    return program, ids


def test_saved_schedule_loads_back_identical(stored, database_url):
    program, ids = stored
    original = pattern_schedule(program)
    with session_scope(database_url) as db:
        loaded = store.load_schedule(db, ids["program"], ids["draft"], original.codes, original.people)
    assert np.array_equal(loaded.schedule.grid, original.grid)
    assert set(loaded.schedule.block_assignments) == set(original.block_assignments)
    assert set(loaded.schedule.calls) == set(original.calls)
    assert (loaded.sources == "solver").all()


def test_publish_archives_the_previous_version(stored, database_url):
    program, ids = stored
    with session_scope(database_url) as db:
        before = store.published(db, ids["program"], ids["year"])
        assert before.id == ids["first"]
        store.publish(db, ids["program"], ids["draft"])
    with session_scope(database_url) as db:
        assert store.published(db, ids["program"], ids["year"]).id == ids["draft"]
        assert db.get(m.Schedule, before.id).status == "archived"
        # the archived version keeps its rows: nothing published is deleted
        kept = db.query(m.BlockAssignment).filter_by(schedule_id=before.id).count()
        assert kept == len(program.residents()) * len(program.year.blocks)
    with pytest.raises(store.ScheduleError, match="not draft"), session_scope(database_url) as db:
        store.publish(db, ids["program"], ids["draft"])


def test_diff_lists_changed_cells():
    program = build_program("small")
    before = pattern_schedule(program)
    after = before.copy()
    day = program.year.start
    after.set("R1-01", day, HalfDay.AM, "LV")
    changes = store.diff(before, after)
    assert [(c.person, c.day, c.half, c.after) for c in changes.cells] == [("R1-01", day, "AM", "LV")]
    assert changes.summary()["people_changed"] == 1


def test_a_second_run_while_one_is_active_is_refused(stored, database_url):
    _, ids = stored
    with session_scope(database_url) as db:
        request_run(db, program_id=ids["program"], user_id=None, time_limit=1)
    with pytest.raises(RunError) as err, session_scope(database_url) as db:
        request_run(db, program_id=ids["program"], user_id=None, time_limit=1)
    assert err.value.status == 409 and err.value.code == "run_in_progress"


def _publish(database_url, ids):
    with session_scope(database_url) as db:
        store.publish(db, ids["program"], ids["draft"])


def test_compliance_report_of_the_published_schedule(stored, world, client, database_url):
    program, ids = stored
    _publish(database_url, ids)
    h = world.headers("coordinator", ids["program"])
    r = client.get("/api/v1/compliance/report", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["schedule_id"] == ids["draft"]
    assert body["summary"]["by_severity"].get("violation", 0) == 0
    # the hand-made schedule puts one senior in clinic at 08:00 after call ending 07:00: RST-01 warnings
    assert body["summary"]["by_rule"]["RST-01"] == {"warning": 3}
    assert all(f["person_id"] == "R2-01" for f in body["findings"])


def test_resident_sees_only_own_findings(stored, world, client, database_url):
    _, ids = stored
    _publish(database_url, ids)
    h = world.headers("resident", ids["program"], ids["people"]["R2-02"])
    r = client.get("/api/v1/compliance/report", headers=h)
    assert r.status_code == 200 and r.json()["findings"] == []
    other = client.get(f"/api/v1/compliance/report?person_id={ids['people']['R2-01']}", headers=h)
    assert other.status_code == 403


def test_check_reports_the_violation_a_change_would_create(stored, world, client, database_url):
    program, ids = stored
    _publish(database_url, ids)
    h = world.headers("coordinator", ids["program"])
    start = program.year.start
    weekend = [start + timedelta(days=i) for i in range(28) if (start + timedelta(days=i)).weekday() >= 5][:6]
    person = ids["people"]["R1-01"]
    add = [
        {"person_id": person, "day": d.isoformat(), "half": half, "activity": "C40"}
        for d in weekend
        for half in ("AM", "PM")
    ]
    r = client.post("/api/v1/compliance/check", json={"add": add}, headers=h)
    assert r.status_code == 200, r.text
    created = r.json()["created"]
    assert r.json()["summary"]["creates_violation"] is True
    assert {f["rule"] for f in created} >= {"OFF-01"}
    assert all(f["person_id"] == "R1-01" for f in created)
    # nothing was saved
    again = client.get("/api/v1/compliance/report", headers=h).json()
    assert again["summary"]["by_severity"].get("violation", 0) == 0


def test_grid_on_call_and_draft_visibility(stored, world, client, database_url):
    program, ids = stored
    coordinator = world.headers("coordinator", ids["program"])
    resident = world.headers("resident", ids["program"], ids["people"]["R1-01"])
    # the resident sees the published version only; the draft is hidden
    assert client.get(f"/api/v1/schedule/grid?block=1&schedule_id={ids['draft']}", headers=resident).status_code == 404
    r = client.get(f"/api/v1/schedule/grid?block=1&schedule_id={ids['draft']}", headers=coordinator)
    assert r.status_code == 200
    grid = r.json()
    assert len(grid["days"]) == 28 and len(grid["rows"]) == len(program.people)
    assert all(len(row["cells"]) == 28 and all(len(c) == 2 and c[0] for c in row["cells"]) for row in grid["rows"])
    _publish(database_url, ids)
    night = pattern_schedule(program).calls[0].night
    on_call = client.get(f"/api/v1/schedule/on-call?night={night.isoformat()}", headers=resident).json()
    assert [c["person"] for c in on_call["on_call"]] == ["R2-01"]
    mine = client.get(f"/api/v1/schedule/people/{ids['people']['R1-01']}?to={program.year.start}", headers=resident)
    assert mine.status_code == 200 and len(mine.json()["rows"][0]["cells"]) == 1


def test_manual_edit_that_creates_a_violation_needs_an_override_reason(stored, world, client, database_url):
    program, ids = stored
    _publish(database_url, ids)
    h = world.headers("coordinator", ids["program"])
    pools = {p["name"]: p["id"] for p in client.get("/api/v1/call-pools", headers=h).json()["items"]}
    monday = program.year.start + timedelta(days=(7 - program.year.start.weekday()) % 7)
    # a 24-hour in-house call starting 07:00 on a clinic day double-books the resident
    payload = {
        "schedule_id": ids["draft"],
        "person_id": ids["people"]["R1-01"],
        "night": monday.isoformat(),
        "call_pool_id": pools["Resident in-house call (weekends)"],
    }
    refused = client.post("/api/v1/call-assignments", json=payload, headers=h)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "compliance_violation" and error["field"] == "override_reason"
    assert error["details"]["creates_violation"] is True
    with session_scope(database_url) as db:
        mine = db.query(m.CallAssignment).filter_by(schedule_id=ids["draft"], person_id=ids["people"]["R1-01"])
        assert mine.count() == 0  # nothing was saved

    payload["override_reason"] = "covering a sick colleague; clinic cancelled"
    saved = client.post("/api/v1/call-assignments", json=payload, headers=h)
    assert saved.status_code == 201, saved.text
    body = saved.json()
    assert body["override_reason"] == payload["override_reason"]
    assert any(f["severity"] == "violation" for f in body["compliance"]["created"])
    with session_scope(database_url) as db:
        row = db.query(m.AuditLog).filter_by(entity="call_assignment", entity_id=body["id"]).one()
        assert row.reason == payload["override_reason"]


def test_manual_edit_without_violation_reports_its_findings(stored, world, client, database_url):
    program, ids = stored
    _publish(database_url, ids)
    h = world.headers("coordinator", ids["program"])
    cells = client.get(
        f"/api/v1/half-day-assignments?schedule_id={ids['draft']}&person_id={ids['people']['R1-01']}"
        f"&from={program.year.start}&to={program.year.start}",
        headers=h,
    ).json()["items"]
    am = next(c for c in cells if c["half"] == "AM")
    leave = next(a["id"] for a in client.get("/api/v1/activities?code=LV", headers=h).json()["items"])
    r = client.patch(f"/api/v1/half-day-assignments/{am['id']}", json={"activity_id": leave, "version": 1}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["compliance"]["creates_violation"] is False
    assert r.json()["activity_id"] == leave
