"""Schedules in the database ↔ the domain Schedule; drafts, publishing and diffs.

A schedule version is a ``schedules`` row with its block, half-day and call assignment rows. Drafts
come from runs (or hand edits); publishing a draft archives the previous published version in the
same transaction, so no published work is ever deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from residency.domain.program import BlockAssignment as DomainBlockAssignment
from residency.domain.schedule import UNFILLED, CallAssignment, Schedule
from residency.store import models as m
from residency.store.enums import ScheduleStatus

HALVES = ("AM", "PM")


class ScheduleError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Maps:
    """Database ids ↔ domain keys for one program."""

    person_id: dict[str, int]
    person_key: dict[int, str]
    activity_id: dict[str, int]
    activity_code: dict[int, str]
    rotation_id: dict[str, int]
    rotation_abbr: dict[int, str]
    block_id: dict[int, int]
    block_number: dict[int, int]
    pool_id: dict[str, int]
    pool_name: dict[int, str]


def maps(db: Session, program_id: int, year_id: int) -> Maps:
    def pairs(model, key):
        return [(getattr(r, key), r.id) for r in db.scalars(select(model).where(model.program_id == program_id))]

    people, acts = pairs(m.Person, "key"), pairs(m.Activity, "code")
    rots = pairs(m.Rotation, "abbreviation")
    blocks = [(b.number, b.id) for b in db.scalars(select(m.Block).where(m.Block.academic_year_id == year_id))]
    pools = pairs(m.CallPool, "name")
    return Maps(
        dict(people),
        {i: k for k, i in people},
        dict(acts),
        {i: k for k, i in acts},
        {k: i for k, i in sorted(rots, key=lambda p: p[1])},
        {i: k for k, i in rots},
        dict(blocks),
        {i: k for k, i in blocks},
        dict(pools),
        {i: k for k, i in pools},
    )


def year_of(db: Session, program_id: int, label: str | None = None) -> m.AcademicYear:
    query = select(m.AcademicYear).where(m.AcademicYear.program_id == program_id)
    if label:
        query = query.where(m.AcademicYear.label == label)
    year = db.scalars(query.order_by(m.AcademicYear.start_date.desc())).first()
    if year is None:
        raise ScheduleError("not_found", "the program has no academic year")
    return year


def published(db: Session, program_id: int, year_id: int) -> m.Schedule | None:
    return db.scalars(
        select(m.Schedule)
        .where(
            m.Schedule.program_id == program_id,
            m.Schedule.academic_year_id == year_id,
            m.Schedule.status == ScheduleStatus.PUBLISHED,
        )
        .order_by(m.Schedule.id.desc())
    ).first()


def save_schedule(
    db: Session,
    program_id: int,
    year_id: int,
    schedule: Schedule,
    *,
    status: str = "draft",
    run_id: int | None = None,
    name: str = "",
    source: str = "solver",
    sources: np.ndarray | None = None,
    locked_blocks: tuple[DomainBlockAssignment, ...] = (),
) -> m.Schedule:
    """Insert a schedule version with all its assignments (flush only; the caller commits).

    ``sources`` (same shape as the grid, strings) overrides ``source`` per cell, so that kept manual
    cells stay marked manual in a generated draft."""
    ids = maps(db, program_id, year_id)
    row = m.Schedule(
        program_id=program_id,
        academic_year_id=year_id,
        status=status,
        run_id=run_id,
        name=name,
        published_at=datetime.now(UTC) if status == ScheduleStatus.PUBLISHED else None,
    )
    db.add(row)
    db.flush()
    locked = schedule.locked
    cells = []
    filled = np.argwhere(schedule.grid != UNFILLED)
    for p, d, h in filled:
        person, day = schedule.people[p], schedule.start.toordinal() + int(d)
        cells.append(
            {
                "program_id": program_id,
                "schedule_id": row.id,
                "person_id": ids.person_id[person],
                "day": date.fromordinal(day),
                "half": HALVES[h],
                "activity_id": ids.activity_id[schedule.codes[schedule.grid[p, d, h]]],
                "source": str(sources[p, d, h]) if sources is not None else source,
                "locked": bool(locked[p, d, h]) if locked is not None else False,
                "version": 1,
            }
        )
    for chunk in range(0, len(cells), 5000):
        db.execute(insert(m.HalfDayAssignment), cells[chunk : chunk + 5000])
    blocks = [
        {
            "program_id": program_id,
            "schedule_id": row.id,
            "person_id": ids.person_id[b.person],
            "block_id": ids.block_id[b.block],
            "rotation_id": ids.rotation_id[b.rotation],
            "part": b.part,
            "source": source,
            "locked": b in locked_blocks,
            "version": 1,
        }
        for b in schedule.block_assignments
    ]
    if blocks:
        db.execute(insert(m.BlockAssignment), blocks)
    calls = [
        {
            "program_id": program_id,
            "schedule_id": row.id,
            "person_id": ids.person_id[c.person],
            "call_pool_id": ids.pool_id[c.pool],
            "night": c.night,
            "source": source,
            "locked": False,
            "version": 1,
        }
        for c in schedule.calls
    ]
    if calls:
        db.execute(insert(m.CallAssignment), calls)
    db.flush()
    return row


@dataclass
class Loaded:
    schedule: Schedule
    sources: np.ndarray  # source of every cell ("" where unfilled)
    locked_blocks: tuple[DomainBlockAssignment, ...]


def load_schedule(
    db: Session, program_id: int, schedule_id: int, codes: tuple[str, ...], people: tuple[str, ...]
) -> Loaded:
    row = db.get(m.Schedule, schedule_id)
    if row is None or row.program_id != program_id:
        raise ScheduleError("not_found", f"schedule {schedule_id} not found")
    year = db.get(m.AcademicYear, row.academic_year_id)
    ids = maps(db, program_id, year.id)
    days = (year.end_date - year.start_date).days + 1
    grid = np.full((len(people), days, 2), UNFILLED, dtype=np.int16)
    locked = np.zeros(grid.shape, dtype=bool)
    sources = np.full(grid.shape, "", dtype=object)
    row_of = {k: i for i, k in enumerate(people)}
    code_of = {c: i for i, c in enumerate(codes)}
    query = select(
        m.HalfDayAssignment.person_id,
        m.HalfDayAssignment.day,
        m.HalfDayAssignment.half,
        m.HalfDayAssignment.activity_id,
        m.HalfDayAssignment.locked,
        m.HalfDayAssignment.source,
    ).where(m.HalfDayAssignment.schedule_id == schedule_id)
    for person_id, day, half, activity_id, is_locked, source in db.execute(query):
        key = ids.person_key[person_id]
        if key not in row_of:
            continue
        p, d, h = row_of[key], (day - year.start_date).days, HALVES.index(half)
        if 0 <= d < days:
            grid[p, d, h] = code_of[ids.activity_code[activity_id]]
            locked[p, d, h] = is_locked
            sources[p, d, h] = source
    block_rows = db.scalars(select(m.BlockAssignment).where(m.BlockAssignment.schedule_id == schedule_id)).all()
    blocks = tuple(
        DomainBlockAssignment(
            ids.person_key[b.person_id], ids.block_number[b.block_id], ids.rotation_abbr[b.rotation_id], b.part
        )
        for b in block_rows
    )
    calls = tuple(
        CallAssignment(ids.person_key[c.person_id], c.night, ids.pool_name[c.call_pool_id])
        for c in db.scalars(select(m.CallAssignment).where(m.CallAssignment.schedule_id == schedule_id))
    )
    schedule = Schedule(year.start_date, days, people, codes, grid, blocks, calls, locked)
    locked_blocks = tuple(b for b, r in zip(blocks, block_rows, strict=True) if r.locked)
    return Loaded(schedule, sources, locked_blocks)


def publish(
    db: Session, program_id: int, schedule_id: int, allowed: tuple[str, ...] = (ScheduleStatus.DRAFT.value,)
) -> m.Schedule:
    """Make a draft (or, where allowed, a fallback or an archived version) the published schedule; the
    previous one is archived, not deleted (flush only)."""
    row = db.scalars(select(m.Schedule).where(m.Schedule.id == schedule_id).with_for_update()).first()
    if row is None or row.program_id != program_id:
        raise ScheduleError("not_found", f"schedule {schedule_id} not found")
    if row.status not in allowed:
        raise ScheduleError("invalid_transition", f"schedule {schedule_id} is {row.status}, not {' or '.join(allowed)}")
    db.execute(
        update(m.Schedule)
        .where(
            m.Schedule.program_id == program_id,
            m.Schedule.academic_year_id == row.academic_year_id,
            m.Schedule.status == ScheduleStatus.PUBLISHED,
        )
        .values(status=ScheduleStatus.ARCHIVED.value, version=m.Schedule.version + 1)
    )
    row.status = ScheduleStatus.PUBLISHED.value
    row.published_at = datetime.now(UTC)
    db.flush()
    return row


@dataclass(frozen=True)
class CellChange:
    person: str
    day: date
    half: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Diff:
    cells: tuple[CellChange, ...]
    blocks_added: tuple[DomainBlockAssignment, ...]
    blocks_removed: tuple[DomainBlockAssignment, ...]
    calls_added: tuple[CallAssignment, ...]
    calls_removed: tuple[CallAssignment, ...]

    def summary(self) -> dict[str, int]:
        return {
            "cells_changed": len(self.cells),
            "people_changed": len({c.person for c in self.cells}),
            "blocks_added": len(self.blocks_added),
            "blocks_removed": len(self.blocks_removed),
            "calls_added": len(self.calls_added),
            "calls_removed": len(self.calls_removed),
        }


def diff(before: Schedule | None, after: Schedule) -> Diff:
    """What ``after`` changes relative to ``before`` (None = nothing published yet)."""
    if before is None:
        before = Schedule(
            after.start, after.days, after.people, after.codes, np.full(after.grid.shape, UNFILLED, dtype=np.int16)
        )
    if before.codes != after.codes or before.people != after.people or before.start != after.start:
        raise ScheduleError("incomparable", "schedules of different programs or years cannot be compared")
    changed = np.argwhere(before.grid != after.grid)
    cells = []
    for p, d, h in changed:
        b, a = int(before.grid[p, d, h]), int(after.grid[p, d, h])
        cells.append(
            CellChange(
                after.people[p],
                date.fromordinal(after.start.toordinal() + int(d)),
                HALVES[h],
                None if b == UNFILLED else after.codes[b],
                None if a == UNFILLED else after.codes[a],
            )
        )
    bb, ab = set(before.block_assignments), set(after.block_assignments)
    bc, ac = set(before.calls), set(after.calls)
    return Diff(
        tuple(cells),
        tuple(sorted(ab - bb, key=str)),
        tuple(sorted(bb - ab, key=str)),
        tuple(sorted(ac - bc, key=str)),
        tuple(sorted(bc - ac, key=str)),
    )
