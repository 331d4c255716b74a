"""Manual edits of half-day and call assignments are checked against the ACGME rules before they are
saved: the findings they create or clear come back with the answer, and an edit that creates a
violation is refused (409 ``compliance_violation``) unless it carries an ``override_reason``, which is
stored on the row and in the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from residency.api.deps import Principal
from residency.api.errors import ApiError
from residency.domain.calendar import HalfDay
from residency.store import models as m
from residency.views import CallEdit, CellEdit, ViewError, apply_edits, check_change, current

MIN_REASON = 5


def _key(db: Session, person_id: int) -> str:
    return db.get(m.Person, person_id).key


def _cell_edits(db: Session, before: dict | None, after: dict | None) -> list[CellEdit]:
    edits = []
    if before is not None:
        edits.append(CellEdit(_key(db, before["person_id"]), before["day"], HalfDay(before["half"]), None))
    if after is not None:
        code = db.get(m.Activity, after["activity_id"]).code
        edits.append(CellEdit(_key(db, after["person_id"]), after["day"], HalfDay(after["half"]), code))
    return edits


def _call_edits(db: Session, before: dict | None, after: dict | None) -> list[CallEdit]:
    edits = []
    for values, add in ((before, False), (after, True)):
        if values is not None:
            pool = db.get(m.CallPool, values["call_pool_id"]).name
            edits.append(CallEdit(_key(db, values["person_id"]), values["night"], pool, add))
    return edits


def guard(db: Session, principal: Principal, entity: str, before: dict | None, after: dict | None) -> dict[str, Any]:
    """The compliance consequences of one assignment change; raises when it must be refused."""
    values = after or before
    try:
        cur = current(db, principal.program_id, values["schedule_id"])
        if entity == "half_day_assignment":
            new = apply_edits(cur.program, cur.schedule, _cell_edits(db, before, after), [])
        else:
            new = apply_edits(cur.program, cur.schedule, [], _call_edits(db, before, after))
        result = check_change(cur, new)
    except ViewError as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.field) from exc
    outcome = result.to_dict()
    violations = [f for f in result.created if f.severity.value == "violation"]
    outcome["creates_violation"] = bool(violations)
    reason = (after or {}).get("override_reason") or ""
    if violations and len(reason.strip()) < MIN_REASON:
        raise ApiError(
            409,
            "compliance_violation",
            f"this edit creates {len(violations)} ACGME violation(s): {violations[0].message}. "
            "Send override_reason to save it anyway.",
            "override_reason",
            details=outcome,
        )
    outcome["override_reason"] = reason.strip() if violations else None
    return outcome
