"""The database schema (SQLAlchemy 2 typed ORM). Alembic migrations are the only way it is created.

Enumerated columns are strings; ``info={"choices": Enum}`` tells the API which values are valid.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from residency.domain.program import (
    AbsenceStatus,
    AbsenceType,
    ActivityCategory,
    CallKind,
    FacultyRole,
    PersonKind,
)
from residency.store.base import Base, ProgramScoped, Timestamps, Versioned, utcnow
from residency.store.enums import (
    AssignmentPart,
    AssignmentSource,
    Competency,
    CredentialStatus,
    HalfDayName,
    Role,
    RunStatus,
    ScheduleStatus,
)


def choice(enum: type, length: int = 32, **kw) -> Mapped:
    return mapped_column(String(length), info={"choices": enum}, **kw)


class Program(Versioned, Timestamps, Base):
    __tablename__ = "programs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")


class AcademicYear(ProgramScoped, Versioned, Timestamps, Base):
    __tablename__ = "academic_years"
    __table_args__ = (UniqueConstraint("program_id", "label"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")


class Block(ProgramScoped, Versioned, Base):
    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("academic_year_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class Holiday(ProgramScoped, Versioned, Base):
    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("academic_year_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(100))


class Person(ProgramScoped, Versioned, Timestamps, Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("program_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = choice(PersonKind)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    faculty_role: Mapped[str | None] = choice(FacultyRole, nullable=True)
    clinic_cap_week: Mapped[int | None] = mapped_column(Integer)
    clinic_cap_block: Mapped[int | None] = mapped_column(Integer)
    fte: Mapped[float] = mapped_column(Float, default=1.0)
    moonlighting_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    j1_visa: Mapped[bool] = mapped_column(Boolean, default=False)
    active_from: Mapped[date | None] = mapped_column(Date)
    active_to: Mapped[date | None] = mapped_column(Date)


class PgyLevel(ProgramScoped, Versioned, Base):
    __tablename__ = "pgy_levels"
    __table_args__ = (UniqueConstraint("person_id", "academic_year_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id"), index=True)
    pgy: Mapped[int] = mapped_column(Integer)
    promotion_date: Mapped[date] = mapped_column(Date)


class Activity(ProgramScoped, Versioned, Timestamps, Base):
    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("program_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = choice(ActivityCategory)
    counts_duty_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    am_start: Mapped[time] = mapped_column(Time, default=time(8, 0))
    am_end: Mapped[time] = mapped_column(Time, default=time(12, 0))
    pm_start: Mapped[time] = mapped_column(Time, default=time(13, 0))
    pm_end: Mapped[time] = mapped_column(Time, default=time(17, 0))
    supervision_load: Mapped[dict] = mapped_column(default=dict)
    provides_supervision: Mapped[bool] = mapped_column(Boolean, default=False)
    colour: Mapped[str] = mapped_column(String(16), default="#ffffff")


class Rotation(ProgramScoped, Versioned, Timestamps, Base):
    __tablename__ = "rotations"
    __table_args__ = (UniqueConstraint("program_id", "abbreviation", "effective_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    abbreviation: Mapped[str] = mapped_column(String(32))
    eligible_pgy: Mapped[list] = mapped_column(default=list)
    min_residents: Mapped[int] = mapped_column(Integer, default=0)
    max_residents: Mapped[int | None] = mapped_column(Integer)
    leave_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    off_site: Mapped[bool] = mapped_column(Boolean, default=False)
    half_block_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_night_float: Mapped[bool] = mapped_column(Boolean, default=False)
    # 56 activity codes: 4 weeks x 7 days x AM/PM; ``flexible`` lists the solver-chosen cells.
    pattern: Mapped[list] = mapped_column(default=list)
    flexible: Mapped[list] = mapped_column(default=list)
    effective_from: Mapped[date] = mapped_column(Date, default=date(1900, 1, 1))


class CurriculumRequirement(ProgramScoped, Versioned, Base):
    __tablename__ = "curriculum_requirements"
    id: Mapped[int] = mapped_column(primary_key=True)
    pgy: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    rotations: Mapped[list] = mapped_column(default=list)  # rotation abbreviations
    min_blocks: Mapped[float] = mapped_column(Float, default=0)
    max_blocks: Mapped[float | None] = mapped_column(Float)


class CallPool(ProgramScoped, Versioned, Timestamps, Base):
    __tablename__ = "call_pools"
    __table_args__ = (UniqueConstraint("program_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = choice(CallKind)
    eligible_pgy: Mapped[list] = mapped_column(default=list)
    includes_faculty: Mapped[bool] = mapped_column(Boolean, default=False)
    member_keys: Mapped[list] = mapped_column(default=list)  # explicit person keys; empty = all eligible
    weekdays: Mapped[list] = mapped_column(default=lambda: list(range(7)))  # 0 = Monday
    covers_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    shift_start: Mapped[time] = mapped_column(Time, default=time(7, 0))
    shift_end: Mapped[time] = mapped_column(Time, default=time(7, 0))
    post_call_codes: Mapped[list] = mapped_column(default=list)
    per_night: Mapped[int] = mapped_column(Integer, default=1)
    backup_keys: Mapped[list] = mapped_column(default=list)  # people flagged as this pool's backup


class BackupActivation(ProgramScoped, Versioned, Base):
    """A call pool's backup people made eligible for its call over a date range (the defense action
    activate_backup_call_pool), with the repair draft that filled the uncovered nights; ended when
    ``deactivated_at`` is set."""

    __tablename__ = "backup_activations"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_pool_id: Mapped[int] = mapped_column(ForeignKey("call_pools.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    activated_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deactivated_at: Mapped[datetime | None] = mapped_column()
    deactivated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    base_schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id"))  # published when activated
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id"))  # the fill's draft
    filled: Mapped[list] = mapped_column(default=list)  # calls the backup people took
    unfilled: Mapped[list] = mapped_column(default=list)  # nights still short


class Absence(ProgramScoped, Versioned, Timestamps, Base):
    __tablename__ = "absences"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    start_half: Mapped[str] = choice(HalfDayName, 2, default="AM")
    end_date: Mapped[date] = mapped_column(Date)
    end_half: Mapped[str] = choice(HalfDayName, 2, default="PM")
    type: Mapped[str] = choice(AbsenceType)
    status: Mapped[str] = choice(AbsenceStatus, default="requested")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    notes: Mapped[str] = mapped_column(Text, default="")


class Procedure(ProgramScoped, Versioned, Base):
    __tablename__ = "procedures"
    __table_args__ = (UniqueConstraint("program_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))


class ProcedureCredential(ProgramScoped, Versioned, Base):
    __tablename__ = "procedure_credentials"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    status: Mapped[str] = choice(CredentialStatus, default="active")
    competency: Mapped[str] = choice(Competency, default="independent")
    issued: Mapped[date | None] = mapped_column(Date)
    expires: Mapped[date | None] = mapped_column(Date)
    max_per_week: Mapped[int | None] = mapped_column(Integer)


class CertificationType(ProgramScoped, Versioned, Base):
    __tablename__ = "certification_types"
    __table_args__ = (UniqueConstraint("program_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    renewal_months: Mapped[int] = mapped_column(Integer)
    required_for_residents: Mapped[bool] = mapped_column(Boolean, default=True)
    required_for_faculty: Mapped[bool] = mapped_column(Boolean, default=True)


class PersonCertification(ProgramScoped, Versioned, Base):
    """One row per certificate held; a renewal adds a row, so history is kept."""

    __tablename__ = "person_certifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    certification_type_id: Mapped[int] = mapped_column(ForeignKey("certification_types.id"), index=True)
    issued: Mapped[date] = mapped_column(Date)
    expires: Mapped[date] = mapped_column(Date)


class ScheduleRun(ProgramScoped, Versioned, Timestamps, Base):
    __tablename__ = "schedule_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    algorithm: Mapped[str] = mapped_column(String(32), default="hybrid")
    parameters: Mapped[dict] = mapped_column(default=dict)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = choice(RunStatus, default="queued")
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    timings: Mapped[dict] = mapped_column(default=dict)
    objective: Mapped[float | None] = mapped_column(Float)
    counts: Mapped[dict] = mapped_column(default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    # Live progress while running (layer, objective, bound, elapsed), written by the worker.
    progress: Mapped[dict] = mapped_column(default=dict)


class Schedule(ProgramScoped, Versioned, Timestamps, Base):
    """A version of the year's schedule: a draft (usually from a run) or the published one."""

    __tablename__ = "schedules"
    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_years.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("schedule_runs.id"))
    status: Mapped[str] = choice(ScheduleStatus, default="draft")
    name: Mapped[str] = mapped_column(String(100), default="")
    published_at: Mapped[datetime | None] = mapped_column()
    scenario: Mapped[str | None] = mapped_column(String(64))  # a resilience fallback scenario's key


class BlockAssignment(ProgramScoped, Versioned, Base):
    __tablename__ = "block_assignments"
    __table_args__ = (UniqueConstraint("schedule_id", "person_id", "block_id", "part"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id"), index=True)
    part: Mapped[str] = choice(AssignmentPart, 16, default="whole")
    source: Mapped[str] = choice(AssignmentSource, 16, default="manual")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)


class HalfDayAssignment(ProgramScoped, Versioned, Base):
    __tablename__ = "half_day_assignments"
    __table_args__ = (
        UniqueConstraint("schedule_id", "person_id", "day", "half"),
        Index("ix_half_day_schedule_day", "schedule_id", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    half: Mapped[str] = choice(HalfDayName, 2)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    source: Mapped[str] = choice(AssignmentSource, 16, default="manual")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)


class CallAssignment(ProgramScoped, Versioned, Base):
    __tablename__ = "call_assignments"
    __table_args__ = (UniqueConstraint("schedule_id", "call_pool_id", "night", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    call_pool_id: Mapped[int] = mapped_column(ForeignKey("call_pools.id"), index=True)
    night: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = choice(AssignmentSource, 16, default="manual")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)


class User(Versioned, Timestamps, Base):
    """A login. ``program_id`` is null only for administrators who serve every program."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = choice(Role, 16)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    replaced_by_id: Mapped[int | None] = mapped_column(Integer)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_client_at", "client", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict | None] = mapped_column()
    after: Mapped[dict | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)


class CalendarToken(ProgramScoped, Base):
    """A revocable secret for one person's ICS subscription feed (only its SHA-256 is stored)."""

    __tablename__ = "calendar_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column()


class HealthReportRow(ProgramScoped, Base):
    """One resilience health check, as computed (the latest drives the Prometheus gauges)."""

    __tablename__ = "health_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(16), default="full")  # full | quick
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id"))
    as_of: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(32))
    level_number: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    report: Mapped[dict] = mapped_column(default=dict)


class DefenseEvent(ProgramScoped, Base):
    """A change of defense level, with why and what was done about it."""

    __tablename__ = "defense_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    health_report_id: Mapped[int | None] = mapped_column(ForeignKey("health_reports.id"))
    previous: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list] = mapped_column(default=list)
    actions: Mapped[list] = mapped_column(default=list)


class Notification(ProgramScoped, Base):
    """An in-app message to one user (also e-mailed when SMTP is configured)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(default=dict)
    read_at: Mapped[datetime | None] = mapped_column()
    emailed_at: Mapped[datetime | None] = mapped_column()


class ReminderSent(ProgramScoped, Base):
    """Expiry reminders already sent, so each (item, days-before) goes out once."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("subject", "subject_id", "days_before"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(32))  # certification | credential
    subject_id: Mapped[int] = mapped_column(Integer)
    days_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
