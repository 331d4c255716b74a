"""POST /schedule/repairs: re-plan the published schedule around a new absence or a removed person
with the fewest changed assignments; answers with the draft to review and publish
(``POST /schedule/drafts/{id}/publish``). Coordinators only."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from residency.api.deps import DbDep, Principal, requires
from residency.api.errors import ApiError
from residency.auth.roles import Access
from residency.repairs import repair_draft
from residency.runs import RunError
from residency.store import schedules as store

router = APIRouter(prefix="/schedule", tags=["schedule"])
CoordinatorDep = Annotated[Principal, requires(Access.COORDINATOR)]


class RepairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    absence_id: int | None = Field(None, description="an absence already recorded (approved or not)")
    person_key: str | None = Field(None, description="with start and end (or removed)")
    start: date | None = None
    end: date | None = None
    removed: bool = Field(False, description="the person leaves the schedule from start (default: the first day)")
    time_limit: float = Field(30.0, gt=0, le=300)
    seed: int = Field(0, ge=0)
    workers: int = Field(2, ge=1, le=16)
    year: str | None = None

    @model_validator(mode="after")
    def _one_change(self) -> RepairIn:
        if (self.absence_id is None) == (self.person_key is None):
            raise ValueError("give either absence_id or person_key")
        if self.person_key is not None and not self.removed and (self.start is None or self.end is None):
            raise ValueError("person_key needs start and end (or removed: true)")
        if self.start and self.end and self.end < self.start:
            raise ValueError("end is before start")
        return self


@router.post("/repairs", status_code=200, summary="Repair the published schedule after an absence (a draft)")
def create_repair(body: RepairIn, db: DbDep, principal: CoordinatorDep) -> dict:
    try:
        out = repair_draft(
            db,
            program_id=principal.program_id,
            user_id=principal.user.id,
            person_key=body.person_key,
            start=body.start,
            end=body.end,
            absence_id=body.absence_id,
            removed=body.removed,
            time_limit=body.time_limit,
            seed=body.seed,
            workers=body.workers,
            year_label=body.year,
        )
    except RunError as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.field) from exc
    except store.ScheduleError as exc:
        raise ApiError(404 if exc.code == "not_found" else 409, exc.code, exc.message) from exc
    if out.get("schedule_id") is None:
        tried = "; ".join(
            f"{a.get('pad_days') or 'year'} days, {a.get('scope')} people: {a.get('status')}, "
            f"{a.get('new_violations')} new violation(s), {a.get('newly_uncovered')} night(s) uncovered"
            for a in out.get("attempts", [])
        )
        raise ApiError(422, "repair_infeasible", f"no repair satisfies every hard rule (tried: {tried})")
    db.commit()
    return out
