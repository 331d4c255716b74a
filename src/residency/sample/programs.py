"""Deterministic sample programs: ``build_program(size, seed, start)``.

Three sizes (see docs/sample-programs.md):
- ``small``: 3 residents per PGY-1..3, 4 faculty, 6 rotations, a short year of 4 x 28-day blocks;
- ``realistic``: modelled on the shared AY25-26 workbook: 6 residents per PGY, 10 faculty,
  31 rotations from its Templates sheet, its 13-block layout, federal holidays, call pools,
  curriculum, certifications, procedure credentials and a few absences;
- ``large``: the realistic program with three times the people (54 residents, 30 faculty) and
  rotation capacities scaled by three.

The seed only changes names and certification dates; everything countable is fixed by the size.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, time, timedelta

from residency.domain.calendar import (
    AcademicYear,
    Block,
    HalfDay,
    blocks_of_lengths,
    check_layout,
    layout_workbook,
    us_federal_holidays,
)
from residency.domain.program import (
    Absence,
    AbsenceStatus,
    AbsenceType,
    BlockAssignment,
    CallKind,
    CallPool,
    CertificationType,
    CurriculumRequirement,
    FacultyRole,
    Person,
    PersonCertification,
    Procedure,
    ProcedureCredential,
    Program,
)
from residency.sample.activities import build_activities
from residency.sample.people import (
    NameMaker,
    build_faculty,
    build_residents,
    faculty_key,
    faculty_seats,
    resident_key,
)
from residency.sample.rotations import build_rotations

PGYS = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class Size:
    residents_per_pgy: int
    scale: int  # capacity multiplier relative to the realistic program
    rotations: tuple[str, ...] | None  # None = every shipped template


SMALL_ROTATIONS = ("FMIT1", "FMIT2", "FMC1", "FMC", "NF", "PROC")

SIZES = {
    "small": Size(3, 1, SMALL_ROTATIONS),
    "realistic": Size(6, 1, None),
    "large": Size(18, 3, None),
}

# pgy, requirement name, rotations, min blocks, max blocks
Row = tuple[int, str, tuple[str, ...], float, float | None]

CURRICULUM_SMALL: list[Row] = [
    (1, "Inpatient teaching service", ("FMIT1",), 1, None),
    (1, "Family medicine clinic", ("FMC1",), 1, None),
    (1, "Night float", ("NF",), 0.5, 1),
    (2, "Inpatient teaching service", ("FMIT2",), 1, None),
    (2, "Family medicine clinic", ("FMC",), 1, None),
    (2, "Night float", ("NF",), 0.5, 1),
    (3, "Inpatient teaching service", ("FMIT2",), 1, None),
    (3, "Family medicine clinic", ("FMC",), 1, None),
    (3, "Night float", ("NF",), 0.5, 1),
]

# The workbook's Block Schedule: what each class actually does in 13 blocks.
CURRICULUM_FULL: list[Row] = [
    (1, "Orientation", ("FMO",), 1, 1),
    (1, "Family medicine clinic", ("FMC1",), 1, None),
    (1, "Inpatient teaching service", ("FMIT1",), 1.5, 2),
    (1, "Intensive care", ("ICU",), 1, None),
    (1, "Labor and delivery (Kapiolani)", ("KAP",), 1, None),
    (1, "Labor and delivery", ("LND",), 1, None),
    (1, "Inpatient medicine", ("IMW",), 1, None),
    (1, "Musculoskeletal", ("MSK",), 1, None),
    (1, "Newborn nursery", ("NBN",), 1, None),
    (1, "Pediatrics clinic", ("PEDC",), 1, None),
    (1, "Pediatrics ward (days)", ("PEDW",), 0.5, 1),
    (1, "Pediatrics ward (nights)", ("PNF",), 0.5, 1),
    (1, "Procedures", ("PROC",), 1, None),
    (1, "Night float", ("NF",), 0.5, 1),
    (2, "Inpatient teaching service", ("FMIT2",), 2, None),
    (2, "Family medicine clinic", ("FMC",), 1, None),
    (2, "Cardiology", ("CARD",), 0.5, 1),
    (2, "Dermatology", ("DERM",), 0.5, 1),
    (2, "Night float", ("NF",), 1, 1.5),
    (2, "Emergency medicine", ("EM",), 1, None),
    (2, "Gynecology", ("GYN",), 1, None),
    (2, "Labor and delivery nights", ("LDNF",), 1, None),
    (2, "Pediatric subspecialty", ("PEDSP",), 1, None),
    (2, "Sports medicine", ("SM",), 1, None),
    (2, "Surgical experience", ("SURG",), 1, None),
    (2, "Electives", ("ELEC", "PROC"), 2, None),
    (3, "Inpatient teaching service", ("FMIT2",), 2, None),
    (3, "Family medicine clinic", ("FMC",), 1, None),
    (3, "Geriatrics", ("GER",), 1, None),
    (3, "Medicine selective", ("MEDSEL",), 1, None),
    (3, "Neonatal intensive care", ("NICU",), 0.5, 1),
    (3, "Psychiatry", ("PSY",), 0.5, 1),
    (3, "Night float", ("NF",), 1, 1.5),
    (3, "Pediatric emergency", ("PEDER",), 1, None),
    (3, "Off-site ICU (TDY)", ("HILO",), 1, None),
    (3, "Electives", ("ELEC", "SM", "DERM", "PROC"), 2, 4),
]

PROCEDURES = (
    Procedure("VAS", "Vasectomy"),
    Procedure("COLPO", "Colposcopy"),
    Procedure("IUD", "IUD insertion and removal"),
    Procedure("NEXP", "Contraceptive implant insertion and removal"),
    Procedure("EMB", "Endometrial biopsy"),
    Procedure("JOINT", "Joint injection and aspiration"),
    Procedure("SKIN", "Skin biopsy and excision"),
    Procedure("OMT", "Osteopathic manipulative treatment"),
)

CERTIFICATION_TYPES = (
    CertificationType("BLS", 24),
    CertificationType("ACLS", 24),
    CertificationType("PALS", 24, required_for_faculty=False),
    CertificationType("NRP", 24, required_for_faculty=False),
    CertificationType("ALSO", 60, required_for_faculty=False),
)

# (person, certification, days after the start of the year it expires): "expiring soon" cases.
EXPIRING_SOON = (
    (resident_key(2, 1), "BLS", 21),
    (resident_key(3, 2), "ACLS", 40),
    (faculty_key(2), "ACLS", 55),
)


def build_program(size: str = "realistic", seed: int = 0, start: date = date(2025, 7, 1)) -> Program:
    """A complete sample Program; the same (size, seed, start) always gives an equal Program."""
    if size not in SIZES:
        raise ValueError(f"unknown sample size {size!r}; choose one of {', '.join(SIZES)}")
    spec = SIZES[size]
    year = _academic_year(size, start)
    names = NameMaker(seed)

    residents = build_residents(names, spec.residents_per_pgy, PGYS, start, year.label)
    seats = faculty_seats(size)
    faculty = build_faculty(names, seats, start)
    people = tuple(residents + faculty)

    rotations = build_rotations(
        _anchor_weekday(year.blocks),
        list(spec.rotations) if spec.rotations is not None else None,
        scale=spec.scale,
    )
    rows = CURRICULUM_SMALL if size == "small" else CURRICULUM_FULL
    curriculum = tuple(CurriculumRequirement(p, n, r, float(lo), hi) for p, n, r, lo, hi in rows)

    credentials = []
    for person, (seat, _copy) in zip(faculty, seats, strict=True):
        for proc in seat.procedures:
            credentials.append(_credential(person.key, proc, start))

    locks = ()
    if any(r.abbreviation == "FMO" for r in rotations):  # interns all start with orientation
        locks = tuple(BlockAssignment(p.key, year.blocks[0].number, "FMO") for p in residents if _pgy(p) == 1)

    return Program(
        name=f"Sample Family Medicine Residency ({size})",
        year=year,
        people=people,
        activities=build_activities(),
        rotations=rotations,
        curriculum=curriculum,
        call_pools=_call_pools(faculty),
        absences=_absences(size, year, {p.key for p in people}),
        procedures=PROCEDURES,
        credentials=tuple(credentials),
        certification_types=CERTIFICATION_TYPES,
        certifications=_certifications(people, start, seed),
        block_assignments=locks,
    )


def _academic_year(size: str, start: date) -> AcademicYear:
    blocks = blocks_of_lengths(start, [28] * 4) if size == "small" else layout_workbook(start)
    end = blocks[-1].end
    check_layout(start, end, blocks)
    return AcademicYear(
        label=f"AY{start.year}-{(start.year + 1) % 100:02d}",
        start=start,
        end=end,
        blocks=tuple(blocks),
        holidays=tuple(us_federal_holidays(start, end)),
    )


def _anchor_weekday(blocks: tuple[Block, ...]) -> int:
    """The weekday most blocks start on (the workbook's blocks 2-13 start on Thursdays)."""
    counts = Counter(b.start.weekday() for b in blocks)
    best = max(counts.values())
    return next(b.start.weekday() for b in blocks if counts[b.start.weekday()] == best)


def _pgy(person: Person) -> int | None:
    return person.pgy_levels[0].pgy if person.pgy_levels else None


def _call_pools(faculty: list[Person]) -> tuple[CallPool, ...]:
    staff = tuple(p.key for p in faculty if p.faculty_role != FacultyRole.ADJUNCT)
    # the backup pool: core, associate-PD and adjunct faculty cover a resident weeknight when the
    # defense level calls for it (activate_backup_call_pool)
    backup_roles = (FacultyRole.CORE, FacultyRole.ASSOCIATE_PD, FacultyRole.ADJUNCT)
    backup = tuple(p.key for p in faculty if p.faculty_role in backup_roles)
    return (
        CallPool(
            name="Resident in-house call (weeknights)",
            kind=CallKind.IN_HOUSE,
            eligible_pgy=(2, 3),
            weekdays=frozenset({0, 1, 2, 3, 4}),
            shift_start=time(17, 0),
            shift_end=time(7, 0),
            post_call_codes=("PC",),
            backup_members=backup,
        ),
        CallPool(
            name="Resident in-house call (weekends)",
            kind=CallKind.IN_HOUSE,
            eligible_pgy=(2, 3),
            weekdays=frozenset({5, 6}),
            shift_start=time(7, 0),
            shift_end=time(7, 0),
            post_call_codes=("PC",),
        ),
        CallPool(
            name="Faculty staff call",
            kind=CallKind.HOME,
            includes_faculty=True,
            members=staff,
            weekdays=frozenset({6, 0, 1, 2, 3}),  # Sunday-Thursday nights
            shift_start=time(17, 0),
            shift_end=time(7, 0),
            post_call_codes=("PCAT", "DO"),
        ),
    )


# person (in the realistic numbering), first day offset, last day offset, type, status, halves, notes
_ABSENCES = (
    ("R1-02", 100, 106, AbsenceType.VACATION, AbsenceStatus.APPROVED, None, ""),
    ("R2-03", 130, 133, AbsenceType.CONFERENCE, AbsenceStatus.APPROVED, None, "USAFP annual meeting"),
    ("R3-01", 200, 206, AbsenceType.VACATION, AbsenceStatus.REQUESTED, None, ""),
    ("R3-04", 150, 154, AbsenceType.VACATION, AbsenceStatus.APPROVED, (HalfDay.PM, HalfDay.AM), ""),
    ("F-02", 250, 253, AbsenceType.CONFERENCE, AbsenceStatus.REQUESTED, None, "STFM conference"),
    ("F-03", 20, 110, AbsenceType.DEPLOYMENT, AbsenceStatus.APPROVED, None, "Deployment"),
)


def _absences(size: str, year: AcademicYear, keys: set[str]) -> tuple[Absence, ...]:
    """The realistic absences; the large program repeats them for each cohort (keys shifted), the
    small one keeps those of people it has, with dates scaled into its short year."""
    start = year.start

    def day(offset: int) -> date:
        return start + timedelta(days=offset * min(year.days, 365) // 365)

    copies = 3 if size == "large" else 1
    per_pgy, faculty_n = (6, 10)
    out = []
    for copy in range(copies):
        for key, first, last, kind, status, halves, notes in _ABSENCES:
            prefix, number = key.split("-")
            shift = copy * (faculty_n if prefix == "F" else per_pgy)
            person = f"{prefix}-{int(number) + shift:02d}"
            if person not in keys:
                continue
            start_half, end_half = halves or (HalfDay.AM, HalfDay.PM)
            out.append(
                Absence(
                    person=person,
                    start=day(first),
                    end=day(last),
                    start_half=start_half,
                    end_half=end_half,
                    type=kind,
                    status=status,
                    notes=notes,
                )
            )
    return tuple(out)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


def _credential(person: str, procedure: str, start: date) -> ProcedureCredential:
    issued = _add_months(start, -18)
    if procedure == "VAS":
        return ProcedureCredential(
            person, procedure, competency="trainer", issued=issued, expires=_add_months(issued, 24), max_per_week=2
        )
    if procedure == "COLPO" and person == faculty_key(7):
        return ProcedureCredential(person, procedure, status="provisional", competency="supervised", issued=issued)
    return ProcedureCredential(person, procedure, issued=issued, expires=_add_months(issued, 36))


def _certifications(people: tuple[Person, ...], start: date, seed: int) -> tuple[PersonCertification, ...]:
    rng = random.Random(f"certs:{seed}")
    soon = {(p, c): days for p, c, days in EXPIRING_SOON}
    out = []
    for person in people:
        is_resident = person.pgy_levels != ()
        for cert in CERTIFICATION_TYPES:
            if not (cert.required_for_residents if is_resident else cert.required_for_faculty):
                continue
            if (person.key, cert.name) in soon:
                expires = start + timedelta(days=soon[(person.key, cert.name)])
                issued = _add_months(expires, -cert.renewal_months)
            else:
                # issued 1..(renewal - 6) months ago: valid for at least ~6 months into the year
                issued = _add_months(start, -rng.randint(1, cert.renewal_months - 6))
                expires = _add_months(issued, cert.renewal_months)
            out.append(PersonCertification(person.key, cert.name, issued, expires))
    return tuple(out)
