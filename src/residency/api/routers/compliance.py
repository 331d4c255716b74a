"""ACGME compliance of the stored schedule, and of a proposed change before it is saved."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from residency.api.deps import DbDep, Principal, PrincipalDep
from residency.api.errors import ApiError, not_found
from residency.auth.roles import Access, allows
from residency.domain.calendar import HalfDay
from residency.store import models as m
from residency.store import schedules as store
from residency.store.enums import Role
from residency.views import CallEdit, CellEdit, ViewError, apply_edits, check_change, compliance_report, current

router = APIRouter(prefix="/compliance", tags=["compliance"])
Mode = Literal["acgme", "rolling", "calendar_month"]


def _current(db, principal: Principal, schedule_id: int | None):
    try:
        return current(db, principal.program_id, schedule_id, drafts_allowed=allows(Access.COORDINATOR, principal.role))
    except (ViewError, store.ScheduleError) as exc:
        raise ApiError(getattr(exc, "status", 404), exc.code, exc.message, getattr(exc, "field", None)) from exc


def _key(db, principal: Principal, person_id: int) -> str:
    person = db.get(m.Person, person_id)
    if person is None or person.program_id != principal.program_id:
        raise not_found("person", person_id)
    return person.key


@router.get("/report", summary="Findings of the published (or a draft) schedule")
def report(
    db: DbDep,
    principal: PrincipalDep,
    mode: Mode = "acgme",
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    person_id: int | None = None,
    schedule_id: int | None = None,
) -> dict:
    person = _key(db, principal, person_id) if person_id is not None else None
    if principal.role == Role.RESIDENT:  # residents see their own findings only
        if principal.person_id is None:
            raise ApiError(403, "forbidden", "this account is not linked to a person")
        own = _key(db, principal, principal.person_id)
        if person is not None and person != own:
            raise ApiError(403, "forbidden", "residents may only see their own findings", "person_id")
        person = own
    cur = _current(db, principal, schedule_id)
    try:
        result = compliance_report(cur, mode=mode, start=from_, end=to, person=person)
    except ViewError as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.field) from exc
    return {"schedule_id": cur.row.id, **result.to_dict()}


class CellChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["half_day"] = "half_day"
    person_id: int
    day: date
    half: Literal["AM", "PM"]
    activity: str | None = Field(None, description="activity code; omit when removing")


class CallChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["call"]
    person_id: int
    night: date
    pool: str


class ChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schedule_id: int | None = None
    mode: Mode = "acgme"
    add: list[CellChange | CallChange] = Field(default_factory=list, max_length=5000)
    remove: list[CellChange | CallChange] = Field(default_factory=list, max_length=5000)


@router.post("/check", summary="Findings a proposed change would create or clear (nothing is saved)")
def check(body: ChangeIn, db: DbDep, principal: PrincipalDep) -> dict:
    if not allows(Access.STAFF, principal.role):
        raise ApiError(403, "forbidden", "your role may not propose schedule changes")
    cur = _current(db, principal, body.schedule_id)
    cells, calls = [], []
    for items, adding in ((body.add, True), (body.remove, False)):
        for item in items:
            key = _key(db, principal, item.person_id)
            if isinstance(item, CallChange):
                calls.append(CallEdit(key, item.night, item.pool, adding))
            else:
                if adding and not item.activity:
                    raise ApiError(422, "validation_error", "activity: required when adding a half-day", "activity")
                cells.append(CellEdit(key, item.day, HalfDay(item.half), item.activity if adding else None))
    try:
        after = apply_edits(cur.program, cur.schedule, cells, calls)
        result = check_change(cur, after, body.mode)
    except ViewError as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.field) from exc
    out = result.to_dict()
    out["summary"] = {
        "created": len(result.created),
        "cleared": len(result.cleared),
        "changed": len(result.changed),
        "creates_violation": any(f.severity.value == "violation" for f in result.created),
    }
    return out
