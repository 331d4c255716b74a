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


def _defense_event(db: Session, program_id: int, reason: str, action: dict[str, Any]) -> None:
    """Persist a defense action as an event beside the level changes (same level before and after)."""
    from residency.health_service import latest
    from residency.store import models as m

    report = latest(db, program_id)
    level = report.level if report is not None else "UNKNOWN"
    db.add(m.DefenseEvent(program_id=program_id, health_report_id=report.id if report is not None else None,
                          previous=level, level=level, reasons=[reason], actions=[action]))  # fmt: skip


def _backup_pool(db: Session, program_id: int, pool_name: str | None):
    from residency.store import models as m

    query = select(m.CallPool).where(m.CallPool.program_id == program_id)
    pools = list(db.scalars(query.order_by(m.CallPool.id)))
    if pool_name is not None:
        pool = next((p for p in pools if p.name == pool_name), None)
        if pool is None:
            raise RunError(404, "not_found", f"call pool {pool_name!r} not found", "pool")
    else:
        pool = next((p for p in pools if p.backup_keys), None)
        if pool is None:
            raise RunError(409, "no_backup_pool", "no call pool names backup people (call_pools.backup_keys)", "pool")
    if not pool.backup_keys:
        raise RunError(409, "no_backup_pool", f"call pool {pool.name!r} names no backup people", "pool")
    return pool


def activate_backup(
    db: Session,
    *,
    program_id: int,
    user_id: int | None,
    pool_name: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """The defense action ``activate_backup_call_pool``: make the pool's backup people eligible for its
    call from ``start`` to ``end`` (default: today, or the schedule's first day, for 28 days) and
    store a draft of the published schedule whose uncovered nights of that pool they fill
    (``resilience.backup.fill_with_backup``). Audited and recorded as a defense event (flush only)."""
    from datetime import timedelta

    from residency.resilience.backup import fill_with_backup
    from residency.store import audit
    from residency.store import models as m
    from residency.store import schedules as store
    from residency.store.loader import load_program

    pool = _backup_pool(db, program_id, pool_name)
    year = store.year_of(db, program_id)
    current = store.published(db, program_id, year.id)
    if current is None:
        raise RunError(409, "no_published", "there is no published schedule to fill")
    if start is None:
        today = date.today()
        start = today if year.start_date <= today <= year.end_date else year.start_date
    end = end or start + timedelta(days=27)
    if end < start:
        raise RunError(422, "invalid", "end must not be before start", "end")
    active = db.scalars(
        select(m.BackupActivation).where(
            m.BackupActivation.program_id == program_id,
            m.BackupActivation.call_pool_id == pool.id,
            m.BackupActivation.deactivated_at.is_(None),
        )
    ).first()
    if active is not None:
        raise RunError(409, "already_active", f"the backup of {pool.name!r} is active (activation {active.id})")
    row = m.BackupActivation(
        program_id=program_id, call_pool_id=pool.id, start_date=start, end_date=end, activated_by_id=user_id,
        base_schedule_id=current.id,
    )  # fmt: skip
    db.add(row)
    db.flush()
    program = load_program(db, program_id, year.label)  # the pool now carries the activated window
    codes = tuple(a.code for a in program.activities)
    people = tuple(p.key for p in program.people)
    loaded = store.load_schedule(db, program_id, current.id, codes, people)
    fill = fill_with_backup(program, loaded.schedule, pool.name, start, end)
    changed = fill.schedule.grid != loaded.schedule.grid
    sources = np.where(changed | (loaded.sources == ""), "solver", loaded.sources)
    draft = store.save_schedule(
        db, program_id, year.id, fill.schedule, name=f"backup call: {pool.name} {start}..{end}", sources=sources,
        locked_blocks=loaded.locked_blocks,
    )  # fmt: skip
    body = fill.to_dict()
    row.schedule_id, row.filled, row.unfilled = draft.id, body["filled"], body["unfilled"]
    after = {"pool": pool.name, "start": str(start), "end": str(end), "schedule_id": draft.id,
             "filled": len(fill.filled), "unfilled": len(fill.unfilled)}  # fmt: skip
    audit.record(db, actor_id=user_id, program_id=program_id, entity="backup_activation", entity_id=row.id,
                 action="activate", after=after)  # fmt: skip
    _defense_event(db, program_id, f"backup call pool activated for {pool.name} {start}..{end}",
                   {"kind": "activate_backup_call_pool", "activation_id": row.id, **after})  # fmt: skip
    db.flush()
    return {"activation_id": row.id, "schedule_id": draft.id, "published_id": current.id,
            "changed_cells": int(changed.sum()), **body}  # fmt: skip


def deactivate_backup(
    db: Session, *, program_id: int, user_id: int | None, activation_id: int | None = None, pool_name: str | None = None
) -> dict[str, Any]:
    """End a backup activation (the given one, or the active one of ``pool_name`` or of any pool): the
    backup people are no longer eligible, its draft is archived if still unpublished; if it was
    published, a draft of the published schedule with the backup calls of the window taken out (their
    cells as before the activation) is stored to review. Audited and recorded (flush only)."""
    from datetime import UTC, datetime

    from residency.store import audit
    from residency.store import models as m
    from residency.store import schedules as store
    from residency.store.loader import load_program

    query = select(m.BackupActivation).where(
        m.BackupActivation.program_id == program_id, m.BackupActivation.deactivated_at.is_(None)
    )
    if activation_id is not None:
        query = query.where(m.BackupActivation.id == activation_id)
    elif pool_name is not None:
        query = query.join(m.CallPool, m.CallPool.id == m.BackupActivation.call_pool_id).where(
            m.CallPool.name == pool_name
        )
    row = db.scalars(query.order_by(m.BackupActivation.id.desc())).first()
    if row is None:
        raise RunError(404, "not_found", "no active backup activation to end", "activation_id")
    pool = db.get(m.CallPool, row.call_pool_id)
    row.deactivated_at, row.deactivated_by_id = datetime.now(UTC), user_id
    out: dict[str, Any] = {"activation_id": row.id, "pool": pool.name, "archived_draft": None, "schedule_id": None}
    draft = db.get(m.Schedule, row.schedule_id) if row.schedule_id else None
    if draft is not None and draft.status == "draft":
        draft.status = "archived"
        out["archived_draft"] = draft.id
    elif draft is not None and draft.status == "published":
        year = db.get(m.AcademicYear, draft.academic_year_id)
        program = load_program(db, program_id, year.label)
        codes = tuple(a.code for a in program.activities)
        people = tuple(p.key for p in program.people)
        now = store.load_schedule(db, program_id, draft.id, codes, people)
        base = store.load_schedule(db, program_id, row.base_schedule_id, codes, people).schedule
        sched = now.schedule.copy()
        backup = set(pool.backup_keys)
        taken = [c for c in sched.calls
                 if c.pool == pool.name and c.person in backup and row.start_date <= c.night <= row.end_date]  # fmt: skip
        for c in taken:
            r, d = sched.row(c.person), (c.night - sched.start).days
            sched.grid[r, d : min(d + 2, sched.days)] = base.grid[base.row(c.person), d : min(d + 2, sched.days)]
        sched.calls = tuple(c for c in sched.calls if c not in taken)
        changed = sched.grid != now.schedule.grid
        sources = np.where(changed | (now.sources == ""), "solver", now.sources)
        reverted = store.save_schedule(
            db, program_id, year.id, sched, name=f"backup call ended: {pool.name}", sources=sources,
            locked_blocks=now.locked_blocks,
        )  # fmt: skip
        out["schedule_id"] = reverted.id
        out["uncovered"] = [{"person": c.person, "night": (c.night).isoformat()} for c in taken]
    audit.record(db, actor_id=user_id, program_id=program_id, entity="backup_activation", entity_id=row.id,
                 action="deactivate", after={k: v for k, v in out.items() if k != "uncovered"})  # fmt: skip
    _defense_event(db, program_id, f"backup call pool deactivated for {pool.name}",
                   {"kind": "deactivate_backup_call_pool", **{k: v for k, v in out.items() if k != "uncovered"}})  # fmt: skip
    db.flush()
    return out
