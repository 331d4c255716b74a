"""The program's workbook, written back (openpyxl): a "Block Schedule" sheet and one sheet per block.

A block sheet follows the program's own layout, so the importer reads it back:
weekday names, a "Date:" row (one date every two columns: AM, PM), "Staff Call" and "Resident Call"
rows, a header row, then one row per person (residents by PGY, senior first, then faculty, then the
others): rotation(s) | class | role | name | two cells per day | tallies (clinic half-days, leave,
call, nights). Codes are coloured by kind (absence, off/weekend, holiday, inpatient, night, clinic).
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from residency.domain.calendar import Block
from residency.domain.program import PersonKind, Program
from residency.domain.schedule import Schedule
from residency.io.common import KIND_COLOURS, cell, code_kind, ordered_people, rotations_in_block

WEEKDAY_NAMES = ("MON", "TUES", "WED", "THURS", "FRI", "SAT", "SUN")
FIRST_DAY_COL = 6  # F: A rotation, B second-half rotation, C class, D role, E name
TALLIES = ("Clinic", "Leave", "Call", "Nights")
BOLD = Font(bold=True)
THIN = Side(style="thin", color="BBBBBB")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center")


def _fill(colour: str) -> PatternFill:
    return PatternFill("solid", start_color="FF" + colour, end_color="FF" + colour)


FILLS = {k: _fill(v) for k, v in KIND_COLOURS.items()}


def _span(block: Block) -> str:
    return f"{block.start.day} {block.start:%b %Y} - {block.end.day} {block.end:%b %Y}"


def _note(start: date, end: date) -> str:
    if start == end:
        return f"{start:%b} {start.day}"
    if start.month == end.month:
        return f"{start:%b} {start.day}-{end.day}"
    return f"{start:%b} {start.day} - {end:%b} {end.day}"


def write_block_schedule(wb: Workbook, program: Program, schedule: Schedule) -> None:
    ws = wb.create_sheet("Block Schedule")
    year = program.year
    rot_names = {r.abbreviation: r.name for r in program.rotations}
    ws["A1"], ws["A2"] = "Start", "End"
    ws.column_dimensions["A"].width = 24
    for i, b in enumerate(year.blocks):
        col = 2 + 2 * i
        ws.cell(1, col, f"block {b.number}").font = BOLD
        ws.cell(2, col, _span(b))
        ws.merge_cells(start_row=1, start_column=col, end_row=1, end_column=col + 1)
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + 1)
        ws.column_dimensions[get_column_letter(col)].width = 11
        ws.column_dimensions[get_column_letter(col + 1)].width = 11
    residents = [p for p in ordered_people(program, year.start) if p.kind == PersonKind.RESIDENT]
    row = 4
    pgy_now = None
    for p in sorted(residents, key=lambda p: ((p.pgy_on(year.start) or 99), p.name)):
        pgy = p.pgy_on(year.start)
        if pgy != pgy_now:
            ws.cell(row, 2, f"PGY{pgy} Rotations" if pgy else "Residents").font = BOLD
            pgy_now, row = pgy, row + 1
        ws.cell(row, 1, p.name).font = BOLD
        notes: dict[int, list[str]] = {}
        for a in program.absences:
            if a.person == p.key and a.status.value in ("approved", "requested"):
                blk = year.block_of(a.start) or year.blocks[-1]
                text = _note(a.start, a.end)
                notes.setdefault(blk.number, []).append(text if a.type.value != "tdy" else f"TDY {text}")
        for i, b in enumerate(year.blocks):
            col = 2 + 2 * i
            first, second = rotations_in_block(schedule, p.key, b.number)
            for c, abbr in ((col, first), (col + 1, second)):
                if abbr:
                    cl = ws.cell(row, c, abbr)
                    cl.comment = Comment(rot_names.get(abbr, abbr), "residency")
                    cl.alignment = CENTER
            if first and not second:
                ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + 1)
            if b.number in notes:
                ws.cell(row + 1, col, ", ".join(notes[b.number]))
        row += 2
    ws.freeze_panes = "B3"


def write_block_sheet(
    wb: Workbook, program: Program, schedule: Schedule, block: Block, people: list[str] | None = None
):
    ws = wb.create_sheet(f"Block {block.number}")
    acts = {a.code: a for a in program.activities}
    names = {p.key: p.name for p in program.people}
    days = list(block.dates())
    d0 = schedule.day_index(block.start)
    last_day_col = FIRST_DAY_COL + 2 * len(days) - 1
    ws["E1"] = f"Block {block.number}"
    ws["E1"].font = BOLD
    ws["C1"] = block.number
    ws["E2"], ws["E3"], ws["E4"] = "Date:", "Staff Call", "Resident Call"
    for r in (2, 3, 4):
        ws.cell(r, 5).font = BOLD
    faculty_keys = {p.key for p in program.people if p.kind == PersonKind.FACULTY}
    calls_by_night: dict[tuple[date, bool], list[str]] = {}
    for c in schedule.calls:
        if block.start <= c.night <= block.end:
            calls_by_night.setdefault((c.night, c.person in faculty_keys), []).append(names.get(c.person, c.person))
    for i, day in enumerate(days):
        col = FIRST_DAY_COL + 2 * i
        ws.cell(1, col, WEEKDAY_NAMES[day.weekday()]).alignment = CENTER
        dc = ws.cell(2, col, day)
        dc.number_format = "d-mmm"
        dc.alignment = CENTER
        for r, fac in ((3, True), (4, False)):
            who = calls_by_night.get((day, fac))
            if who:
                ws.cell(r, col, " / ".join(sorted(who))).alignment = CENTER
        for r in (1, 2, 3, 4):
            ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + 1)
        ws.column_dimensions[get_column_letter(col)].width = 6
        ws.column_dimensions[get_column_letter(col + 1)].width = 6
    header = 5
    for c, label in enumerate(("ROTATION", "2ND HALF", "CLASS", "ROLE", "PROVIDER"), start=1):
        ws.cell(header, c, label).font = BOLD
    for i in range(len(days)):
        ws.cell(header, FIRST_DAY_COL + 2 * i, "AM").alignment = CENTER
        ws.cell(header, FIRST_DAY_COL + 2 * i + 1, "PM").alignment = CENTER
    tally_col = last_day_col + 2
    for k, label in enumerate(TALLIES):
        ws.cell(header, tally_col + k, label).font = BOLD
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["E"].width = 22
    wanted = set(people) if people else None
    calls_per_person = Counter(c.person for c in schedule.calls if block.start <= c.night <= block.end)
    row = header + 1
    for p in ordered_people(program, block.start):
        if wanted is not None and p.key not in wanted:
            continue
        r_idx = schedule.row(p.key)
        if p.kind == PersonKind.RESIDENT:
            pgy = p.pgy_on(block.start)
            klass, role = (f"R{pgy}", f"PGY {pgy}") if pgy else ("R", "PGY")
            first, second = rotations_in_block(schedule, p.key, block.number)
            if first:
                ws.cell(row, 1, first)
            if second:
                ws.cell(row, 2, second)
        elif p.kind == PersonKind.FACULTY:
            klass, role = "FAC", (p.faculty_role.value if p.faculty_role else "core")
        else:
            klass, role = p.kind.value.upper(), p.kind.value
        ws.cell(row, 3, klass)
        ws.cell(row, 4, role)
        ws.cell(row, 5, p.name).font = BOLD
        kinds = Counter()
        for i in range(len(days)):
            for h in (0, 1):
                code = cell(schedule, r_idx, d0 + i, h)
                if code is None:
                    continue
                cl = ws.cell(row, FIRST_DAY_COL + 2 * i + h, code)
                cl.alignment = CENTER
                cl.border = BOX
                act = acts.get(code)
                kind = code_kind(act) if act else "other"
                kinds[kind] += 1
                if kind != "other":
                    cl.fill = FILLS[kind]
        for k, value in enumerate((kinds["clinic"], kinds["absence"], calls_per_person[p.key], kinds["night"])):
            ws.cell(row, tally_col + k, value)
        row += 1
    ws.freeze_panes = ws.cell(header + 1, FIRST_DAY_COL)
    # a legend under the grid
    row += 1
    ws.cell(row, 5, "Legend").font = BOLD
    for k, (kind, _colour) in enumerate(KIND_COLOURS.items()):
        cl = ws.cell(row + 1 + k, 5, kind)
        cl.fill = FILLS[kind]
    return ws


def export_xlsx(program: Program, schedule: Schedule, *, block: int | None = None, person: str | None = None) -> bytes:
    """The workbook as bytes: the Block Schedule sheet and every block's sheet (or only ``block``)."""
    wb = Workbook()
    wb.remove(wb.active)
    write_block_schedule(wb, program, schedule)
    blocks = [b for b in program.year.blocks if block is None or b.number == block]
    if block is not None and not blocks:
        raise ValueError(f"block {block} not found")
    for b in blocks:
        write_block_sheet(wb, program, schedule, b, [person] if person else None)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
