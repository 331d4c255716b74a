"""Write a staged import in one transaction. What the program already has is kept; only what is new
is added, so re-importing the same file changes nothing.

The imported grid, block assignments and calls become a draft schedule named "Import: <file>",
unless the latest imported schedule of the year already holds exactly the same assignments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from residency.domain.program import PersonKind
from residency.domain.schedule import Schedule
from residency.io.workbook.staging import Staging
from residency.io.workbook.text import slug
from residency.store import models as m
from residency.store import schedules as store
from residency.store.loader import load_program
from residency.store.writer import activity_row, call_pool_row, rotation_row

IMPORT_PREFIX = "Import: "


@dataclass
class ApplyResult:
    program_id: int
    program_created: bool = False
    created: dict[str, int] = field(default_factory=dict)
    schedule_id: int | None = None
    schedule: str = "unchanged"  # created | unchanged | none

    @property
    def changed(self) -> bool:
        return self.program_created or any(self.created.values()) or self.schedule == "created"

    def to_dict(self) -> dict:
        return {
            "program_id": self.program_id,
            "program_created": self.program_created,
            "created": self.created,
            "schedule_id": self.schedule_id,
            "schedule": self.schedule,
            "changed": self.changed,
        }


def apply_staging(
    db: Session,
    st: Staging,
    *,
    program_id: int | None = None,
    slug_: str | None = None,
    name: str | None = None,
) -> ApplyResult:
    """Write ``st`` into the program (created when ``program_id`` is None). Flush only: the caller
    commits, so a failure leaves the database untouched."""
    created = {k: 0 for k in ("years", "people", "pgy_levels", "activities", "rotations", "call_pools", "absences")}
    program_created = False
    if program_id is None:
        slug_ = slug_ or slug(st.filename.rsplit(".", 1)[0])[:64]
        if db.scalars(select(m.Program).where(m.Program.slug == slug_)).first() is not None:
            raise ValueError(f"a program with slug {slug_!r} already exists")
        row = m.Program(name=name or st.filename, slug=slug_, timezone=st.year.timezone)
        db.add(row)
        db.flush()
        program_id, program_created = row.id, True
    pid = program_id

    def existing(model, attr: str) -> dict:
        return {getattr(r, attr): r for r in db.scalars(select(model).where(model.program_id == pid))}

    # academic year and blocks
    year = st.year
    year_row = db.scalars(
        select(m.AcademicYear).where(m.AcademicYear.program_id == pid, m.AcademicYear.label == year.label)
    ).first()
    if year_row is None:
        year_row = m.AcademicYear(
            program_id=pid, label=year.label, start_date=year.start, end_date=year.end, timezone=year.timezone
        )
        db.add(year_row)
        db.flush()
        for b in year.blocks:
            db.add(
                m.Block(
                    program_id=pid, academic_year_id=year_row.id, number=b.number, start_date=b.start, end_date=b.end
                )
            )
        for h in year.holidays:
            db.add(m.Holiday(program_id=pid, academic_year_id=year_row.id, day=h.day, name=h.name))
        created["years"] += 1
    # activities: a new program gets the whole catalogue the import was read against
    acts = existing(m.Activity, "code")
    for code, a in st.activities.items():
        if code in acts:
            continue
        if not st.program_is_new and code not in st.new_activities:
            continue
        db.add(activity_row(pid, a))
        created["activities"] += 1
    rots = existing(m.Rotation, "abbreviation")
    for abbr, r in st.rotations.items():
        if abbr in rots:
            continue
        db.add(rotation_row(pid, r))
        created["rotations"] += 1
    pools = existing(m.CallPool, "name")
    for pname, pool in st.call_pools.items():
        if pname in pools:
            continue
        db.add(call_pool_row(pid, pool))
        created["call_pools"] += 1
    people = existing(m.Person, "key")
    for key, p in st.people.items():
        if key in people:
            continue
        row = m.Person(
            program_id=pid,
            key=key,
            kind=p.kind.value,
            name=p.name[:200],
            email=p.email,
            faculty_role=p.faculty_role.value if p.faculty_role else None,
            fte=p.fte,
            active_from=p.active_from,
            active_to=p.active_to,
        )
        db.add(row)
        people[key] = row
        created["people"] += 1
    db.flush()
    levels = {
        lv.person_id
        for lv in db.scalars(
            select(m.PgyLevel).where(m.PgyLevel.program_id == pid, m.PgyLevel.academic_year_id == year_row.id)
        )
    }
    for key, p in st.people.items():
        if p.kind != PersonKind.RESIDENT or people[key].id in levels:
            continue
        for level in p.pgy_levels:
            if level.year_label == year.label:
                db.add(
                    m.PgyLevel(
                        program_id=pid,
                        person_id=people[key].id,
                        academic_year_id=year_row.id,
                        pgy=level.pgy,
                        promotion_date=level.promotion_date,
                    )
                )
                created["pgy_levels"] += 1
    have = {
        (a.person_id, a.start_date, a.end_date, a.type)
        for a in db.scalars(select(m.Absence).where(m.Absence.program_id == pid))
    }
    for ab in st.absences:
        sig = (people[ab.person].id, ab.start, ab.end, ab.type.value)
        if sig in have:
            continue
        have.add(sig)
        db.add(
            m.Absence(
                program_id=pid,
                person_id=people[ab.person].id,
                start_date=ab.start,
                start_half=ab.start_half.value,
                end_date=ab.end,
                end_half=ab.end_half.value,
                type=ab.type.value,
                status=ab.status.value,
                notes=ab.notes,
            )
        )
        created["absences"] += 1
    db.flush()
    result = ApplyResult(pid, program_created, created)
    if not (st.cells or st.block_assignments or st.calls):
        result.schedule = "none"
        return result
    # the schedule: the program's people and codes as stored now
    program = load_program(db, pid, year.label)
    schedule = Schedule.empty(program)
    for (key, day, half), code in st.cells.items():
        if program.year.start <= day <= program.year.end:
            schedule.set(key, day, half, code)
    rot_keys = {r.abbreviation for r in program.rotations}
    schedule.block_assignments = tuple(
        sorted({b for b in st.block_assignments if b.rotation in rot_keys}, key=lambda b: (b.person, b.block, b.part))
    )
    schedule.calls = tuple(sorted(set(st.calls), key=lambda c: (c.night, c.pool, c.person)))
    previous = db.scalars(
        select(m.Schedule)
        .where(
            m.Schedule.program_id == pid,
            m.Schedule.academic_year_id == year_row.id,
            m.Schedule.name.like(f"{IMPORT_PREFIX}%"),
        )
        .order_by(m.Schedule.id.desc())
    ).first()
    if previous is not None:
        codes = tuple(a.code for a in program.activities)
        keys = tuple(p.key for p in program.people)
        before = store.load_schedule(db, pid, previous.id, codes, keys).schedule
        if not _differs(before, schedule):
            result.schedule_id, result.schedule = previous.id, "unchanged"
            return result
    row = store.save_schedule(
        db, pid, year_row.id, schedule, status="draft", name=(IMPORT_PREFIX + st.filename)[:100], source="import"
    )
    result.schedule_id, result.schedule = row.id, "created"
    return result


def _differs(before: Schedule, after: Schedule) -> bool:
    if before.grid.shape != after.grid.shape or not np.array_equal(before.grid, after.grid):
        return True
    return set(before.block_assignments) != set(after.block_assignments) or set(before.calls) != set(after.calls)
