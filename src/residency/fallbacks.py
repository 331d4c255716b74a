"""Fallback schedules and load shedding acted out through the engine: generate a scenario's fallback
(a background run), shed a level into a draft, activate a fallback after confirmation, and revert."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from residency.resilience.fallback import standard_scenarios
from residency.resilience.sacrifice import shed
from residency.runs import RunError, request_run
from residency.store import audit
from residency.store import models as m
from residency.store import schedules as store
from residency.store.enums import ScheduleStatus
from residency.views import current


def scenario_names(db: Session, program_id: int) -> list[dict[str, Any]]:
    cur = current(db, program_id)
    return [s.to_dict() for s in standard_scenarios(cur.program)]


def request_fallback(
    db: Session,
    *,
    program_id: int,
    user_id: int | None,
    scenario: str,
    start: date | None,
    days: int,
    time_limit: float,
    seed: int = 0,
) -> m.ScheduleRun:
    names = {s["name"] for s in scenario_names(db, program_id)}
    if scenario not in names:
        raise RunError(
            422, "validation_error", f"unknown scenario {scenario!r}; one of {', '.join(sorted(names))}", "scenario"
        )
    spec = {"name": scenario, "start": start.isoformat() if start else None, "days": days}
    return request_run(db, program_id=program_id, user_id=user_id, time_limit=time_limit, seed=seed, scenario=spec)


def shed_draft(
    db: Session, *, program_id: int, user_id: int | None, level: int, start: date | None, days: int | None
) -> tuple[m.Schedule, dict[str, Any]]:
    """A draft of the published schedule with the level's categories suspended (flush only)."""
    cur = current(db, program_id)
    result = shed(cur.program, cur.schedule, level, start=start, days=days)
    changed = result.draft.grid != cur.schedule.grid
    sources = np.where(changed, "manual", cur.sources)
    row = store.save_schedule(
        db, program_id, cur.row.academic_year_id, result.draft, name=f"load shedding {level}", sources=sources
    )
    audit.record(
        db,
        actor_id=user_id,
        program_id=program_id,
        entity="schedule",
        entity_id=row.id,
        action="load_shedding",
        after={"level": level, "cells": int(changed.sum())},
    )
    return row, result.to_dict()


def activate(db: Session, *, program_id: int, schedule_id: int, user_id: int | None) -> m.Schedule:
    row = db.get(m.Schedule, schedule_id)
    if row is None or row.program_id != program_id or row.status != ScheduleStatus.FALLBACK:
        raise RunError(404, "not_found", f"fallback schedule {schedule_id} not found")
    previous = store.published(db, program_id, row.academic_year_id)
    store.publish(db, program_id, schedule_id, allowed=(ScheduleStatus.FALLBACK.value,))
    audit.record(
        db,
        actor_id=user_id,
        program_id=program_id,
        entity="schedule",
        entity_id=schedule_id,
        action="activate_fallback",
        before={"published": previous.id if previous else None},
        after={"published": schedule_id, "scenario": row.scenario},
    )
    return row


def revert(db: Session, *, program_id: int, user_id: int | None) -> m.Schedule:
    """Re-publish the schedule that the latest fallback activation replaced."""
    entry = db.scalars(
        select(m.AuditLog)
        .where(m.AuditLog.program_id == program_id, m.AuditLog.action == "activate_fallback")
        .order_by(m.AuditLog.id.desc())
    ).first()
    if entry is None or not (entry.before or {}).get("published"):
        raise RunError(409, "nothing_to_revert", "no activated fallback to revert")
    fallback = db.get(m.Schedule, entry.entity_id)
    if fallback is None or fallback.status != ScheduleStatus.PUBLISHED:
        raise RunError(409, "nothing_to_revert", "the activated fallback is no longer the published schedule")
    restored = store.publish(db, program_id, entry.before["published"], allowed=(ScheduleStatus.ARCHIVED.value,))
    audit.record(
        db,
        actor_id=user_id,
        program_id=program_id,
        entity="schedule",
        entity_id=restored.id,
        action="revert_fallback",
        before={"published": fallback.id},
        after={"published": restored.id},
    )
    return restored
