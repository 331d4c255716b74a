"""The backup call pool (defense level CONTAINMENT): a pool names backup people; the action
activate_backup_call_pool makes them eligible over a date range and stores a draft whose uncovered
nights they fill; deactivate_backup_call_pool reverts. Real database, through the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from residency.domain.schedule import CallAssignment
from residency.sample import build_program
from residency.services import store_program
from residency.store import models as m
from residency.store import schedules as store
from residency.store.db import session_scope
from residency.store.loader import load_program
from schedule_helpers import pattern_schedule

API = "/api/v1"
POOL = "Resident in-house call (weeknights)"


@pytest.fixture()
def published(client, database_url):
    """The small sample program (its weeknight pool backed up by faculty F-02 and F-03) with a
    published pattern schedule, and an approved absence on the night of a resident's call."""
    program = build_program("small")
    sched = pattern_schedule(program)
    # a Monday after F-03's deployment (7 July - 3 August in the small year), so both backups are here
    call = CallAssignment(sched.calls[0].person, date(2025, 8, 11), POOL)
    sched.calls = (*sched.calls, call)
    with session_scope(database_url) as db:
        row = store_program(db, program, "backup")
        year = store.year_of(db, row.id)
        pub = store.save_schedule(db, row.id, year.id, sched, status="published", name="published")
        person = db.scalars(select(m.Person).where(m.Person.program_id == row.id, m.Person.key == call.person)).one()
        db.add(m.Absence(program_id=row.id, person_id=person.id, start_date=call.night, end_date=call.night,
                         type="sick", status="approved"))  # fmt: skip
        return {"program": row.id, "published": pub.id, "call": call, "label": year.label}


def act(client, h, kind, **params):
    return client.post(f"{API}/resilience/actions", json={"kind": kind, "params": params}, headers=h)


def test_sample_programs_define_a_backup_pool():
    for size in ("small", "realistic"):
        pools = {p.name: p for p in build_program(size).call_pools}
        backed = [p for p in pools.values() if p.backup_members]
        assert [p.name for p in backed] == [POOL]
        faculty = {p.key for p in build_program(size).faculty()}
        assert set(backed[0].backup_members) <= faculty
        assert backed[0].backup_on(build_program(size).year.start) == ()  # not until activated


def test_backup_call_pool_fills_uncovered_nights_and_reverts(published, world, client, database_url):
    pid, call = published["program"], published["call"]
    h = world.headers("coordinator", pid)
    start, end = call.night, call.night + timedelta(days=4)  # Monday .. Friday
    pools = client.get(f"{API}/call-pools", headers=h).json()["items"]
    assert {p["name"]: p["backup_keys"] for p in pools}[POOL] == ["F-02", "F-03"]

    denied = act(client, world.headers("resident", pid), "activate_backup_call_pool", start=str(start))
    assert denied.status_code == 403

    r = act(client, h, "activate_backup_call_pool", pool=POOL, start=str(start), end=str(end))
    assert r.status_code == 202, r.text
    out = r.json()
    assert out["removed"] == [{"person": call.person, "night": str(start), "pool": POOL}]  # absent that night
    filled = {(c["night"], c["person"]) for c in out["filled"]}
    assert {n for n, _ in filled} == {str(start + timedelta(days=k)) for k in range(5)}  # every weeknight
    assert {p for _, p in filled} <= {"F-02", "F-03"} and out["unfilled"] == []
    nights = sorted(filled)
    assert all(a[1] != b[1] for a, b in zip(nights, nights[1:], strict=False))  # nobody two nights running

    with session_scope(database_url) as db:
        activation = db.get(m.BackupActivation, out["activation_id"])
        assert (activation.start_date, activation.end_date, activation.deactivated_at) == (start, end, None)
        assert activation.schedule_id == out["schedule_id"] and activation.base_schedule_id == published["published"]
        draft = db.get(m.Schedule, out["schedule_id"])
        assert draft.status == "draft"
        pool = {p.name: p for p in load_program(db, pid, published["label"]).call_pools}[POOL]
        assert pool.backup_windows == ((start, end),) and pool.backup_on(start) == ("F-02", "F-03")
        assert pool.backup_on(end + timedelta(days=1)) == ()
        actions = [a.action for a in db.scalars(select(m.AuditLog).where(m.AuditLog.entity == "backup_activation"))]
        assert actions == ["activate"]
    drafted = client.get(f"{API}/schedule/drafts/{out['schedule_id']}/diff", headers=h).json()["summary"]
    assert (drafted["calls_added"], drafted["calls_removed"]) == (5, 1)
    events = client.get(f"{API}/resilience/events", headers=h).json()["items"]
    assert events[0]["actions"][0]["kind"] == "activate_backup_call_pool"
    listed = client.get(f"{API}/backup-activations", headers=h).json()["items"]
    assert [a["id"] for a in listed] == [out["activation_id"]]
    assert act(client, h, "activate_backup_call_pool", pool=POOL).status_code == 409  # one at a time

    # deactivate: the window closes and the unpublished draft is archived
    r = act(client, h, "deactivate_backup_call_pool", pool=POOL)
    assert r.status_code == 202, r.text
    assert r.json()["archived_draft"] == out["schedule_id"]
    with session_scope(database_url) as db:
        assert db.get(m.BackupActivation, out["activation_id"]).deactivated_at is not None
        assert db.get(m.Schedule, out["schedule_id"]).status == "archived"
        pool = {p.name: p for p in load_program(db, pid, published["label"]).call_pools}[POOL]
        assert pool.backup_windows == () and pool.backup_on(start) == ()
    assert act(client, h, "deactivate_backup_call_pool", pool=POOL).status_code == 404
    kinds = [e["actions"][0]["kind"] for e in client.get(f"{API}/resilience/events", headers=h).json()["items"]]
    assert kinds[:2] == ["deactivate_backup_call_pool", "activate_backup_call_pool"]


def test_backup_call_pool_published_then_deactivated_opens_a_reverting_draft(published, world, client, database_url):
    pid, call = published["program"], published["call"]
    h = world.headers("coordinator", pid)
    start, end = call.night, call.night + timedelta(days=2)
    out = act(client, h, "activate_backup_call_pool", start=str(start), end=str(end)).json()  # the one backed pool
    assert len(out["filled"]) == 3 and out["unfilled"] == []
    assert client.post(f"{API}/schedule/drafts/{out['schedule_id']}/publish", headers=h).status_code == 200
    r = act(client, h, "deactivate_backup_call_pool", activation_id=out["activation_id"])
    assert r.status_code == 202, r.text
    back = r.json()
    assert back["schedule_id"] and {u["night"] for u in back["uncovered"]} == {c["night"] for c in out["filled"]}
    with session_scope(database_url) as db:
        year = db.get(m.Schedule, back["schedule_id"]).academic_year_id
        program = load_program(db, pid, published["label"])
        codes = tuple(a.code for a in program.activities)
        people = tuple(p.key for p in program.people)
        reverted = store.load_schedule(db, pid, back["schedule_id"], codes, people).schedule
        base = store.load_schedule(db, pid, published["published"], codes, people).schedule
        assert store.published(db, pid, year).id == out["schedule_id"]
    backup_calls = [c for c in reverted.calls if c.person in ("F-02", "F-03") and c.pool == POOL]
    assert backup_calls == []
    for key in ("F-02", "F-03"):  # their cells as before the activation
        assert (reverted.grid[reverted.row(key)] == base.grid[base.row(key)]).all()


def test_backup_call_pool_reports_nights_no_backup_can_take(published, world, client):
    h = world.headers("coordinator", published["program"])
    # 8-9 July (7 July is covered): F-03 is deployed, F-02 takes the 8th and cannot take the 9th too
    out = act(client, h, "activate_backup_call_pool", start="2025-07-08", end="2025-07-09").json()
    assert out["filled"] == [{"person": "F-02", "night": "2025-07-08", "pool": POOL}]
    short = {u["night"]: u["why"] for u in out["unfilled"]}
    assert list(short) == ["2025-07-09"] and "absent" in short["2025-07-09"] and "on call" in short["2025-07-09"]
