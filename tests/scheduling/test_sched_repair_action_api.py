"""The defense action open_repair_draft: an incremental repair (residency.repairs) of the published
schedule around an approved absence it does not honour, not a fresh generation run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from residency.services import store_program
from residency.store import models as m
from residency.store import schedules as store
from residency.store.db import session_scope


@pytest.fixture()
def planted(client, database_url, small_program, small_result):
    """The small program published, with an approved absence planted on a resident's weeknight call."""
    sched = small_result.schedule
    residents = {p.key for p in small_program.residents()}
    call = next(
        c for c in sched.calls
        if c.person in residents and c.night > sched.start + timedelta(60) and "weeknight" in c.pool
        and c.night.weekday() < 3
    )  # fmt: skip
    with session_scope(database_url) as db:
        row = store_program(db, small_program, "small")
        year = store.year_of(db, row.id)
        pub = store.save_schedule(db, row.id, year.id, sched, status="published", name="published")
        person = db.scalars(select(m.Person).where(m.Person.program_id == row.id, m.Person.key == call.person)).one()
        absence = m.Absence(
            program_id=row.id, person_id=person.id, start_date=call.night, end_date=call.night, type="sick",
            status="approved",
        )  # fmt: skip
        db.add(absence)
        db.flush()
        return {"program": row.id, "published": pub.id, "absence": absence.id, "call": call}


def test_open_repair_draft_changes_only_the_cells_of_the_planted_absence(planted, world, client, small_result):
    h = world.headers("coordinator", planted["program"])
    body = {"kind": "open_repair_draft", "params": {"time_limit": 20, "workers": 1, "seed": 3}}
    denied = client.post("/api/v1/resilience/actions", json=body, headers=world.headers("resident", planted["program"]))
    assert denied.status_code == 403
    r = client.post("/api/v1/resilience/actions", json=body, headers=h)
    assert r.status_code == 202, r.text
    out = r.json()
    assert "run" not in out  # no generation run: a repair draft
    assert out["absence_id"] == planted["absence"] and out["pending"] == []
    assert out["status"] == "ok" and out["new_violations"] == 0 and out["schedule_id"]
    call = planted["call"]
    draft = client.get(f"/api/v1/schedule/drafts/{out['schedule_id']}/diff", headers=h)
    assert draft.status_code == 200, draft.text
    # count the changed cells ourselves from the stored draft
    cells = draft.json()["cells"]
    summary = draft.json()["summary"]
    assert out["changed_cells"] == len(cells) <= 30
    assert out["changed_calls"] == summary["calls_added"] + summary["calls_removed"] >= 2
    # the absent resident: the absent day itself turns to leave and their call there is gone
    absent = [c for c in cells if c["person"] == call.person and c["day"] == call.night.isoformat()]
    assert {c["after"] for c in absent} == {"LV"} and len(absent) == 2 - before_leave(small_result, call)
    # only the people the absence concerns (the resident and the pool that lost a night) and only the
    # days the repair re-solved around it change; the rest of the year is untouched
    lo, hi = out["window"]  # 3 days either side of the absence, wider only if that breaks a rule
    assert lo <= call.night.isoformat() <= hi
    assert {c["person"] for c in cells} <= set(out["scope"]) and call.person in out["scope"]
    assert all(lo <= c["day"] <= hi for c in cells)
    assert draft.json()["published_schedule_id"] == planted["published"]  # a draft: nothing published
    again = client.post("/api/v1/resilience/actions", json=body, headers=h)
    assert again.status_code == 202 and again.json()["absence_id"] == planted["absence"]  # still unpublished


def before_leave(result, call) -> int:
    sched = result.schedule
    row, d = sched.row(call.person), (call.night - sched.start).days
    return sum(sched.codes[int(c)] == "LV" for c in sched.grid[row, d] if c >= 0)
