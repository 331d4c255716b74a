"""Resilience: the stored health reports and each analysis in them, on-demand checks, level-change
events; and every user's notifications."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from residency import fallbacks
from residency.api.deps import DbDep, Principal, SettingsDep, UserDep, requires
from residency.api.errors import ApiError, not_found
from residency.api.routers.schedule import enqueue
from residency.api.serialize import row_dict
from residency.auth.roles import Access
from residency.health_service import latest, run_check
from residency.runs import RunError
from residency.store import models as m
from residency.views import ViewError

router = APIRouter(tags=["resilience"])
CoordinatorDep = Annotated[Principal, requires(Access.COORDINATOR)]
SECTIONS = {
    "utilization": "utilization", "defense": "defense", "contingency": "contingency", "hubs": "hubs",
    "homeostasis": "homeostasis", "blast-radius": "blast_radius", "le-chatelier": "le_chatelier",
    "cognitive": "cognitive", "stigmergy": "stigmergy", "sacrifice": "sacrifice", "fallback": "fallback",
    "coverage": "coverage", "compliance": "compliance",
}  # fmt: skip


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["full", "quick"] = "full"
    as_of: date | None = None


def _meta(row: m.HealthReportRow) -> dict:
    return {
        "id": row.id,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "kind": row.kind,
        "as_of": row.as_of.isoformat(),
        "level": row.level,
        "level_number": row.level_number,
        "seconds": row.seconds,
        "schedule_id": row.schedule_id,
    }


def _latest(db, principal: Principal) -> m.HealthReportRow:
    row = latest(db, principal.program_id)
    if row is None:
        raise ApiError(404, "no_health_report", "no health check has run yet; POST /resilience/check")
    return row


@router.post("/resilience/check", summary="Run a health check now (stored; alerts on changes)")
def check(body: CheckIn, db: DbDep, principal: CoordinatorDep, settings: SettingsDep) -> dict:
    try:
        row = run_check(db, settings, principal.program_id, as_of=body.as_of, kind=body.kind)
    except ViewError as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.field) from exc
    db.commit()
    return {**_meta(row), "report": row.report}


@router.get("/resilience/report", summary="The latest health report")
def report(db: DbDep, principal: CoordinatorDep) -> dict:
    row = _latest(db, principal)
    return {**_meta(row), "report": row.report}


@router.get("/resilience/history", summary="Recent health checks (levels over time)")
def history(db: DbDep, principal: CoordinatorDep, limit: int = 50) -> dict:
    rows = db.scalars(
        select(m.HealthReportRow)
        .where(m.HealthReportRow.program_id == principal.program_id)
        .order_by(m.HealthReportRow.id.desc())
        .limit(max(1, min(limit, 500)))
    ).all()
    return {"items": [_meta(r) for r in rows]}


@router.get("/resilience/events", summary="Defense level changes and the actions they call for")
def events(db: DbDep, principal: CoordinatorDep, limit: int = 50) -> dict:
    rows = db.scalars(
        select(m.DefenseEvent)
        .where(m.DefenseEvent.program_id == principal.program_id)
        .order_by(m.DefenseEvent.id.desc())
        .limit(max(1, min(limit, 500)))
    ).all()
    return {"items": [row_dict(r) for r in rows]}


class FallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: str
    start: date | None = None
    days: int = Field(28, ge=1, le=366)
    time_limit: float = Field(60.0, gt=0, le=3600)
    seed: int = Field(0, ge=0)


class SheddingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: int = Field(ge=1, le=6)
    start: date | None = None
    days: int | None = Field(None, ge=1, le=366)


class Confirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: bool = Field(description="must be true: activating replaces the published schedule")


def _fail(exc: RunError | ViewError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message, getattr(exc, "field", None))


@router.get("/resilience/scenarios", summary="The named fallback scenarios of this program")
def scenarios(db: DbDep, principal: CoordinatorDep) -> dict:
    try:
        return {"items": fallbacks.scenario_names(db, principal.program_id)}
    except ViewError as exc:
        raise _fail(exc) from exc


@router.get("/resilience/fallbacks", summary="Stored fallback schedules")
def fallback_list(db: DbDep, principal: CoordinatorDep) -> dict:
    rows = db.scalars(
        select(m.Schedule)
        .where(m.Schedule.program_id == principal.program_id, m.Schedule.scenario.is_not(None))
        .order_by(m.Schedule.id.desc())
    ).all()
    return {"items": [row_dict(r) for r in rows]}


@router.post("/resilience/fallbacks", status_code=202, summary="Generate a scenario's fallback schedule (a run)")
def fallback_generate(body: FallbackIn, db: DbDep, principal: CoordinatorDep) -> dict:
    try:
        run = fallbacks.request_fallback(
            db,
            program_id=principal.program_id,
            user_id=principal.user.id,
            scenario=body.scenario,
            start=body.start,
            days=body.days,
            time_limit=body.time_limit,
            seed=body.seed,
        )
    except (RunError, ViewError) as exc:
        raise _fail(exc) from exc
    db.commit()
    enqueue(db, run)
    return row_dict(run)


@router.post("/resilience/fallbacks/{schedule_id}/activate", summary="Publish a fallback (after confirmation)")
def fallback_activate(schedule_id: int, body: Confirm, db: DbDep, principal: CoordinatorDep) -> dict:
    if not body.confirm:
        raise ApiError(422, "confirmation_required", "send confirm: true to replace the published schedule", "confirm")
    try:
        row = fallbacks.activate(
            db, program_id=principal.program_id, schedule_id=schedule_id, user_id=principal.user.id
        )
    except RunError as exc:
        raise _fail(exc) from exc
    db.commit()
    return row_dict(row)


@router.post("/resilience/fallbacks/revert", summary="Re-publish what the last activated fallback replaced")
def fallback_revert(db: DbDep, principal: CoordinatorDep) -> dict:
    try:
        row = fallbacks.revert(db, program_id=principal.program_id, user_id=principal.user.id)
    except RunError as exc:
        raise _fail(exc) from exc
    db.commit()
    return row_dict(row)


@router.post("/resilience/shedding", status_code=201, summary="A draft with a load-shedding level applied")
def shedding(body: SheddingIn, db: DbDep, principal: CoordinatorDep) -> dict:
    try:
        row, result = fallbacks.shed_draft(
            db,
            program_id=principal.program_id,
            user_id=principal.user.id,
            level=body.level,
            start=body.start,
            days=body.days,
        )
    except ViewError as exc:
        raise _fail(exc) from exc
    db.commit()
    return {"schedule_id": row.id, "status": row.status, "shedding": result}


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal[
        "alert",
        "apply_load_shedding",
        "activate_fallback",
        "open_repair_draft",
        "activate_backup_call_pool",
        "deactivate_backup_call_pool",
    ]
    params: dict = Field(default_factory=dict)


def _date_param(params: dict, key: str) -> date | None:
    value = params.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ApiError(422, "validation_error", f"params.{key}: not an ISO date", key) from exc


@router.post("/resilience/actions", status_code=202, summary="Carry out a defense action through the product")
def act(body: ActionIn, db: DbDep, principal: CoordinatorDep, settings: SettingsDep) -> dict:
    """alert → notify coordinators; apply_load_shedding → a draft at params.level; activate_fallback →
    generate params.scenario's fallback (a run); open_repair_draft → an incremental repair draft of the
    published schedule around params.absence_id or the oldest approved absence it does not honour;
    activate_backup_call_pool → params.pool's backup people eligible from params.start to params.end
    and a draft filling its uncovered nights with them; deactivate_backup_call_pool → reverts that."""
    from residency.notify import coordinators, notify

    try:
        if body.kind == "alert":
            notes = notify(
                db,
                settings,
                principal.program_id,
                coordinators(db, principal.program_id),
                kind="defense_alert",
                title=str(body.params.get("title", "Resilience alert")),
                body=str(body.params.get("body", "")),
                data=body.params,
            )
            db.commit()
            return {"kind": body.kind, "notified": len(notes)}
        if body.kind == "apply_load_shedding":
            row, result = fallbacks.shed_draft(
                db,
                program_id=principal.program_id,
                user_id=principal.user.id,
                level=int(body.params.get("level", 3)),
                start=None,
                days=None,
            )
            db.commit()
            return {"kind": body.kind, "schedule_id": row.id, "shedding": result}
        if body.kind in ("activate_backup_call_pool", "deactivate_backup_call_pool"):
            from residency.repairs import activate_backup, deactivate_backup

            pool = body.params.get("pool")
            if body.kind == "activate_backup_call_pool":
                out = activate_backup(
                    db,
                    program_id=principal.program_id,
                    user_id=principal.user.id,
                    pool_name=str(pool) if pool is not None else None,
                    start=_date_param(body.params, "start"),
                    end=_date_param(body.params, "end"),
                )
            else:
                activation = body.params.get("activation_id")
                out = deactivate_backup(
                    db,
                    program_id=principal.program_id,
                    user_id=principal.user.id,
                    activation_id=int(activation) if activation is not None else None,
                    pool_name=str(pool) if pool is not None else None,
                )
            db.commit()
            return {"kind": body.kind, **out}
        if body.kind == "activate_fallback":
            run = fallbacks.request_fallback(
                db,
                program_id=principal.program_id,
                user_id=principal.user.id,
                scenario=str(body.params.get("scenario", "essential_only")),
                start=None,
                days=int(body.params.get("days", 28)),
                time_limit=float(body.params.get("time_limit", 60)),
            )
        else:  # open_repair_draft: the fewest changes that honour the approved absences
            from residency.repairs import repair_absences

            absence = body.params.get("absence_id")
            out = repair_absences(
                db,
                program_id=principal.program_id,
                user_id=principal.user.id,
                absence_id=int(absence) if absence is not None else None,
                time_limit=float(body.params.get("time_limit", 30)),
                seed=int(body.params.get("seed", 0)),
                workers=int(body.params.get("workers", 2)),
            )
            db.commit()
            return {"kind": body.kind, **out}
    except (RunError, ViewError) as exc:
        raise _fail(exc) from exc
    db.commit()
    enqueue(db, run)
    return {"kind": body.kind, "run": row_dict(run)}


@router.get("/resilience/{analysis}", summary="One analysis of the latest health report")
def analysis(analysis: str, db: DbDep, principal: CoordinatorDep) -> dict:
    if analysis not in SECTIONS:
        raise ApiError(404, "not_found", f"unknown analysis {analysis!r}; one of {', '.join(SECTIONS)}", "analysis")
    row = _latest(db, principal)
    return {**_meta(row), analysis: row.report.get(SECTIONS[analysis])}


@router.get("/notifications", summary="Your notifications, newest first")
def notifications(db: DbDep, user: UserDep, unread: bool = False, limit: int = 50) -> dict:
    query = select(m.Notification).where(m.Notification.user_id == user.id)
    if unread:
        query = query.where(m.Notification.read_at.is_(None))
    rows = db.scalars(query.order_by(m.Notification.id.desc()).limit(max(1, min(limit, 500)))).all()
    return {"items": [row_dict(r) for r in rows]}


@router.post("/notifications/{notification_id}/read", summary="Mark a notification read")
def mark_read(notification_id: int, db: DbDep, user: UserDep) -> dict:
    note = db.get(m.Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise not_found("notification", notification_id)
    note.read_at = note.read_at or datetime.now(UTC)
    db.commit()
    return row_dict(note)
