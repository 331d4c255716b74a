"""The import, export and calendar-feed endpoints."""

from __future__ import annotations

import io

import openpyxl
import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from residency.sample import build_program
from residency.store import models as m
from residency.store import schedules as store
from residency.store.db import session_scope
from residency.store.loader import load_program
from residency.store.writer import save_program
from schedule_helpers import pattern_schedule


@pytest.fixture()
def app(settings, tmp_path, monkeypatch):
    from residency.api.app import create_app
    from residency.api.routers import io as io_router

    monkeypatch.setenv("RESIDENCY_IMPORT_DIR", str(tmp_path / "imports"))
    application = create_app(settings)
    if not any(getattr(r, "path", "").startswith("/api/v1/imports") for r in application.routes):
        application.include_router(io_router.router, prefix="/api/v1")
    return application


def upload(client, headers, data: bytes, name="workbook.xlsx"):
    return client.post(
        "/api/v1/imports/xlsx",
        headers=headers,
        files={"file": (name, data, "application/octet-stream")},
    )


def people_count(url, pid):
    with session_scope(url) as db:
        return db.scalar(select(func.count(m.Person.id)).where(m.Person.program_id == pid))


def test_io_upload_report_apply_and_reapply(client, world, database_url, shared_data):
    pid = world.program()
    h = world.headers("coordinator", pid)
    data = (shared_data / "data" / "program-workbook-ay25-26.xlsx").read_bytes()
    r = upload(client, h, data)
    assert r.status_code == 200, r.text
    body = r.json()
    report = body["report"]
    assert report["counts"]["residents_by_pgy"] == {"1": 6, "2": 6, "3": 10}
    assert report["problems"] and all(p["sheet"] for p in report["problems"])
    assert people_count(database_url, pid) == 0  # nothing written before apply
    r = client.post(body["apply"], headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["created"]["people"] == 39 and r.json()["schedule"] == "created"
    assert client.post(body["apply"], headers=h).status_code == 404  # applied once, then gone
    again = upload(client, h, data).json()
    r = client.post(again["apply"], headers=h)
    assert r.status_code == 200 and r.json()["changed"] is False


def test_io_bad_uploads_are_refused_and_change_nothing(client, world, database_url, monkeypatch):
    from residency.api.routers import io as io_router

    pid = world.program()
    h = world.headers("coordinator", pid)
    r = upload(client, h, b"%PDF-1.4 not a workbook", "scan.pdf")
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_a_workbook"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Shopping list"
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(client, h, buf.getvalue())
    assert r.status_code == 422 and r.json()["error"]["code"] == "no_recognisable_sheet"
    assert "sheet" in r.json()["error"]["message"]
    monkeypatch.setattr(io_router, "MAX_UPLOAD_BYTES", 100_000)
    r = upload(client, h, b"x" * 300_000)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    r = client.post("/api/v1/imports/xlsx", headers=h, content=b"raw", params={})
    assert r.status_code == 415
    r = client.post("/api/v1/imports/0123456789abcdef0123456789abcdef/apply", headers=h)
    assert r.status_code == 404
    resident = world.headers("resident", pid)
    assert upload(client, resident, b"x").status_code == 403
    assert people_count(database_url, pid) == 0


def test_io_staged_imports_expire_after_a_day(client, world, database_url, shared_data, tmp_path):
    import json
    from datetime import UTC, datetime, timedelta

    pid = world.program()
    h = world.headers("coordinator", pid)
    data = (shared_data / "data" / "program-workbook-ay25-26.xlsx").read_bytes()
    folder = tmp_path / "imports"

    def age(import_id: str, hours: float) -> None:
        meta_path = folder / f"{import_id}.json"
        meta = json.loads(meta_path.read_text())
        meta["created_at"] = (datetime.now(UTC) - timedelta(hours=hours)).isoformat()
        meta_path.write_text(json.dumps(meta))

    old = upload(client, h, data).json()["import_id"]
    age(old, 25)
    r = client.post(f"/api/v1/imports/{old}/apply", headers=h)
    assert r.status_code == 410 and r.json()["error"]["code"] == "import_expired"
    assert r.json()["error"]["field"] == "import_id"
    assert not list(folder.glob(f"{old}.*")) and people_count(database_url, pid) == 0
    # a new upload purges what has expired and keeps what has not
    fresh, stale = upload(client, h, data).json()["import_id"], upload(client, h, data).json()["import_id"]
    age(fresh, 23)
    age(stale, 24.5)
    newest = upload(client, h, data).json()["import_id"]
    kept = {p.name for p in folder.iterdir()}
    assert kept == {f"{i}.{ext}" for i in (fresh, newest) for ext in ("json", "xlsx")}
    assert client.post(f"/api/v1/imports/{fresh}/apply", headers=h).status_code == 200


@pytest.fixture()
def published(client, world, database_url):
    with session_scope(database_url) as db:
        pid = save_program(db, build_program("small", seed=2), "api-exp").id
    with session_scope(database_url) as db:
        program = load_program(db, pid)
        row = store.save_schedule(db, pid, store.year_of(db, pid).id, pattern_schedule(program), name="p")
        store.publish(db, pid, row.id)
        ids = {p.key: p.id for p in db.scalars(select(m.Person).where(m.Person.program_id == pid))}
    return pid, program, ids


def test_io_export_endpoints(client, world, published):
    pid, program, ids = published
    coord = world.headers("coordinator", pid)
    r = client.get("/api/v1/exports/xlsx", headers=coord, params={"block": 2})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Block Schedule", "Block 2"]
    r = client.get("/api/v1/exports/csv", headers=coord)
    assert r.status_code == 200 and r.text.startswith("type,person,name")
    r = client.get("/api/v1/exports/json", headers=coord)
    assert r.status_code == 200 and r.json()["format"] == "residency-backup"
    r = client.get("/api/v1/exports/duty-csv", headers=coord)
    assert r.status_code == 200
    assert client.get("/api/v1/exports/pdf", headers=coord).status_code == 404
    assert client.get("/api/v1/exports/xlsx", headers=coord, params={"block": 99}).status_code == 404
    resident_key = program.residents()[0].key
    other_key = program.residents()[1].key
    mine = world.headers("resident", pid, ids[resident_key])
    assert client.get("/api/v1/exports/json", headers=mine).status_code == 403
    r = client.get("/api/v1/exports/ics", headers=mine, params={"person_id": ids[resident_key]})
    assert r.status_code == 200 and b"BEGIN:VCALENDAR" in r.content
    assert client.get("/api/v1/exports/ics", headers=mine, params={"person_id": ids[other_key]}).status_code == 403
    assert client.get("/api/v1/exports/csv").status_code == 401


def test_io_calendar_tokens_and_public_feed(client, world, published, database_url):
    pid, program, ids = published
    me, other = program.residents()[0].key, program.residents()[1].key
    mine = world.headers("resident", pid, ids[me])
    r = client.post("/api/v1/calendars/tokens", headers=mine, json={"person_id": ids[me]})
    assert r.status_code == 201, r.text
    token, token_id = r.json()["token"], r.json()["id"]
    with session_scope(database_url) as db:
        row = db.get(m.CalendarToken, token_id)
        assert row.token_hash != token and len(row.token_hash) == 64  # only the digest is kept
    feed = client.get(f"/api/v1/calendars/{token}.ics")  # no sign-in
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(feed.content)
    assert cal.walk("VTIMEZONE") and cal.walk("VEVENT")
    assert program.residents()[0].name in str(cal["X-WR-CALNAME"])
    assert client.post("/api/v1/calendars/tokens", headers=mine, json={"person_id": ids[other]}).status_code == 403
    assert [t["id"] for t in client.get("/api/v1/calendars/tokens", headers=mine).json()["items"]] == [token_id]
    coord = world.headers("coordinator", pid)
    assert client.post("/api/v1/calendars/tokens", headers=coord, json={"person_id": ids[other]}).status_code == 201
    assert client.delete(f"/api/v1/calendars/tokens/{token_id}", headers=mine).status_code == 204
    assert client.get(f"/api/v1/calendars/{token}.ics").status_code == 404
    assert client.get("/api/v1/calendars/not-a-token.ics").status_code == 404
