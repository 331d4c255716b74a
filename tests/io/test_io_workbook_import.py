"""Import of the shared program workbook: what is read, what is not, and a re-import changing nothing."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from residency.io.workbook import WorkbookError, apply_staging, stage_workbook
from residency.io.workbook.dates import parse_note
from residency.io.workbook.matching import RotationMatcher
from residency.store.db import session_scope
from residency.store.loader import load_program
from residency.views import compliance_report, current

Y0, Y1 = date(2025, 7, 1), date(2026, 6, 30)


@pytest.fixture(scope="module")
def workbook(shared_data):
    return shared_data / "data" / "program-workbook-ay25-26.xlsx"


@pytest.fixture(scope="module")
def staged(workbook):
    return stage_workbook(workbook)


def items(st, kind, status=None):
    return [i for i in st.items if i.kind == kind and (status is None or i.status == status)]


def test_io_sheets_year_and_blocks_found_by_content(staged):
    assert {s["name"]: s["kind"] for s in staged.sheets} == {
        "Block Schedule": "block_schedule",
        "Block 9": "block",
        "Templates": "templates",
    }
    year = staged.year
    assert (year.label, year.start, year.end) == ("AY2025-26", Y0, Y1)
    assert len(year.blocks) == 13
    assert year.blocks[0].days == 30 and year.blocks[12].start == date(2026, 6, 4)
    b9 = year.blocks[8]
    assert (b9.start, b9.end) == (date(2026, 2, 12), date(2026, 3, 11))
    # the block sheet's dates are typed as 2025; weekday names and the layout say 2026
    shifted = [i for i in items(staged, "sheet", "ambiguous") if i.cell == "F3"]
    assert shifted and shifted[0].value == "2026-02-12" and "weekday names agree" in shifted[0].note


def test_io_counts_of_the_workbook(staged):
    c = staged.counts
    assert c["residents_by_pgy"] == {"1": 6, "2": 6, "3": 10}
    assert c["faculty"] == 15 and c["staff"] == 2
    assert c["templates_read"] == 50 and c["templates_archived"] == 36
    assert c["blocks"] == 13
    assert c["half_day_cells_by_sheet"] == {"Block 9": 1718}
    residents_b9 = {k for (k, d, h) in staged.cells if staged.people[k].kind.value == "resident"}
    assert len(residents_b9) == 17
    assert sum(1 for (k, _d, _h) in staged.cells if k in residents_b9) == 17 * 56
    assert c["leave_notes"] == 98 and c["leave_notes_understood"] == 85
    assert c["half_block_splits"] >= 40


def test_io_spelling_variants_match_known_rotations(staged):
    def rotation_of(sheet_cell):
        found = [i for i in items(staged, "assignment") if i.cell == sheet_cell]
        assert found, sheet_cell
        return found[0].status, found[0].value

    assert rotation_of("H5") == ("matched", "LND")  # "L and D at TAMC"
    assert rotation_of("D11") == ("matched", "LND")  # "TAMC L/D"
    assert rotation_of("F5") == ("matched", "MSK")  # "MSK-Select"
    assert rotation_of("X9") == ("matched", "MSK")  # "MSK-SEL"
    assert rotation_of("B29") == ("matched", "MSK")  # "MSK SEL"
    assert rotation_of("P5") == ("matched", "KAP")  # "Kapiolani  L and D"
    assert rotation_of("F35") == ("matched", "OKINAWA-JAPAN")  # "Japan" -> the "Okinawa, Japan" template
    # a half-block split: Peds NF then Peds Ward in block 12
    parts = {(b.part, b.rotation) for b in staged.block_assignments if b.person == "resident-a" and b.block == 12}
    assert parts == {("first_half", "PNF"), ("second_half", "PEDW")}


def test_io_leave_notes_are_read(staged):
    def absences(key):
        return {(a.start, a.end) for a in staged.absences if a.person == key}

    assert (date(2025, 9, 20), date(2025, 9, 26)) in absences("resident-a")  # "Sep 20 -26"
    assert (date(2025, 12, 15), date(2025, 12, 21)) in absences("resident-a")  # "Dec 15-21"
    assert (date(2025, 7, 9), date(2025, 7, 11)) in absences("resident-v")  # "LV: Jul 9-11"
    assert (date(2025, 8, 1), date(2025, 8, 5)) in absences("resident-s")  # "LV:Aug 1-5"


def test_io_block_sheet_people_are_matched_across_sheets(staged):
    # the sanitised workbook names people differently on each sheet; the block's rotation decides
    matched = {i.cell: i.value for i in items(staged, "person") if i.sheet == "Block 9" and i.value}
    assert matched["E9"] == "resident-m"  # "Resident A" there: Military in block 9 on both sheets
    assert matched["E20"] == "resident-a"  # "L" there: Peds Clinic
    assert matched["E25"] == "resident-f"  # "Q" there: Peds NF then Peds Ward
    guesses = {i.text for i in items(staged, "person", "ambiguous") if i.sheet == "Block 9"}
    assert guesses == {"D", "F", "K"}


def test_io_problems_name_their_sheet_and_cell(staged):
    problems = staged.problems()
    assert problems
    assert all(p.sheet for p in problems)
    assert all(p.cell for p in problems if p.kind in ("absence", "assignment", "call", "cell", "person"))
    not_read = {(p.sheet, p.cell) for p in problems if p.status == "not_understood"}
    assert ("Block Schedule", "AD44") in not_read  # "Leave: Last week of the rotation"
    assert ("Block Schedule", "R35") in not_read  # "Military"
    assert ("Templates", "A68") in not_read  # "Endocrine (2 weeks)": 17 of 56 half-days
    report = staged.report()
    assert report["counts"]["blocks"] == 13 and report["problems"]


def test_io_apply_then_reimport_changes_nothing_and_block9_validates(client, database_url, workbook, staged):
    with session_scope(database_url) as db:
        first = apply_staging(db, staged, slug_="ay25-import", name="Imported program")
    assert first.program_created and first.schedule == "created"
    assert first.created["people"] == 39 and first.created["absences"] == len(staged.absences)
    with session_scope(database_url) as db:
        program = load_program(db, first.program_id)
    again = stage_workbook(workbook, program=program)
    assert not again.new_people and not again.new_rotations and not again.new_activities
    with session_scope(database_url) as db:
        second = apply_staging(db, again, program_id=first.program_id)
    assert not second.changed and second.schedule_id == first.schedule_id
    with session_scope(database_url) as db:
        cur = current(db, first.program_id, first.schedule_id)
    b9 = cur.program.year.blocks[8]
    report = compliance_report(cur, start=b9.start, end=b9.end)
    summary = report.to_dict()["summary"]
    assert summary["people"] == 17  # the block's residents are checked like any schedule
    assert set(summary["by_rule"]) <= {"OFF-01", "RST-01", "HRS-01", "HRS-02", "CALL-01"}


def test_io_not_a_workbook_and_no_recognisable_sheet():
    with pytest.raises(WorkbookError) as exc:
        stage_workbook(b"this is not a workbook", "x.xlsx")
    assert exc.value.code == "not_a_workbook"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "shopping list"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(WorkbookError) as exc:
        stage_workbook(buf.getvalue(), "list.xlsx")
    assert exc.value.code == "no_recognisable_sheet"


@pytest.mark.parametrize(
    ("note", "expected", "verdict"),
    [
        ("Sep 20 -26", [(date(2025, 9, 20), date(2025, 9, 26))], "ok"),
        ("LV: Jul 9-11", [(date(2025, 7, 9), date(2025, 7, 11))], "ok"),
        ("Dec 15-21", [(date(2025, 12, 15), date(2025, 12, 21))], "ok"),
        ("Dec 29 - Jan 4", [(date(2025, 12, 29), date(2026, 1, 4))], "ok"),
        ("7/24-8/6", [(date(2025, 7, 24), date(2025, 8, 6))], "ok"),
        (
            "25NOV, 2,6,9DEC",
            [(date(2025, 11, 25),) * 2, (date(2025, 12, 2),) * 2, (date(2025, 12, 6),) * 2, (date(2025, 12, 9),) * 2],
            "ok",
        ),
        ("Arpil 9 and April 18", [(date(2026, 4, 9),) * 2, (date(2026, 4, 18),) * 2], "ok"),
        ("Nov 24-26???", [(date(2025, 11, 24), date(2025, 11, 26))], "doubtful"),
        ("Leave: Last week of the rotation", [], "unreadable"),
        ("Mar ", [], "unreadable"),
    ],
)
def test_io_leave_note_parser(note, expected, verdict):
    res = parse_note(note, Y0, Y1)
    assert res.verdict == verdict
    assert res.ranges == expected


def test_io_rotation_matcher_prefers_the_residents_class():
    m = RotationMatcher()
    m.add("FMIT1", "Family Medicine Inpatient Teaching (intern)", eligible_pgy=(1,))
    m.add("FMIT2", "Family Medicine Inpatient Teaching (senior)", eligible_pgy=(2, 3))
    assert m.match("FMIT", 1).key == "FMIT1"
    assert m.match("FMIT 2", 3).key == "FMIT2"
    assert m.match("Basket weaving").status == "not_understood"
