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
