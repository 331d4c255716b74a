"""Use cases shared by the CLI and the API (thin functions over the store)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from residency.config import Settings
from residency.store import models as m
from residency.store.db import session_scope


def bootstrap_admin(settings: Settings) -> bool:
    """Create the first administrator from INITIAL_ADMIN_* when the database has no user yet."""
    if not (settings.initial_admin_username and settings.initial_admin_password):
        return False
    from residency.api.routers.users import create_user

    with session_scope(settings.database_url) as db:
        if db.scalar(select(func.count(m.User.id))):
            return False
        create_user(
            db,
            actor_id=None,
            username=settings.initial_admin_username,
            password=settings.initial_admin_password,
            role="admin",
        )
    return True


@dataclass(frozen=True)
class ProgramSummary:
    program_id: int
    name: str
    year: str
    blocks: int
    residents_by_pgy: dict[int, int]
    faculty: int
    rotations: int
    activities: int
    call_pools: int
    absences: dict[str, int]


def summarise(db: Session, program_id: int) -> ProgramSummary:
    from residency.store.loader import load_program

    program = load_program(db, program_id)
    by_pgy: dict[int, int] = {}
    for person in program.residents():
        level = person.pgy_on(program.year.start) or 0
        by_pgy[level] = by_pgy.get(level, 0) + 1
    absences: dict[str, int] = {}
    for a in program.absences:
        absences[a.status.value] = absences.get(a.status.value, 0) + 1
    return ProgramSummary(
        program_id,
        program.name,
        program.year.label,
        len(program.year.blocks),
        dict(sorted(by_pgy.items())),
        len(program.faculty()),
        len(program.rotations),
        len(program.activities),
        len(program.call_pools),
        absences,
    )


def store_program(db: Session, program, slug: str) -> m.Program:
    """Store a whole Program; its pre-assignments (e.g. interns on orientation in block 1) become the
    locked rotations of an initial published schedule, which every generation run keeps."""
    from residency.domain.schedule import Schedule
    from residency.store import schedules as store
    from residency.store.writer import save_program

    row = save_program(db, program, slug)
    if program.block_assignments:
        year = store.year_of(db, row.id, program.year.label)
        initial = Schedule.empty(program)
        initial.block_assignments = program.block_assignments
        store.save_schedule(
            db,
            row.id,
            year.id,
            initial,
            status="published",
            name="pre-assignments",
            source="manual",
            locked_blocks=program.block_assignments,
        )
    return row
