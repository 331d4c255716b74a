"""Read-side use cases over stored schedules: the published (or a draft) schedule as a domain object,
its compliance report, a proposed change's findings, grids, one person's year and who is on call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from residency.compliance.config import EngineConfig
from residency.compliance.engine import check, evaluate
from residency.compliance.findings import Report, ReportDiff
from residency.compliance.of_schedule import config_for
from residency.domain.calendar import HalfDay
from residency.domain.duty_periods import derive
from residency.domain.program import Program
from residency.domain.schedule import CallAssignment, Schedule
from residency.store import models as m
from residency.store import schedules as store
from residency.store.enums import ScheduleStatus
from residency.store.loader import load_program


class ViewError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


@dataclass
class Current:
    program: Program
    schedule: Schedule
    row: m.Schedule
    sources: Any


def current(db: Session, program_id: int, schedule_id: int | None = None, *, drafts_allowed: bool = True) -> Current:
    """The schedule a request reads: the given one, else the published one."""
    if schedule_id is None:
        year = store.year_of(db, program_id)
        row = store.published(db, program_id, year.id)
        if row is None:
            raise ViewError(404, "no_published_schedule", "nothing is published yet", "schedule_id")
    else:
        row = db.get(m.Schedule, schedule_id)
        if row is None or row.program_id != program_id:
            raise ViewError(404, "not_found", f"schedule {schedule_id} not found", "schedule_id")
        if row.status != ScheduleStatus.PUBLISHED and not drafts_allowed:
            raise ViewError(404, "not_found", f"schedule {schedule_id} not found", "schedule_id")
    year = db.get(m.AcademicYear, row.academic_year_id)
    program = load_program(db, program_id, year.label)
    codes = tuple(a.code for a in program.activities)
    people = tuple(p.key for p in program.people)
    loaded = store.load_schedule(db, program_id, row.id, codes, people)
    return Current(program, loaded.schedule, row, loaded.sources)


def compliance_report(
    cur: Current, *, mode: str = "acgme", start: date | None = None, end: date | None = None, person: str | None = None
) -> Report:
    data = derive(cur.program, cur.schedule)
    config = config_for(cur.program, data, mode)
    periods = [p for p in data.periods if person is None or p.person_id == person]
    year = cur.program.year
    start, end = start or year.start, end or year.end
    if end < start:
        raise ViewError(422, "validation_error", "to must not be before from", "to")
    return evaluate(periods, config, start, end)


@dataclass(frozen=True)
class CellEdit:
    person: str
    day: date
    half: HalfDay
    code: str | None  # None removes the cell's activity


@dataclass(frozen=True)
class CallEdit:
    person: str
    night: date
    pool: str
    add: bool


def apply_edits(program: Program, schedule: Schedule, cells: list[CellEdit], calls: list[CallEdit]) -> Schedule:
    after = schedule.copy()
    for edit in cells:
        if edit.person not in after.people:
            raise ViewError(422, "invalid_reference", f"unknown person {edit.person}", "person_id")
        try:
            if edit.code is None:
                after.grid[after.row(edit.person), after.day_index(edit.day), 0 if edit.half == HalfDay.AM else 1] = -1
            else:
                after.set(edit.person, edit.day, edit.half, edit.code)
        except KeyError as exc:
            raise ViewError(422, "invalid_reference", f"unknown activity code {edit.code}", "activity") from exc
        except IndexError as exc:
            raise ViewError(422, "validation_error", str(exc), "day") from exc
    call_set = list(after.calls)
    pools = {p.name for p in program.call_pools}
    for edit in calls:
        if edit.pool not in pools:
            raise ViewError(422, "invalid_reference", f"unknown call pool {edit.pool}", "pool")
        item = CallAssignment(edit.person, edit.night, edit.pool)
        if edit.add and item not in call_set:
            call_set.append(item)
        elif not edit.add and item in call_set:
            call_set.remove(item)
    after.calls = tuple(call_set)
    return after


def check_change(cur: Current, after: Schedule, mode: str = "acgme") -> ReportDiff:
    """Findings the change creates or clears, evaluated only for the people it touches."""
    before_data, after_data = derive(cur.program, cur.schedule), derive(cur.program, after)
    config: EngineConfig = config_for(cur.program, after_data, mode)
    year = cur.program.year
    return check(before_data.periods, after_data.periods, config, year.start, year.end)


def grid_view(cur: Current, first: date, last: date, people: list[str] | None = None) -> dict[str, Any]:
    s = cur.schedule
    first, last = max(first, s.start), min(last, s.end)
    d0, d1 = s.day_index(first), s.day_index(last)
    names = {p.key: p for p in cur.program.people}
    keys = people or list(s.people)
    rows = []
    for key in keys:
        r = s.row(key)
        person = names[key]
        cells = [[_code(s, r, d, h) for h in (0, 1)] for d in range(d0, d1 + 1)]
        rows.append(
            {"person": key, "name": person.name, "kind": person.kind.value, "pgy": person.pgy_on(first), "cells": cells}
        )
    days = [(first + timedelta(days=i)).isoformat() for i in range(d1 - d0 + 1)]
    calls = [
        {"night": c.night.isoformat(), "person": c.person, "pool": c.pool}
        for c in s.calls
        if first <= c.night <= last and (people is None or c.person in keys)
    ]
    return {
        "schedule_id": cur.row.id,
        "status": cur.row.status,
        "days": days,
        "rows": rows,
        "calls": sorted(calls, key=lambda c: (c["night"], c["pool"])),
    }


def _code(s: Schedule, r: int, d: int, h: int) -> str | None:
    v = int(s.grid[r, d, h])
    return None if v == -1 else s.codes[v]


def on_call(cur: Current, night: date) -> list[dict[str, Any]]:
    names = {p.key: p.name for p in cur.program.people}
    return [
        {"person": c.person, "name": names.get(c.person, ""), "pool": c.pool, "night": c.night.isoformat()}
        for c in sorted(cur.schedule.calls, key=lambda c: (c.pool, c.person))
        if c.night == night
    ]
