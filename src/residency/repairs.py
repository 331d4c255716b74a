"""Repair of the published schedule around one change (a new absence, a removed person), stored as a
draft with the fewest changed assignments; shared by ``residency repair`` and
``POST /api/v1/schedule/repairs``."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from residency.runs import RunError


def repair_draft(
    db: Session,
    *,
    program_id: int,
    user_id: int | None,
    person_key: str | None = None,
    start: date | None = None,
    end: date | None = None,
    absence_id: int | None = None,
    removed: bool = False,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
    year_label: str | None = None,
) -> dict[str, Any]:
    """Repair the published schedule and store the result as a draft (flush only; the caller
    commits). Raises ``RunError`` for a bad request; a repair that cannot satisfy every hard rule
    still returns its summary, with no draft."""
    from residency.domain.program import AbsenceType
    from residency.scheduling.repair import repair
    from residency.store import audit
    from residency.store import models as m
    from residency.store import schedules as store
    from residency.store.loader import load_program

    year = store.year_of(db, program_id, year_label)
    program = load_program(db, program_id, year.label)
    absence_type = AbsenceType.SICK
    if absence_id is not None:
        row = db.get(m.Absence, absence_id)
        if row is None or row.program_id != program_id:
            raise RunError(404, "not_found", f"absence {absence_id} not found", "absence_id")
        person_key = db.get(m.Person, row.person_id).key
        start, end, absence_type = row.start_date, row.end_date, AbsenceType(row.type)
    if person_key is None:
        raise RunError(422, "invalid", "give absence_id, or person_key with dates (or removed)", "person_key")
    if (
        db.scalars(select(m.Person).where(m.Person.program_id == program_id, m.Person.key == person_key)).first()
        is None
    ):
        raise RunError(404, "not_found", f"person {person_key!r} not found", "person_key")
    if not removed and (start is None or end is None):
        raise RunError(422, "invalid", "an absence needs start and end dates", "start")
    current = store.published(db, program_id, year.id)
    if current is None:
        raise RunError(409, "no_published", "there is no published schedule to repair")
    codes = tuple(a.code for a in program.activities)
    people = tuple(p.key for p in program.people)
    loaded = store.load_schedule(db, program_id, current.id, codes, people)
    try:
        result = repair(
            program, loaded.schedule, person=person_key, start=start, end=end, removed=removed,
            absence_type=absence_type, time_limit=time_limit, seed=seed, workers=workers,
        )  # fmt: skip
    except ValueError as exc:
        raise RunError(422, "invalid", str(exc)) from exc
    out: dict[str, Any] = {"person": person_key, "published_id": current.id, **result.summary()}
    if not result.ok or result.schedule is None:
        out["schedule_id"] = None
        return out
    changed = result.schedule.grid != loaded.schedule.grid
    sources = np.where(changed | (loaded.sources == ""), "solver", loaded.sources)
    what = "removed" if removed else f"{start}..{end}"
    draft = store.save_schedule(
        db, program_id, year.id, result.schedule, name=f"repair {person_key} {what}", sources=sources,
        locked_blocks=loaded.locked_blocks,
    )  # fmt: skip
    audit.record(
        db, actor_id=user_id, program_id=program_id, entity="schedule", entity_id=draft.id, action="repair",
        after={"person": person_key, "start": str(start), "end": str(end), "removed": removed,
               "absence_id": absence_id, "changed_cells": result.changed_cells, "changed_calls": result.changed_calls},
    )  # fmt: skip
    out["schedule_id"] = draft.id
    return out


def unreflected_absences(db: Session, *, program_id: int, year_label: str | None = None) -> list[int]:
    """Ids of the approved absences the published schedule does not yet honour (the person has a
    non-leave half-day or a call inside the absence), oldest first; [] with nothing published."""
    from residency.domain.program import ActivityCategory
    from residency.store import models as m
    from residency.store import schedules as store

    year = store.year_of(db, program_id, year_label)
    current = store.published(db, program_id, year.id)
    if current is None:
        return []
    acts = list(db.scalars(select(m.Activity).where(m.Activity.program_id == program_id)))
    leave = {a.code for a in acts if a.category == ActivityCategory.LEAVE.value}
    codes = tuple(a.code for a in acts)
    key_of = {p.id: p.key for p in db.scalars(select(m.Person).where(m.Person.program_id == program_id))}
    loaded = store.load_schedule(db, program_id, current.id, codes, tuple(key_of.values()))
    sched = loaded.schedule
    code_arr = np.array([*sched.codes, ""], dtype=object)
    out = []
    absences = db.scalars(
        select(m.Absence)
        .where(m.Absence.program_id == program_id, m.Absence.status == "approved")
        .order_by(m.Absence.id)
    )
    for a in absences:
        key = key_of.get(a.person_id)
        lo, hi = max(a.start_date, sched.start), min(a.end_date, sched.end)
        if key is None or key not in sched.people or lo > hi:
            continue
        i0, i1 = (lo - sched.start).days, (hi - sched.start).days
        cells = code_arr[sched.grid[sched.row(key), i0 : i1 + 1]]
        working = any(c and c not in leave for c in cells.ravel())
        on_call = any(c.person == key and lo <= c.night <= hi for c in sched.calls)
        if working or on_call:
            out.append(a.id)
    return out


def repair_absences(
    db: Session,
    *,
    program_id: int,
    user_id: int | None,
    absence_id: int | None = None,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
) -> dict[str, Any]:
    """The defense action ``open_repair_draft``: an incremental repair (fewest changed cells, every
    hard rule kept) of the published schedule around ``absence_id``, or else around the oldest
    approved absence it does not yet honour. ``pending`` lists the other such absences (repair them
    one at a time after reviewing this draft). Flush only; the caller commits."""
    todo = unreflected_absences(db, program_id=program_id)
    if absence_id is None:
        if not todo:
            raise RunError(409, "nothing_to_repair", "the published schedule already honours every approved absence")
        absence_id = todo[0]
    out = repair_draft(
        db, program_id=program_id, user_id=user_id, absence_id=absence_id, time_limit=time_limit, seed=seed,
        workers=workers,
    )  # fmt: skip
    return {"absence_id": absence_id, "pending": [i for i in todo if i != absence_id], **out}
