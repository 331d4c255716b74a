"""POST /api/v1/schedule/repairs and `residency repair`: a draft with few changes, coordinators only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import typer
from typer.testing import CliRunner

from residency.cli_repair import register
from residency.services import store_program
from residency.store import schedules as store
from residency.store.db import session_scope


@pytest.fixture()
def published(client, database_url, small_program, small_result):
    with session_scope(database_url) as db:
        row = store_program(db, small_program, "small")
        year = store.year_of(db, row.id)
        pub = store.save_schedule(db, row.id, year.id, small_result.schedule, status="published", name="published")
        ids = {"program": row.id, "published": pub.id}
    residents = {p.key for p in small_program.residents()}
    sched = small_result.schedule
    # a Monday-Wednesday weeknight call: several seniors can legally take it over, whatever the base
    # schedule (a weekend 24-hour call may have no legal replacement on a given year)
    call = next(
        c for c in sched.calls
        if c.person in residents and c.night > sched.start + timedelta(60) and "weeknight" in c.pool
        and c.night.weekday() < 3
    )  # fmt: skip
    return ids, call


def test_sched_repair_api_returns_a_draft(published, world, client):
    ids, call = published
    body = {"person_key": call.person, "start": str(call.night), "end": str(call.night), "time_limit": 20}
    r = client.post("/api/v1/schedule/repairs", json=body, headers=world.headers("resident", ids["program"]))
    assert r.status_code == 403
    h = world.headers("coordinator", ids["program"])
    r = client.post("/api/v1/schedule/repairs", json=body, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "ok" and out["schedule_id"] and out["published_id"] == ids["published"]
    assert out["new_violations"] == 0 and 2 <= out["changed_cells"] <= 30
    r = client.get(f"/api/v1/schedule/drafts/{out['schedule_id']}/diff", headers=h)
    assert r.status_code == 200, r.text
    bad = client.post("/api/v1/schedule/repairs", json={"person_key": call.person}, headers=h)
    assert bad.status_code == 422


def test_sched_repair_cli(published, database_url):
    ids, call = published
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        pass

    register(app)
    args = ["repair", "--person", call.person, "--from", str(call.night), "--to", str(call.night),
            "--time-limit", "20", "--database-url", database_url, "--program", "small"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert out["status"] == "ok" and out["schedule_id"]
