"""Explicit, audited actions: deciding leave, laying out an academic year's blocks, reading the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, func, select

from residency.api.deps import DbDep, Principal, PrincipalDep, requires
from residency.api.errors import ApiError, forbidden, not_found
from residency.api.serialize import row_dict
from residency.auth.roles import Access
from residency.domain.calendar import LAYOUTS, LayoutError, check_layout, us_federal_holidays
from residency.domain.program import AbsenceStatus
from residency.store import audit
from residency.store.enums import Role
from residency.store.models import Absence, AcademicYear, AuditLog, Block, Holiday

router = APIRouter(tags=["actions"])
CoordinatorDep = Annotated[Principal, requires(Access.COORDINATOR)]


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(None, max_length=2000)


def _absence(db, principal: Principal, absence_id: int) -> Absence:
    row = db.get(Absence, absence_id)
    if row is None or row.program_id != principal.program_id:
        raise not_found("absence", absence_id)
    if principal.role == Role.RESIDENT and row.person_id != principal.person_id:
        raise not_found("absence", absence_id)
    return row


def _decide(
    db, principal: Principal, absence_id: int, new: AbsenceStatus, allowed_from: set[str], reason: str | None
) -> dict:
    row = _absence(db, principal, absence_id)
    if row.status not in allowed_from:
        raise ApiError(
            409, "invalid_transition", f"absence {absence_id} is {row.status}; cannot become {new}", "status"
        )
    before = row_dict(row)
    row.status = new.value
    row.decided_by_id = principal.user.id
    row.decided_at = datetime.now(UTC)
    if reason:
        row.notes = (row.notes + "\n" if row.notes else "") + f"[{new.value}] {reason}"
    db.flush()
    audit.record(
        db,
        actor_id=principal.user.id,
        program_id=principal.program_id,
        entity="absence",
        entity_id=row.id,
        action=new.value,
        before=before,
        after=row_dict(row),
        reason=reason,
    )
    db.commit()
    return row_dict(row)


@router.post("/absences/{absence_id}/approve", summary="Approve a leave request (coordinator)")
def approve(absence_id: int, body: Decision, db: DbDep, principal: CoordinatorDep) -> dict:
    return _decide(db, principal, absence_id, AbsenceStatus.APPROVED, {"requested"}, body.reason)


@router.post("/absences/{absence_id}/deny", summary="Deny a leave request (coordinator)")
def deny(absence_id: int, body: Decision, db: DbDep, principal: CoordinatorDep) -> dict:
    return _decide(db, principal, absence_id, AbsenceStatus.DENIED, {"requested"}, body.reason)


@router.post("/absences/{absence_id}/cancel", summary="Cancel leave (its requester, or a coordinator)")
def cancel(absence_id: int, body: Decision, db: DbDep, principal: PrincipalDep) -> dict:
    row = _absence(db, principal, absence_id)
    is_owner = principal.person_id is not None and row.person_id == principal.person_id
    if principal.role not in (Role.ADMIN, Role.COORDINATOR) and not is_owner:
        raise forbidden()
    return _decide(db, principal, absence_id, AbsenceStatus.CANCELLED, {"requested", "approved"}, body.reason)


class LayoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    layout: Literal["13x28", "workbook", "months"]
    federal_holidays: bool = True


@router.post("/academic-years/{year_id}/layout", summary="Replace the year's blocks with a common layout")
def lay_out(year_id: int, body: LayoutIn, db: DbDep, principal: CoordinatorDep) -> dict:
    year = db.get(AcademicYear, year_id)
    if year is None or year.program_id != principal.program_id:
        raise not_found("academic_year", year_id)
    blocks = LAYOUTS[body.layout](year.start_date)
    try:
        check_layout(year.start_date, year.end_date, blocks)
    except LayoutError as exc:
        raise ApiError(
            422, "invalid_layout", f"{body.layout} does not fit {year.start_date}..{year.end_date}: {exc}", "layout"
        ) from exc
    from residency.api.crud import references_to

    old = db.scalars(select(Block).where(Block.academic_year_id == year_id)).all()
    for block in old:
        if references_to(db, Block.__table__, block.id):
            raise ApiError(409, "in_use", f"block {block.number} has assignments; the layout cannot change")
    before = [row_dict(b) for b in old]
    for block in old:
        db.delete(block)
    db.flush()
    for b in blocks:
        db.add(
            Block(
                program_id=principal.program_id,
                academic_year_id=year_id,
                number=b.number,
                start_date=b.start,
                end_date=b.end,
            )
        )
    if body.federal_holidays:
        known = set(db.scalars(select(Holiday.day).where(Holiday.academic_year_id == year_id)))
        for h in us_federal_holidays(year.start_date, year.end_date):
            if h.day not in known:
                db.add(Holiday(program_id=principal.program_id, academic_year_id=year_id, day=h.day, name=h.name))
    db.flush()
    after = [row_dict(b) for b in db.scalars(select(Block).where(Block.academic_year_id == year_id))]
    audit.record(
        db,
        actor_id=principal.user.id,
        program_id=principal.program_id,
        entity="academic_year",
        entity_id=year_id,
        action="layout",
        before={"blocks": before},
        after={"blocks": after},
    )
    db.commit()
    return {"academic_year_id": year_id, "blocks": after}


@router.get("/audit-log", summary="The audit trail of this program (coordinator)")
def audit_log(
    db: DbDep,
    principal: CoordinatorDep,
    entity: str | None = None,
    entity_id: int | None = None,
    action: str | None = None,
    since: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict:
    if not 1 <= limit <= 500:
        raise ApiError(422, "invalid_filter", "limit must be between 1 and 500", "limit")
    where = [AuditLog.program_id == principal.program_id]
    if entity:
        where.append(AuditLog.entity == entity)
    if entity_id is not None:
        where.append(AuditLog.entity_id == entity_id)
    if action:
        where.append(AuditLog.action == action)
    if since:
        where.append(AuditLog.at >= datetime(since.year, since.month, since.day, tzinfo=UTC))
    total = db.scalar(select(func.count(AuditLog.id)).where(and_(*where)))
    rows = db.scalars(
        select(AuditLog).where(and_(*where)).order_by(AuditLog.id.desc()).limit(limit).offset(max(offset, 0))
    )
    return {"items": [row_dict(r) for r in rows], "total": total, "limit": limit, "offset": offset}
