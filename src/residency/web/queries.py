"""Read models for the pages. They only select and arrange stored data, or call the shared use cases
(``residency.views``, ``residency.runs``, the compliance engine); no scheduling or ACGME rule lives here.

The block grid reads one block's rows straight from the database instead of loading the whole
Program, so that the page for the ``large`` program stays far under its 300 ms budget."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from residency.store import models as m
from residency.store import schedules as store
from residency.store.enums import ScheduleStatus

WEEKLY_LIMIT_HOURS = 80  # ACGME CPR VI.F.1, averaged over four weeks
HALVES = ("AM", "PM")


class NotFound(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def schedule_row(db: Session, program_id: int, schedule_id: int | None, *, drafts_allowed: bool) -> m.Schedule:
    if schedule_id is None:
        year = store.year_of(db, program_id)
        row = store.published(db, program_id, year.id)
        if row is None:
            raise NotFound("nothing is published yet")
        return row
    row = db.get(m.Schedule, schedule_id)
    if row is None or row.program_id != program_id:
        raise NotFound(f"schedule {schedule_id} not found")
    if row.status != ScheduleStatus.PUBLISHED and not drafts_allowed:
        raise NotFound(f"schedule {schedule_id} not found")
    return row


def blocks_of(db: Session, year_id: int) -> list[m.Block]:
    return list(db.scalars(select(m.Block).where(m.Block.academic_year_id == year_id).order_by(m.Block.number)))


def block_of_day(blocks: list[m.Block], day: date) -> int | None:
    for b in blocks:
        if b.start_date <= day <= b.end_date:
            return b.number
    return None


@dataclass
class PersonRow:
    id: int
    key: str
    name: str
    kind: str
    pgy: int | None
    rotation: str = ""
    cells: list[tuple[str, str]] = field(default_factory=list)  # per half-day: (code, category)


def _people(db: Session, program_id: int, year_id: int, person_ids: list[int] | None = None) -> list[PersonRow]:
    query = select(m.Person.id, m.Person.key, m.Person.name, m.Person.kind).where(m.Person.program_id == program_id)
    if person_ids is not None:
        query = query.where(m.Person.id.in_(person_ids))
    pgy = dict(
        db.execute(
            select(m.PgyLevel.person_id, m.PgyLevel.pgy).where(
                m.PgyLevel.program_id == program_id, m.PgyLevel.academic_year_id == year_id
            )
        ).all()
    )
    rows = [PersonRow(pid, key, name, kind, pgy.get(pid)) for pid, key, name, kind in db.execute(query)]
    order = {"resident": 0, "other_learner": 1, "faculty": 2, "staff": 3}
    rows.sort(key=lambda r: (order.get(r.kind, 9), r.pgy or 0, r.name, r.id))
    return rows


def activities(db: Session, program_id: int) -> dict[int, m.Activity]:
    return {a.id: a for a in db.scalars(select(m.Activity).where(m.Activity.program_id == program_id))}


def grid(
    db: Session,
    program_id: int,
    sched: m.Schedule,
    first: date,
    last: date,
    person_ids: list[int] | None = None,
) -> dict[str, Any]:
    """People x half-days (with call rows on top) of one schedule between two days."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    people = _people(db, program_id, sched.academic_year_id, person_ids)
    acts = activities(db, program_id)
    index = {p.id: i for i, p in enumerate(people)}
    n = len(days) * 2
    for p in people:
        p.cells = [("", "")] * n
    q = select(m.HalfDayAssignment.person_id, m.HalfDayAssignment.day, m.HalfDayAssignment.half,
               m.HalfDayAssignment.activity_id).where(
        m.HalfDayAssignment.schedule_id == sched.id,
        m.HalfDayAssignment.day >= first,
        m.HalfDayAssignment.day <= last,
    )  # fmt: skip
    if person_ids is not None:
        q = q.where(m.HalfDayAssignment.person_id.in_(person_ids))
    for pid, day, half, aid in db.execute(q):
        r = index.get(pid)
        if r is None:
            continue
        a = acts[aid]
        people[r].cells[(day - first).days * 2 + (0 if half == "AM" else 1)] = (a.code, a.category)
    pools = {p.id: p for p in db.scalars(select(m.CallPool).where(m.CallPool.program_id == program_id))}
    names = {p.id: p for p in people}
    if person_ids is not None:  # call rows name people outside the filtered rows too
        names.update({p.id: p for p in _people(db, program_id, sched.academic_year_id)})
    call_rows: dict[int, list[list[str]]] = {}
    cq = select(m.CallAssignment.call_pool_id, m.CallAssignment.night, m.CallAssignment.person_id).where(
        m.CallAssignment.schedule_id == sched.id, m.CallAssignment.night >= first, m.CallAssignment.night <= last
    )
    mine: list[tuple[date, str]] = []
    for pool_id, night, pid in db.execute(cq.order_by(m.CallAssignment.night)):
        row = call_rows.setdefault(pool_id, [[] for _ in days])
        person = names.get(pid)
        row[(night - first).days].append(short_name(person.name) if person else "?")
        if person_ids is not None and pid in person_ids:
            mine.append((night, pools[pool_id].name))
    calls = [
        {"pool": pools[pid].name, "staff": pools[pid].includes_faculty, "nights": nights}
        for pid, nights in sorted(
            call_rows.items(), key=lambda kv: (not pools[kv[0]].includes_faculty, pools[kv[0]].name)
        )
    ]
    return {"days": days, "people": people, "calls": calls, "my_calls": mine}


def block_rotations(db: Session, sched: m.Schedule, block_id: int | None = None) -> dict[int, dict[int, str]]:
    """person id -> block number -> rotation label ("FMC1", or "FMIT/NF" when split)."""
    q = (
        select(m.BlockAssignment.person_id, m.Block.number, m.Rotation.abbreviation, m.BlockAssignment.part)
        .join(m.Block, m.Block.id == m.BlockAssignment.block_id)
        .join(m.Rotation, m.Rotation.id == m.BlockAssignment.rotation_id)
        .where(m.BlockAssignment.schedule_id == sched.id)
    )
    if block_id is not None:
        q = q.where(m.BlockAssignment.block_id == block_id)
    out: dict[int, dict[int, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for pid, number, abbr, part in db.execute(q):
        out[pid][number].append((part, abbr))
    order = {"whole": 0, "first_half": 1, "second_half": 2}
    return {
        pid: {n: "/".join(a for _, a in sorted(parts, key=lambda x: order.get(x[0], 9))) for n, parts in by.items()}
        for pid, by in out.items()
    }


def short_name(name: str) -> str:
    parts = name.split()
    return parts[-1] if parts else name


def block_grid(db: Session, program_id: int, sched: m.Schedule, number: int) -> dict[str, Any]:
    blocks = blocks_of(db, sched.academic_year_id)
    block = next((b for b in blocks if b.number == number), None)
    if block is None:
        raise NotFound(f"block {number} not found")
    data = grid(db, program_id, sched, block.start_date, block.end_date)
    rotations = block_rotations(db, sched, block.id)
    for p in data["people"]:
        p.rotation = rotations.get(p.id, {}).get(number, "")
    return {"block": block, "blocks": blocks, **data}


def year_view(db: Session, program_id: int, sched: m.Schedule) -> dict[str, Any]:
    blocks = blocks_of(db, sched.academic_year_id)
    people = _people(db, program_id, sched.academic_year_id)
    rotations = block_rotations(db, sched)
    rows = [
        {"person": p, "blocks": [rotations.get(p.id, {}).get(b.number, "") for b in blocks]}
        for p in people
        if p.kind in ("resident", "other_learner") or p.id in rotations
    ]
    return {"blocks": blocks, "rows": rows}


def changed_cells(db: Session, before: m.Schedule | None, after: m.Schedule, first: date, last: date) -> dict:
    """(person id, day, half) -> code before, for every cell the draft changes in [first, last]."""

    def cells(sched: m.Schedule | None) -> dict[tuple[int, date, str], int]:
        if sched is None:
            return {}
        q = select(m.HalfDayAssignment.person_id, m.HalfDayAssignment.day, m.HalfDayAssignment.half,
                   m.HalfDayAssignment.activity_id).where(
            m.HalfDayAssignment.schedule_id == sched.id,
            m.HalfDayAssignment.day >= first,
            m.HalfDayAssignment.day <= last,
        )  # fmt: skip
        return {(p, d, h): a for p, d, h, a in db.execute(q)}

    old, new = cells(before), cells(after)
    acts = activities(db, after.program_id)
    out = {}
    for key in old.keys() | new.keys():
        if old.get(key) != new.get(key):
            out[key] = acts[old[key]].code if key in old else ""
    return out


def hours(periods, first: date, days: int) -> float:
    """Counted duty hours of the given duty periods that fall in [first, first + days)."""
    from datetime import datetime

    if not periods:
        return 0.0
    tz = periods[0].start.tzinfo
    lo = datetime(first.year, first.month, first.day, tzinfo=tz)
    hi = lo + timedelta(days=days)
    minutes = 0.0
    for p in periods:
        if not p.counted:
            continue
        s, e = max(p.start, lo), min(p.end, hi)
        if e > s:
            minutes += (e - s).total_seconds() / 60
    return round(minutes / 60, 1)
