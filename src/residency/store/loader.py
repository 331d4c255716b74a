"""Rows → the pure Program snapshot the core works on. The one place the core's input is read."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from residency.domain import program as d
from residency.domain.calendar import AcademicYear, Block, HalfDay, Holiday
from residency.store import models as m

NO_DATE = date(1900, 1, 1)  # rotations.effective_from for a rotation with no dated versions


class NotFound(LookupError):
    pass


def load_program(session: Session, program_id: int, year_label: str | None = None) -> d.Program:
    prog = session.get(m.Program, program_id)
    if prog is None:
        raise NotFound(f"program {program_id} not found")
    years = select(m.AcademicYear).where(m.AcademicYear.program_id == program_id)
    if year_label:
        years = years.where(m.AcademicYear.label == year_label)
    year_row = session.scalars(years.order_by(m.AcademicYear.start_date.desc())).first()
    if year_row is None:
        raise NotFound(f"program {program_id} has no academic year {year_label or ''}".strip())

    def rows(model):
        return session.scalars(select(model).where(model.program_id == program_id).order_by(model.id)).all()

    blocks = session.scalars(
        select(m.Block).where(m.Block.academic_year_id == year_row.id).order_by(m.Block.number)
    ).all()
    holidays = session.scalars(
        select(m.Holiday).where(m.Holiday.academic_year_id == year_row.id).order_by(m.Holiday.day)
    ).all()
    year = AcademicYear(
        label=year_row.label,
        start=year_row.start_date,
        end=year_row.end_date,
        timezone=year_row.timezone,
        blocks=tuple(Block(b.number, b.start_date, b.end_date) for b in blocks),
        holidays=tuple(Holiday(h.day, h.name) for h in holidays),
    )
    people_rows = rows(m.Person)
    key_of = {p.id: p.key for p in people_rows}
    levels: dict[int, list[d.PgyLevel]] = {}
    year_labels = {y.id: y.label for y in rows(m.AcademicYear)}
    for lv in rows(m.PgyLevel):
        levels.setdefault(lv.person_id, []).append(
            d.PgyLevel(year_labels[lv.academic_year_id], lv.pgy, lv.promotion_date)
        )
    people = tuple(
        d.Person(
            key=p.key,
            kind=d.PersonKind(p.kind),
            name=p.name,
            email=p.email,
            pgy_levels=tuple(levels.get(p.id, ())),
            faculty_role=d.FacultyRole(p.faculty_role) if p.faculty_role else None,
            clinic_cap_week=p.clinic_cap_week,
            clinic_cap_block=p.clinic_cap_block,
            fte=p.fte,
            moonlighting_approved=p.moonlighting_approved,
            j1_visa=p.j1_visa,
            active_from=p.active_from,
            active_to=p.active_to,
        )
        for p in people_rows
    )
    activities = tuple(
        d.Activity(
            code=a.code,
            name=a.name,
            category=d.ActivityCategory(a.category),
            counts_duty_hours=a.counts_duty_hours,
            am_start=a.am_start,
            am_end=a.am_end,
            pm_start=a.pm_start,
            pm_end=a.pm_end,
            supervision_load=dict(a.supervision_load or {}),
            provides_supervision=a.provides_supervision,
            colour=a.colour,
        )
        for a in rows(m.Activity)
    )
    rotations = tuple(
        d.Rotation(
            name=r.name,
            abbreviation=r.abbreviation,
            eligible_pgy=tuple(r.eligible_pgy),
            pattern=tuple(r.pattern),
            flexible=frozenset(r.flexible),
            min_residents=r.min_residents,
            max_residents=r.max_residents,
            leave_allowed=r.leave_allowed,
            off_site=r.off_site,
            half_block_allowed=r.half_block_allowed,
            is_night_float=r.is_night_float,
            effective_from=None if r.effective_from == NO_DATE else r.effective_from,
        )
        for r in _current_rotations(rows(m.Rotation), year.start)
        if len(r.pattern) == d.PATTERN_CELLS
    )
    curriculum = tuple(
        d.CurriculumRequirement(
            pgy=c.pgy, name=c.name, rotations=tuple(c.rotations), min_blocks=c.min_blocks, max_blocks=c.max_blocks
        )
        for c in rows(m.CurriculumRequirement)
    )
    backup_windows: dict[int, list[tuple[date, date]]] = {}
    for act in rows(m.BackupActivation):
        if act.deactivated_at is None:
            backup_windows.setdefault(act.call_pool_id, []).append((act.start_date, act.end_date))
    pools = tuple(
        d.CallPool(
            name=c.name,
            kind=d.CallKind(c.kind),
            eligible_pgy=tuple(c.eligible_pgy),
            includes_faculty=c.includes_faculty,
            members=tuple(c.member_keys),
            weekdays=frozenset(c.weekdays),
            covers_holidays=c.covers_holidays,
            shift_start=c.shift_start,
            shift_end=c.shift_end,
            post_call_codes=tuple(c.post_call_codes),
            per_night=c.per_night,
            backup_members=tuple(c.backup_keys or ()),
            backup_windows=tuple(backup_windows.get(c.id, ())),
        )
        for c in rows(m.CallPool)
    )
    absences = tuple(
        d.Absence(
            person=key_of[a.person_id],
            start=a.start_date,
            end=a.end_date,
            start_half=HalfDay(a.start_half),
            end_half=HalfDay(a.end_half),
            type=d.AbsenceType(a.type),
            status=d.AbsenceStatus(a.status),
            notes=a.notes,
        )
        for a in rows(m.Absence)
    )
    procedures = rows(m.Procedure)
    proc_code = {p.id: p.code for p in procedures}
    cert_types = rows(m.CertificationType)
    cert_name = {c.id: c.name for c in cert_types}
    return d.Program(
        name=prog.name,
        year=year,
        people=people,
        activities=activities,
        rotations=rotations,
        curriculum=curriculum,
        call_pools=pools,
        absences=absences,
        procedures=tuple(d.Procedure(p.code, p.name) for p in procedures),
        credentials=tuple(
            d.ProcedureCredential(
                person=key_of[c.person_id],
                procedure=proc_code[c.procedure_id],
                status=c.status,
                competency=c.competency,
                issued=c.issued,
                expires=c.expires,
                max_per_week=c.max_per_week,
            )
            for c in rows(m.ProcedureCredential)
        ),
        certification_types=tuple(
            d.CertificationType(c.name, c.renewal_months, c.required_for_residents, c.required_for_faculty)
            for c in cert_types
        ),
        certifications=tuple(
            d.PersonCertification(
                person=key_of[c.person_id],
                certification=cert_name[c.certification_type_id],
                issued=c.issued,
                expires=c.expires,
            )
            for c in rows(m.PersonCertification)
        ),
    )


def _current_rotations(rotations: list[m.Rotation], on) -> list[m.Rotation]:
    """Of each rotation's effective-dated versions, the latest in force on ``on`` (else the earliest)."""
    by_abbr: dict[str, list[m.Rotation]] = {}
    for r in rotations:
        by_abbr.setdefault(r.abbreviation, []).append(r)
    chosen = []
    for versions in by_abbr.values():
        versions.sort(key=lambda r: r.effective_from)
        in_force = [r for r in versions if r.effective_from <= on]
        chosen.append(in_force[-1] if in_force else versions[0])
    return sorted(chosen, key=lambda r: r.id)
