"""Generation runs (background, on Celery), publishing, diffs and the read views of the grid."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import structlog
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from residency.api.deps import DbDep, Principal, PrincipalDep, requires
from residency.api.errors import ApiError, not_found
from residency.api.serialize import row_dict
from residency.auth.roles import Access, allows
from residency.runs import ALGORITHMS, RunError, cancel_run, publish_run, request_run, run_schedule
from residency.store import models as m
from residency.store import schedules as store
from residency.store.enums import RunStatus
from residency.views import ViewError, current, grid_view, on_call

router = APIRouter(prefix="/schedule", tags=["schedule"])
CoordinatorDep = Annotated[Principal, requires(Access.COORDINATOR)]
log = structlog.get_logger("residency.api")


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    algorithm: Literal[ALGORITHMS] = ALGORITHMS[0]  # type: ignore[valid-type]
    time_limit: float = Field(60.0, gt=0, le=3600)
    seed: int = Field(0, ge=0)
    workers: int = Field(2, ge=1, le=16)
    scope_pgy: list[int] = Field(default_factory=list, description="only these PGY classes (empty = all)")
    scope_people: list[str] = Field(default_factory=list, description="only these person keys (empty = all)")
    year: str | None = Field(None, description="academic year label (default: the latest)")


def _raise(exc: RunError | ViewError | store.ScheduleError) -> ApiError:
    status = getattr(exc, "status", 409 if exc.code != "not_found" else 404)
    return ApiError(status, exc.code, exc.message, getattr(exc, "field", None))


def _run_out(run: m.ScheduleRun) -> dict:
    return row_dict(run)


def enqueue(db, run: m.ScheduleRun) -> None:
    """Hand a committed run to the workers; a broker outage fails the run instead of leaving it queued."""
    try:
        from residency.jobs.tasks import generate

        generate.apply_async(args=[run.id], retry=False)
    except Exception as exc:
        run.status, run.message = RunStatus.FAILED.value, "the job queue is not reachable; try again later"
        db.commit()
        log.error("enqueue_failed", run_id=run.id, error_type=type(exc).__name__)
        raise ApiError(503, "queue_unavailable", "the job queue is not reachable; try again later") from exc


@router.post("/runs", status_code=202, summary="Start a generation run (returns at once)")
def start(body: RunIn, db: DbDep, principal: CoordinatorDep, response: Response) -> dict:
    try:
        run = request_run(
            db,
            program_id=principal.program_id,
            user_id=principal.user.id,
            algorithm=body.algorithm,
            time_limit=body.time_limit,
            seed=body.seed,
            workers=body.workers,
            scope_pgy=body.scope_pgy,
            scope_people=body.scope_people,
            year_label=body.year,
        )
    except (RunError, store.ScheduleError) as exc:
        raise _raise(exc) from exc
    db.commit()
    enqueue(db, run)
    response.headers["Location"] = f"/api/v1/schedule/runs/{run.id}"
    return _run_out(run)


def _run(db, principal: Principal, run_id: int) -> m.ScheduleRun:
    run = db.get(m.ScheduleRun, run_id)
    if run is None or run.program_id != principal.program_id:
        raise not_found("run", run_id)
    return run


@router.get("/runs/{run_id}", summary="A run's status, progress, counts and timings")
def status(run_id: int, db: DbDep, principal: CoordinatorDep) -> dict:
    return _run_out(_run(db, principal, run_id))


@router.post("/runs/{run_id}/cancel", summary="Cancel a queued or running run")
def cancel(run_id: int, db: DbDep, principal: CoordinatorDep) -> dict:
    try:
        run = cancel_run(db, program_id=principal.program_id, run_id=run_id, user_id=principal.user.id)
    except RunError as exc:
        raise _raise(exc) from exc
    db.commit()
    return _run_out(run)


@router.post("/runs/{run_id}/publish", summary="Publish the run's draft (the previous schedule is archived)")
def publish(run_id: int, db: DbDep, principal: CoordinatorDep) -> dict:
    try:
        row = publish_run(db, program_id=principal.program_id, run_id=run_id, user_id=principal.user.id)
    except RunError as exc:
        raise _raise(exc) from exc
    db.commit()
    return row_dict(row)


@router.get("/runs/{run_id}/diff", summary="What the run's draft changes against the published schedule")
def run_diff(run_id: int, db: DbDep, principal: CoordinatorDep, limit: int = 500) -> dict:
    try:
        draft = run_schedule(db, principal.program_id, run_id)
        after = current(db, principal.program_id, draft.id)
        published_row = store.published(db, principal.program_id, draft.academic_year_id)
        before = current(db, principal.program_id, published_row.id).schedule if published_row else None
        changes = store.diff(before, after.schedule)
    except (RunError, ViewError, store.ScheduleError) as exc:
        raise _raise(exc) from exc
    return {
        "draft_schedule_id": draft.id,
        "published_schedule_id": published_row.id if published_row else None,
        "summary": changes.summary(),
        "cells": [
            {"person": c.person, "day": c.day.isoformat(), "half": c.half, "before": c.before, "after": c.after}
            for c in changes.cells[: max(0, min(limit, 100000))]
        ],
        "blocks_added": [_ba(b) for b in changes.blocks_added],
        "blocks_removed": [_ba(b) for b in changes.blocks_removed],
        "calls_added": [_call(c) for c in changes.calls_added],
        "calls_removed": [_call(c) for c in changes.calls_removed],
    }


@router.get("/drafts/{schedule_id}/diff", summary="What a draft changes against the published schedule")
def draft_diff(schedule_id: int, db: DbDep, principal: CoordinatorDep, limit: int = 500) -> dict:
    try:
        after = current(db, principal.program_id, schedule_id)
        published_row = store.published(db, principal.program_id, after.row.academic_year_id)
        before = current(db, principal.program_id, published_row.id).schedule if published_row else None
        changes = store.diff(before, after.schedule)
    except (ViewError, store.ScheduleError) as exc:
        raise _raise(exc) from exc
    return {
        "schedule_id": schedule_id,
        "published_schedule_id": published_row.id if published_row else None,
        "summary": changes.summary(),
        "cells": [
            {"person": c.person, "day": c.day.isoformat(), "half": c.half, "before": c.before, "after": c.after}
            for c in changes.cells[: max(0, min(limit, 100000))]
        ],
    }


@router.post("/drafts/{schedule_id}/publish", summary="Publish a draft (the previous schedule is archived)")
def draft_publish(schedule_id: int, db: DbDep, principal: CoordinatorDep) -> dict:
    from residency.store import audit

    try:
        row = store.publish(db, principal.program_id, schedule_id)
    except store.ScheduleError as exc:
        raise _raise(exc) from exc
    audit.record(
        db,
        actor_id=principal.user.id,
        program_id=principal.program_id,
        entity="schedule",
        entity_id=row.id,
        action="publish",
    )
    db.commit()
    return row_dict(row)


def _ba(b) -> dict:
    return {"person": b.person, "block": b.block, "rotation": b.rotation, "part": b.part}


def _call(c) -> dict:
    return {"person": c.person, "night": c.night.isoformat(), "pool": c.pool}


def _readable(db, principal: Principal, schedule_id: int | None):
    drafts = allows(Access.COORDINATOR, principal.role)
    try:
        return current(db, principal.program_id, schedule_id, drafts_allowed=drafts)
    except (ViewError, store.ScheduleError) as exc:
        raise _raise(exc) from exc


@router.get("/grid", summary="A block's grid: people x half-days, with call")
def block_grid(db: DbDep, principal: PrincipalDep, block: int, schedule_id: int | None = None) -> dict:
    cur = _readable(db, principal, schedule_id)
    found = next((b for b in cur.program.year.blocks if b.number == block), None)
    if found is None:
        raise ApiError(404, "not_found", f"block {block} not found", "block")
    return {
        "block": block,
        "start": found.start.isoformat(),
        "end": found.end.isoformat(),
        **grid_view(cur, found.start, found.end),
    }


@router.get("/people/{person_id}", summary="One person's schedule (default: the whole year)")
def person_year(
    person_id: int,
    db: DbDep,
    principal: PrincipalDep,
    schedule_id: int | None = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> dict:
    person = db.get(m.Person, person_id)
    if person is None or person.program_id != principal.program_id:
        raise not_found("person", person_id)
    cur = _readable(db, principal, schedule_id)
    year = cur.program.year
    return {"person_id": person_id, **grid_view(cur, from_ or year.start, to or year.end, [person.key])}


@router.get("/on-call", summary="Who is on call on a night")
def who_is_on_call(db: DbDep, principal: PrincipalDep, night: date) -> dict:
    cur = _readable(db, principal, None)
    return {"night": night.isoformat(), "on_call": on_call(cur, night)}


@router.get("/runs", summary="Recent runs of the program")
def runs(db: DbDep, principal: CoordinatorDep, limit: int = 20) -> dict:
    rows = db.scalars(
        select(m.ScheduleRun)
        .where(m.ScheduleRun.program_id == principal.program_id)
        .order_by(m.ScheduleRun.id.desc())
        .limit(max(1, min(limit, 200)))
    ).all()
    return {"items": [_run_out(r) for r in rows]}
