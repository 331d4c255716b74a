"""Exports: xlsx (read back with openpyxl, and imported back to the same assignments), csv, ics, and a
lossless json backup/restore round trip."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import numpy as np
import openpyxl
import pytest
from icalendar import Calendar

from residency.domain.calendar import HalfDay
from residency.domain.program import PersonKind
from residency.io.backup import backup, dumps, restore
from residency.io.csv_export import export_csv
from residency.io.ics import person_calendar
from residency.io.workbook import stage_workbook
from residency.io.xlsx_export import export_xlsx
from residency.sample import build_program
from residency.store import schedules as store
from residency.store.db import session_scope
from residency.store.loader import load_program
from residency.store.writer import save_program
from residency.views import current
from schedule_helpers import pattern_schedule
from support import truncate_all


@pytest.fixture()
def published(client, database_url):
    """The small sample program with a hand-made schedule, published; a leave and a split block."""
    program = build_program("small", seed=1)
    with session_scope(database_url) as db:
        pid = save_program(db, program, "exp").id
    with session_scope(database_url) as db:
        program = load_program(db, pid)
        schedule = pattern_schedule(program)
        r = program.residents()[0]
        blocks = [b for b in schedule.block_assignments if not (b.person == r.key and b.block == 2)]
        from residency.domain.program import BlockAssignment

        blocks += [BlockAssignment(r.key, 2, "FMC1", "first_half"), BlockAssignment(r.key, 2, "NF", "second_half")]
        schedule.block_assignments = tuple(blocks)
        b2 = program.year.blocks[1]
        schedule.set(r.key, b2.start, HalfDay.AM, "LV")
        fac = program.faculty()[0]
        pool = next(p for p in program.call_pools if p.includes_faculty)
        from residency.domain.schedule import CallAssignment

        schedule.calls = schedule.calls + (CallAssignment(fac.key, b2.start, pool.name),)
        row = store.save_schedule(db, pid, store.year_of(db, pid).id, schedule, status="draft", name="hand")
        store.publish(db, pid, row.id)
    with session_scope(database_url) as db:
        cur = current(db, pid)
    return pid, cur


def test_io_xlsx_opens_and_has_the_layout(published):
    _pid, cur = published
    data = export_xlsx(cur.program, cur.schedule)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "Block Schedule"
    assert len(wb.sheetnames) == 1 + len(cur.program.year.blocks)
    ws = wb["Block 2"]
    assert ws["E2"].value == "Date:" and ws["E3"].value == "Staff Call" and ws["E4"].value == "Resident Call"
    assert ws["F5"].value == "AM" and ws["G5"].value == "PM"
    names = [ws.cell(r, 5).value for r in range(6, ws.max_row + 1) if ws.cell(r, 4).value]
    pgys = [ws.cell(r, 4).value for r in range(6, ws.max_row + 1) if ws.cell(r, 4).value]
    # residents senior first, then faculty
    resident_pgys = [int(p.split()[1]) for p in pgys if p.startswith("PGY")]
    assert resident_pgys == sorted(resident_pgys, reverse=True)
    assert pgys.index(next(p for p in pgys if not p.startswith("PGY"))) == len(resident_pgys)
    assert len(names) == len(cur.program.people)
    # a leave half-day is coloured as an absence
    lv = [c for row in ws.iter_rows(min_row=6) for c in row if c.value == "LV"]
    assert lv and lv[0].fill.start_color.rgb.endswith("F4CCCC")
    assert any(ws.cell(5, c).value == "Clinic" for c in range(1, ws.max_column + 1))


def test_io_exported_block_sheet_imports_back_to_the_same_assignments(published):
    _pid, cur = published
    program, schedule = cur.program, cur.schedule
    block = program.year.blocks[1]
    data = export_xlsx(program, schedule, block=block.number)
    st = stage_workbook(data, "export.xlsx", program=program)
    assert not st.new_people and not st.new_activities and not st.new_rotations
    expected = {}
    for key in schedule.people:
        for day in block.dates():
            for half in HalfDay:
                code = schedule.get(key, day, half)
                if code is not None:
                    expected[(key, day, half)] = code
    got = {k: v for k, v in st.cells.items() if block.start <= k[1] <= block.end}
    assert got == expected
    assert {b for b in st.block_assignments if b.block == block.number} == {
        b for b in schedule.block_assignments if b.block == block.number
    }
    assert {c for c in st.calls} == {c for c in schedule.calls if block.start <= c.night <= block.end}


def test_io_csv_rows(published):
    _pid, cur = published
    text = export_csv(cur.program, cur.schedule, block=2)
    rows = list(csv.DictReader(io.StringIO(text)))
    halves = [r for r in rows if r["type"] == "half_day"]
    b2 = cur.program.year.blocks[1]
    assert len(halves) == len(cur.program.people) * b2.days * 2
    first = cur.program.residents()[0]
    lv = [r for r in halves if r["person"] == first.key and r["date"] == b2.start.isoformat() and r["half"] == "AM"]
    assert lv[0]["code"] == "LV" and lv[0]["rotation"] == "FMC1" and lv[0]["pgy"] == "1"
    late = [r for r in halves if r["person"] == first.key and r["date"] == b2.end.isoformat()]
    assert late[0]["rotation"] == "NF"  # second half of the split block
    assert any(r["type"] == "call" and r["pool"] for r in rows)


def test_io_ics_has_timezone_stable_uids_and_events(published):
    _pid, cur = published
    resident = cur.program.residents()[0]
    stamp = __import__("datetime").datetime(2025, 1, 1)
    one = person_calendar(cur.program, cur.schedule, resident.key, stamp=stamp)
    two = person_calendar(cur.program, cur.schedule, resident.key, stamp=stamp)
    assert one == two
    cal = Calendar.from_ical(one)
    assert b"BEGIN:VTIMEZONE" in one and b"TZID=America/New_York" in one
    events = [c for c in cal.walk("VEVENT")]
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids)) and events
    # an AM+PM clinic day is one event with real times
    starts = {e["DTSTART"].dt for e in events}
    assert all(getattr(s, "tzinfo", None) is not None for s in starts)
    senior = next(p for p in cur.program.residents() if p.pgy_on(cur.program.year.start) >= 2)
    senior_cal = Calendar.from_ical(person_calendar(cur.program, cur.schedule, senior.key))
    assert any("Call" in str(e["SUMMARY"]) for e in senior_cal.walk("VEVENT"))


def test_io_json_backup_restore_is_lossless(published, database_url):
    pid, cur = published
    with session_scope(database_url) as db:
        before = backup(db, pid)
        program_before = load_program(db, pid)
    text = dumps(before)
    truncate_all(database_url)
    with session_scope(database_url) as db:
        new_id = restore(db, json.loads(text))
    with session_scope(database_url) as db:
        after = backup(db, new_id)
        program_after = load_program(db, new_id)
        cur_after = current(db, new_id)
    assert program_after == program_before
    assert np.array_equal(cur_after.schedule.grid, cur.schedule.grid)
    assert set(cur_after.schedule.block_assignments) == set(cur.schedule.block_assignments)
    assert set(cur_after.schedule.calls) == set(cur.schedule.calls)
    for name, table in before["tables"].items():
        cols = table["columns"]
        strip = [i for i, c in enumerate(cols) if c == "id" or c.endswith("_id")]

        def rows(t, strip=strip):
            return sorted(json.dumps([v for i, v in enumerate(r) if i not in strip]) for r in t["rows"])

        assert rows(after["tables"][name]) == rows(table), name
    with pytest.raises(Exception, match="already exists"), session_scope(database_url) as db:
        restore(db, json.loads(text))


def test_io_people_order_faculty_after_residents(published):
    _pid, cur = published
    from residency.io.common import ordered_people

    kinds = [p.kind for p in ordered_people(cur.program, date(2025, 7, 1))]
    assert kinds.index(PersonKind.FACULTY) == len(cur.program.residents())
