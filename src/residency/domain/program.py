"""A residency program as a pure snapshot: what the solver, the compliance engine and the
sample generator share. The database stores the same things (see ``residency.store.models``).

References between objects use stable string keys (``Person.key``, ``Activity.code``,
``Rotation.abbreviation``), never database ids, so a Program can be built by a test, a
benchmark generator or the loader alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from residency.domain.calendar import AcademicYear, HalfDay

PATTERN_WEEKS = 4
PATTERN_CELLS = PATTERN_WEEKS * 7 * 2  # 4 weeks x 7 days x AM/PM


class PersonKind(StrEnum):
    RESIDENT = "resident"
    FACULTY = "faculty"
    OTHER_LEARNER = "other_learner"
    STAFF = "staff"


class FacultyRole(StrEnum):
    PROGRAM_DIRECTOR = "program_director"
    ASSOCIATE_PD = "associate_pd"
    CHIEF = "chief"
    SPORTS_MEDICINE = "sports_medicine"
    CORE = "core"
    ADJUNCT = "adjunct"


class ActivityCategory(StrEnum):
    CLINICAL = "clinical"
    EDUCATION = "education"
    ADMIN = "admin"
    OFF = "off"
    LEAVE = "leave"
    CALL = "call"


class AbsenceType(StrEnum):
    VACATION = "vacation"
    SICK = "sick"
    MEDICAL = "medical"
    PARENTAL = "parental"
    CONFERENCE = "conference"
    DEPLOYMENT = "deployment"
    TDY = "tdy"
    FAMILY_EMERGENCY = "family_emergency"
    BEREAVEMENT = "bereavement"
    EDUCATIONAL = "educational"


class AbsenceStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DENIED = "denied"
    CANCELLED = "cancelled"


class CallKind(StrEnum):
    IN_HOUSE = "in_house"
    HOME = "home"
    NIGHT_FLOAT = "night_float"


@dataclass(frozen=True, slots=True)
class PgyLevel:
    """A resident's PGY level for one academic year; it takes effect on ``promotion_date``."""

    year_label: str
    pgy: int
    promotion_date: date


@dataclass(frozen=True, slots=True)
class Person:
    key: str
    kind: PersonKind
    name: str
    email: str | None = None
    pgy_levels: tuple[PgyLevel, ...] = ()
    faculty_role: FacultyRole | None = None
    clinic_cap_week: int | None = None
    clinic_cap_block: int | None = None
    fte: float = 1.0
    moonlighting_approved: bool = False
    j1_visa: bool = False
    active_from: date | None = None
    active_to: date | None = None

    def pgy_on(self, day: date) -> int | None:
        """PGY level in force on ``day``: the latest level whose promotion date is on or before it."""
        current = None
        for level in sorted(self.pgy_levels, key=lambda p: p.promotion_date):
            if level.promotion_date <= day:
                current = level.pgy
        return current


@dataclass(frozen=True, slots=True)
class Activity:
    """A half-day code such as C (clinic), FMIT, LEC, W (weekend off) or LV (leave)."""

    code: str
    name: str
    category: ActivityCategory
    counts_duty_hours: bool = True
    am_start: time = time(8, 0)
    am_end: time = time(12, 0)
    pm_start: time = time(13, 0)
    pm_end: time = time(17, 0)
    # Fractional supervision load one resident in this activity creates, by PGY class
    # ("pgy1", "senior"); empty = needs no clinic supervision.
    supervision_load: dict[str, float] = field(default_factory=dict)
    provides_supervision: bool = False
    colour: str = "#ffffff"

    def times(self, half: HalfDay) -> tuple[time, time]:
        return (self.am_start, self.am_end) if half == HalfDay.AM else (self.pm_start, self.pm_end)


@dataclass(frozen=True, slots=True)
class Rotation:
    """A rotation and its weekly pattern: 4 weeks x 7 days x AM/PM activity codes.

    ``pattern[i]`` with ``i = (day_offset % 28) * 2 + (0 for AM, 1 for PM)``, ``day_offset`` counted
    from the first day the rotation is worked. Cells listed in ``flexible`` are the solver's choice
    (e.g. continuity clinic); their code is the default.
    """

    name: str
    abbreviation: str
    eligible_pgy: tuple[int, ...]
    pattern: tuple[str, ...]
    flexible: frozenset[int] = frozenset()
    min_residents: int = 0
    max_residents: int | None = None
    leave_allowed: bool = True
    off_site: bool = False
    half_block_allowed: bool = False
    is_night_float: bool = False
    effective_from: date | None = None

    def __post_init__(self) -> None:
        if len(self.pattern) != PATTERN_CELLS:
            raise ValueError(f"rotation {self.abbreviation}: pattern needs {PATTERN_CELLS} cells")
        if any(not 0 <= i < PATTERN_CELLS for i in self.flexible):
            raise ValueError(f"rotation {self.abbreviation}: flexible cell out of range")

    def code_on(self, day_offset: int, half: HalfDay) -> str:
        return self.pattern[(day_offset % 28) * 2 + (0 if half == HalfDay.AM else 1)]


@dataclass(frozen=True, slots=True)
class CurriculumRequirement:
    """PGY-``pgy`` residents must spend between min and max blocks a year on ``rotations``."""

    pgy: int
    name: str
    rotations: tuple[str, ...]  # rotation abbreviations forming the group
    min_blocks: float
    max_blocks: float | None = None


@dataclass(frozen=True, slots=True)
class CallPool:
    name: str
    kind: CallKind
    eligible_pgy: tuple[int, ...] = ()
    includes_faculty: bool = False
    members: tuple[str, ...] = ()  # explicit person keys; empty = everyone eligible
    weekdays: frozenset[int] = frozenset(range(7))  # 0 = Monday
    covers_holidays: bool = True
    shift_start: time = time(7, 0)
    shift_end: time = time(7, 0)  # on the next day when <= shift_start
    post_call_codes: tuple[str, ...] = ()
    per_night: int = 1
    # people flagged as this pool's backup: eligible for its call only inside an activated window
    # (the defense action activate_backup_call_pool; windows are inclusive date ranges)
    backup_members: tuple[str, ...] = ()
    backup_windows: tuple[tuple[date, date], ...] = ()

    def backup_on(self, night: date) -> tuple[str, ...]:
        """The backup people eligible for this pool's call on ``night`` (none outside a window)."""
        if any(lo <= night <= hi for lo, hi in self.backup_windows):
            return self.backup_members
        return ()

    @property
    def nominal_minutes(self) -> int:
        """Wall-clock length: 07:00 -> 07:00 is 24 h, 17:00 -> 07:00 is 14 h."""
        start = self.shift_start.hour * 60 + self.shift_start.minute
        end = self.shift_end.hour * 60 + self.shift_end.minute
        return (end - start) % 1440 or 1440

    def span(self, night: date, tz: tzinfo) -> tuple[datetime, datetime]:
        """Real start and end of the shift that starts on ``night``. A shift keeps its nominal real
        length on the nights the clocks change (a 07:00 call over the autumn change ends at 06:00), so
        a 24-hour call is never 25 real hours; the program's policy, documented in docs/architecture.md."""
        start = datetime.combine(night, self.shift_start, tzinfo=tz)
        end = (start.astimezone(UTC) + timedelta(minutes=self.nominal_minutes)).astimezone(tz)
        return start, end


@dataclass(frozen=True, slots=True)
class Absence:
    person: str
    start: date
    end: date
    start_half: HalfDay = HalfDay.AM
    end_half: HalfDay = HalfDay.PM
    type: AbsenceType = AbsenceType.VACATION
    status: AbsenceStatus = AbsenceStatus.REQUESTED
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Procedure:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ProcedureCredential:
    person: str
    procedure: str
    status: str = "active"  # active | provisional | suspended | expired
    competency: str = "independent"  # trainee | supervised | independent | trainer
    issued: date | None = None
    expires: date | None = None
    max_per_week: int | None = None


@dataclass(frozen=True, slots=True)
class CertificationType:
    name: str
    renewal_months: int
    required_for_residents: bool = True
    required_for_faculty: bool = True


@dataclass(frozen=True, slots=True)
class PersonCertification:
    person: str
    certification: str
    issued: date
    expires: date


@dataclass(frozen=True, slots=True)
class BlockAssignment:
    """A resident on a rotation for a block, whole or one half."""

    person: str
    block: int
    rotation: str
    part: str = "whole"  # whole | first_half | second_half


@dataclass(frozen=True, slots=True)
class Program:
    name: str
    year: AcademicYear
    people: tuple[Person, ...]
    activities: tuple[Activity, ...]
    rotations: tuple[Rotation, ...]
    curriculum: tuple[CurriculumRequirement, ...] = ()
    call_pools: tuple[CallPool, ...] = ()
    absences: tuple[Absence, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    credentials: tuple[ProcedureCredential, ...] = ()
    certification_types: tuple[CertificationType, ...] = ()
    certifications: tuple[PersonCertification, ...] = ()
    block_assignments: tuple[BlockAssignment, ...] = ()  # locks and pre-assignments

    def residents(self) -> list[Person]:
        return [p for p in self.people if p.kind == PersonKind.RESIDENT]

    def faculty(self) -> list[Person]:
        return [p for p in self.people if p.kind == PersonKind.FACULTY]

    def activity(self, code: str) -> Activity:
        for a in self.activities:
            if a.code == code:
                return a
        raise KeyError(code)

    def rotation(self, abbreviation: str) -> Rotation:
        for r in self.rotations:
            if r.abbreviation == abbreviation:
                return r
        raise KeyError(abbreviation)
