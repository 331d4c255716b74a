"""The program's entities as CRUD resources: who may read and write each, its filters, and the
domain checks a write must pass (422 with the field at fault)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from residency.api.crud import Resource
from residency.api.deps import Principal
from residency.api.edit_guard import guard
from residency.api.errors import ApiError
from residency.auth.roles import Access
from residency.domain.program import PATTERN_CELLS, AbsenceStatus
from residency.store import models as m
from residency.store.enums import Role, ScheduleStatus


def _bad(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_error", f"{field}: {message}", field)


def _merged(data: dict[str, Any], row: Any, key: str) -> Any:
    return data[key] if key in data else getattr(row, key, None) if row is not None else None


def _ordered(data: dict[str, Any], row: Any, first: str, last: str) -> None:
    a, b = _merged(data, row, first), _merged(data, row, last)
    if a is not None and b is not None and b < a:
        raise _bad(last, f"must not be before {first}")


def _codes(db: Session, program_id: int) -> set[str]:
    return set(db.scalars(select(m.Activity.code).where(m.Activity.program_id == program_id)))


def _pgy_list(data: dict[str, Any], key: str = "eligible_pgy") -> None:
    values = data.get(key)
    if values is not None and not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
        raise _bad(key, "must be a list of PGY levels (whole numbers >= 1)")


def validate_year(db: Session, p: Principal, data: dict[str, Any], row: Any) -> None:
    _ordered(data, row, "start_date", "end_date")
    tz = data.get("timezone")
    if tz is not None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise _bad("timezone", f"unknown time zone {tz!r}") from exc


def validate_dated(first: str, last: str):
    def check(db: Session, p: Principal, data: dict[str, Any], row: Any) -> None:
        _ordered(data, row, first, last)

    return check


def validate_person(db: Session, p: Principal, data: dict[str, Any], row: Any) -> None:
    _ordered(data, row, "active_from", "active_to")
    fte = data.get("fte")
    if fte is not None and not 0 < fte <= 1:
        raise _bad("fte", "must be more than 0 and at most 1")
    for key in ("clinic_cap_week", "clinic_cap_block"):
        if data.get(key) is not None and data[key] < 0:
            raise _bad(key, "must be 0 or more")
    email = data.get("email")
    if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
        raise _bad("email", "is not an e-mail address")


PROFILE_FIELDS = {"email"}


def may_edit_own_profile(p: Principal, action: str, data: dict[str, Any], row: Any) -> bool:
    return (
        action == "update"
        and p.role == Role.FACULTY
        and row is not None
        and row.id == p.person_id
        and set(data) <= PROFILE_FIELDS
    )


def validate_pgy(db: Session, p: Principal, data: dict[str, Any], row: Any) -> None:
    if data.get("pgy") is not None and data["pgy"] < 1:
        raise _bad("pgy", "must be 1 or more")


def validate_activity(db: Session, p: Principal, data: dict[str, Any], row: Any) -> None:
    code = data.get("code")
    if code is not None and not code.strip():
        raise _bad("code", "must not be blank")
    load = data.get("supervision_load")
    if load is not None and not all(isinstance(v, int | float) and v >= 0 for v in load.values()):
        raise _bad("supervision_load", "values must be numbers >= 0")


def validate_rotation(db: Session, p: Principal, data: dict[str, Any], row: Any) -> None:
    _pgy_list(data)
    lo, hi = _merged(data, row, "min_residents"), _merged(data, row, "max_residents")
    if lo is not None and lo < 0:
        raise _bad("min_residents", "must be 0 or more")
    if lo is not None and hi is not None and hi < lo:
        raise _bad("max_residents", "must be at least min_residents")
    pattern = data.get("pattern")
    if pattern is not None:
        if len(pattern) not in (0, PATTERN_CELLS):
            raise _bad("pattern", f"needs {PATTERN_CELLS} cells (4 weeks x 7 days x AM/PM), got {len(pattern)}")
        unknown = sorted(
            {c for c in pattern if not isinstance(c, str)}
            | ({c for c in pattern if isinstance(c, str)} - _codes(db, p.program_id)),
            key=str,
        )
        if unknown:
            raise _bad("pattern", f"unknown activity codes: {', '.join(map(str, unknown[:10]))}")
    flexible = data.get("flexible")
    if flexible is not None and not all(isinstance(i, int) and 0 <= i < PATTERN_CELLS for i in flexible):
        raise _bad("flexible", f"cells must be numbers 0..{PATTERN_CELLS - 1}")


def validate_curriculum(db: Session, p: Principal, data: dict[str, Any], row: Any) -> None:
    if data.get("pgy") is not None and data["pgy"] < 1:
        raise _bad("pgy", "must be 1 or more")
    lo, hi = _merged(data, row, "min_blocks"), _merged(data, row, "max_blocks")
    if lo is not None and lo < 0:
        raise _bad("min_blocks", "must be 0 or more")
    if lo is not None and hi is not None and hi < lo:
        raise _bad("max_blocks", "must be at least min_blocks")
    names = data.get("rotations")
    if names is not None:
        known = set(db.scalars(select(m.Rotation.abbreviation).where(m.Rotation.program_id == p.program_id)))
        unknown = [n for n in names if n not in known]
        if unknown:
            raise _bad("rotations", f"unknown rotations: {', '.join(map(str, unknown))}")


def validate_call_pool(db: Session, p: Principal, data: dict[str, Any], row: Any) -> None:
    _pgy_list(data)
    days = data.get("weekdays")
    if days is not None and not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        raise _bad("weekdays", "must be weekday numbers 0 (Monday) .. 6 (Sunday)")
    codes = data.get("post_call_codes")
    if codes:
        unknown = sorted(set(codes) - _codes(db, p.program_id))
        if unknown:
            raise _bad("post_call_codes", f"unknown activity codes: {', '.join(unknown)}")
    if data.get("per_night") is not None and data["per_night"] < 1:
        raise _bad("per_night", "must be 1 or more")
    backup = data.get("backup_keys")
    if backup:
        if not all(isinstance(k, str) for k in backup):
            raise _bad("backup_keys", "must be a list of person keys")
        known = set(db.scalars(select(m.Person.key).where(m.Person.program_id == p.program_id)))
        unknown = sorted(set(backup) - known)
        if unknown:
            raise _bad("backup_keys", f"unknown people: {', '.join(unknown)}")


def prepare_backup_activation(db: Session, p: Principal, data: dict[str, Any]) -> None:
    data["activated_by_id"] = p.user.id


def validate_absence(db: Session, p: Principal, data: dict[str, Any], row: Any) -> None:
    start, end = _merged(data, row, "start_date"), _merged(data, row, "end_date")
    if start and end:
        if end < start:
            raise _bad("end_date", "must not be before start_date")
        if end == start and _merged(data, row, "start_half") == "PM" and _merged(data, row, "end_half") == "AM":
            raise _bad("end_half", "a one-day absence cannot end in the morning after starting in the afternoon")


def prepare_absence(db: Session, p: Principal, data: dict[str, Any]) -> None:
    data["requested_by_id"] = p.user.id
    data["status"] = AbsenceStatus.REQUESTED.value


def may_request_own_absence(p: Principal, action: str, data: dict[str, Any], row: Any) -> bool:
    """Faculty and residents request leave for themselves, and edit it while it is still a request."""
    if p.person_id is None or p.role not in (Role.FACULTY, Role.RESIDENT):
        return False
    if action == "create":
        return data.get("person_id") == p.person_id
    if row is None or row.person_id != p.person_id or row.status != AbsenceStatus.REQUESTED:
        return False
    return action == "delete" or data.get("person_id", p.person_id) == p.person_id


def validate_schedule_day(db: Session, p: Principal, data: dict[str, Any], row: Any) -> None:
    schedule_id = _merged(data, row, "schedule_id")
    day = _merged(data, row, "day") or _merged(data, row, "night")
    schedule = db.get(m.Schedule, schedule_id) if schedule_id else None
    if schedule is None or day is None:
        return
    year = db.get(m.AcademicYear, schedule.academic_year_id)
    if year and not year.start_date <= day <= year.end_date:
        field = "day" if "day" in data or (row is not None and hasattr(row, "day")) else "night"
        raise _bad(field, f"{day} is outside academic year {year.label} ({year.start_date}..{year.end_date})")


def refuse_published_delete(db: Session, p: Principal, row: Any) -> None:
    if row.status == ScheduleStatus.PUBLISHED:
        raise ApiError(409, "in_use", "the published schedule cannot be deleted; publish another first")


def _pgy_filter(raw: str):
    try:
        level = int(raw)
    except ValueError as exc:
        raise ApiError(422, "invalid_filter", f"pgy: {raw!r} is not a whole number", "pgy") from exc
    today = date.today()
    current = select(m.PgyLevel.person_id).where(m.PgyLevel.pgy == level, m.PgyLevel.promotion_date <= today)
    return m.Person.id.in_(current)


READ_ONLY_RUN = ("status", "started_at", "finished_at", "timings", "objective", "counts", "message", "created_by_id")

RESOURCES: list[Resource] = [
    Resource(
        m.AcademicYear,
        "academic_year",
        "/academic-years",
        validate=validate_year,
        owned=(m.Block, m.Holiday),
        filters=("label",),
        date_range=("start_date", "end_date"),
    ),
    Resource(
        m.Block,
        "block",
        "/blocks",
        validate=validate_dated("start_date", "end_date"),
        filters=("academic_year_id", "number"),
        date_range=("start_date", "end_date"),
    ),
    Resource(m.Holiday, "holiday", "/holidays", filters=("academic_year_id",), date_range=("day", "day")),
    Resource(
        m.Person,
        "person",
        "/people",
        validate=validate_person,
        may_write=may_edit_own_profile,
        self_service={Role.FACULTY: ("update",)},
        owned=(m.PgyLevel,),
        filters=("kind", "faculty_role", "key"),
        extra_filters={"pgy": _pgy_filter},
        date_range=("active_from", "active_to"),
    ),
    Resource(
        m.PgyLevel, "pgy_level", "/pgy-levels", validate=validate_pgy, filters=("person_id", "academic_year_id", "pgy")
    ),
    Resource(m.Activity, "activity", "/activities", validate=validate_activity, filters=("code", "category")),
    Resource(
        m.Rotation,
        "rotation",
        "/rotations",
        validate=validate_rotation,
        filters=("abbreviation", "leave_allowed", "off_site", "is_night_float"),
    ),
    Resource(
        m.CurriculumRequirement, "curriculum_requirement", "/curriculum", validate=validate_curriculum, filters=("pgy",)
    ),
    Resource(m.CallPool, "call_pool", "/call-pools", validate=validate_call_pool, filters=("kind",)),
    Resource(
        m.BackupActivation,
        "backup_activation",
        "/backup-activations",
        read=Access.COORDINATOR,
        # the defense actions (POST /resilience/actions) also fill the nights and revert; by hand,
        # a row only opens or (deactivated_at) closes the window
        read_only=("activated_at", "activated_by_id", "deactivated_by_id", "base_schedule_id", "filled", "unfilled"),
        validate=validate_dated("start_date", "end_date"),
        prepare_create=prepare_backup_activation,
        filters=("call_pool_id",),
        date_range=("start_date", "end_date"),
    ),
    Resource(
        m.Absence,
        "absence",
        "/absences",
        read=Access.ANY,
        own_rows="person_id",
        read_only=("status", "requested_by_id", "decided_by_id", "decided_at"),
        validate=validate_absence,
        prepare_create=prepare_absence,
        may_write=may_request_own_absence,
        self_service={role: ("create", "update", "delete") for role in (Role.FACULTY, Role.RESIDENT)},
        filters=("person_id", "type", "status"),
        date_range=("start_date", "end_date"),
    ),
    Resource(m.Procedure, "procedure", "/procedures", filters=("code",)),
    Resource(
        m.ProcedureCredential,
        "procedure_credential",
        "/procedure-credentials",
        read=Access.STAFF,
        validate=validate_dated("issued", "expires"),
        filters=("person_id", "procedure_id", "status"),
        date_range=("expires", "expires"),
    ),
    Resource(m.CertificationType, "certification_type", "/certification-types", filters=("name",)),
    Resource(
        m.PersonCertification,
        "person_certification",
        "/person-certifications",
        own_rows="person_id",
        validate=validate_dated("issued", "expires"),
        filters=("person_id", "certification_type_id"),
        date_range=("expires", "expires"),
    ),
    Resource(
        m.ScheduleRun,
        "schedule_run",
        "/schedule-runs",
        read=Access.COORDINATOR,
        read_only=READ_ONLY_RUN,
        filters=("status", "algorithm", "academic_year_id"),
    ),
    Resource(
        m.Schedule,
        "schedule",
        "/schedules",
        published_only=True,
        read_only=("status", "published_at"),
        owned=(m.BlockAssignment, m.HalfDayAssignment, m.CallAssignment),
        before_delete=refuse_published_delete,
        filters=("status", "academic_year_id", "run_id"),
    ),
    Resource(
        m.BlockAssignment,
        "block_assignment",
        "/block-assignments",
        published_only=True,
        filters=("schedule_id", "person_id", "block_id", "rotation_id", "part", "locked"),
    ),
    Resource(
        m.HalfDayAssignment,
        "half_day_assignment",
        "/half-day-assignments",
        published_only=True,
        validate=validate_schedule_day,
        guard=guard,
        filters=("schedule_id", "person_id", "activity_id", "half", "source", "locked"),
        date_range=("day", "day"),
    ),
    Resource(
        m.CallAssignment,
        "call_assignment",
        "/call-assignments",
        published_only=True,
        validate=validate_schedule_day,
        guard=guard,
        filters=("schedule_id", "person_id", "call_pool_id"),
        date_range=("night", "night"),
    ),
]
