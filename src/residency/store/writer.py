"""Domain objects → rows. Used by the demo, tests and benchmarks to store a whole Program."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from residency.domain import program as d
from residency.store import models as m


def save_program(session: Session, program: d.Program, slug: str) -> m.Program:
    """Insert a complete program (flush only; the caller commits). Fails on a duplicate slug."""
    if session.scalars(select(m.Program).where(m.Program.slug == slug)).first() is not None:
        raise ValueError(f"a program with slug {slug!r} already exists")
    year = program.year
    row = m.Program(name=program.name, slug=slug, timezone=year.timezone)
    session.add(row)
    session.flush()
    pid = row.id

    def add(obj):
        session.add(obj)
        return obj

    year_row = add(
        m.AcademicYear(
            program_id=pid, label=year.label, start_date=year.start, end_date=year.end, timezone=year.timezone
        )
    )
    session.flush()
    for b in year.blocks:
        add(m.Block(program_id=pid, academic_year_id=year_row.id, number=b.number, start_date=b.start, end_date=b.end))
    for h in year.holidays:
        add(m.Holiday(program_id=pid, academic_year_id=year_row.id, day=h.day, name=h.name))

    people: dict[str, m.Person] = {}
    for p in program.people:
        people[p.key] = add(
            m.Person(
                program_id=pid,
                key=p.key,
                kind=p.kind.value,
                name=p.name,
                email=p.email,
                faculty_role=p.faculty_role.value if p.faculty_role else None,
                clinic_cap_week=p.clinic_cap_week,
                clinic_cap_block=p.clinic_cap_block,
                fte=p.fte,
                moonlighting_approved=p.moonlighting_approved,
                j1_visa=p.j1_visa,
                active_from=p.active_from,
                active_to=p.active_to,
            )
        )
    session.flush()
    for p in program.people:
        for level in p.pgy_levels:
            if level.year_label == year.label:
                add(
                    m.PgyLevel(
                        program_id=pid,
                        person_id=people[p.key].id,
                        academic_year_id=year_row.id,
                        pgy=level.pgy,
                        promotion_date=level.promotion_date,
                    )
                )
    for a in program.activities:
        add(activity_row(pid, a))
    for r in program.rotations:
        add(rotation_row(pid, r))
    for c in program.curriculum:
        add(
            m.CurriculumRequirement(
                program_id=pid,
                pgy=c.pgy,
                name=c.name,
                rotations=list(c.rotations),
                min_blocks=c.min_blocks,
                max_blocks=c.max_blocks,
            )
        )
    for pool in program.call_pools:
        add(call_pool_row(pid, pool))
    for ab in program.absences:
        add(
            m.Absence(
                program_id=pid,
                person_id=people[ab.person].id,
                start_date=ab.start,
                start_half=ab.start_half.value,
                end_date=ab.end,
                end_half=ab.end_half.value,
                type=ab.type.value,
                status=ab.status.value,
                notes=ab.notes,
            )
        )
    procedures = {}
    for pr in program.procedures:
        procedures[pr.code] = add(m.Procedure(program_id=pid, code=pr.code, name=pr.name))
    cert_types = {}
    for ct in program.certification_types:
        cert_types[ct.name] = add(
            m.CertificationType(
                program_id=pid,
                name=ct.name,
                renewal_months=ct.renewal_months,
                required_for_residents=ct.required_for_residents,
                required_for_faculty=ct.required_for_faculty,
            )
        )
    session.flush()
    for cr in program.credentials:
        add(
            m.ProcedureCredential(
                program_id=pid,
                person_id=people[cr.person].id,
                procedure_id=procedures[cr.procedure].id,
                status=cr.status,
                competency=cr.competency,
                issued=cr.issued,
                expires=cr.expires,
                max_per_week=cr.max_per_week,
            )
        )
    for pc in program.certifications:
        add(
            m.PersonCertification(
                program_id=pid,
                person_id=people[pc.person].id,
                certification_type_id=cert_types[pc.certification].id,
                issued=pc.issued,
                expires=pc.expires,
            )
        )
    session.flush()
    return row


def activity_row(pid: int, a: d.Activity) -> m.Activity:
    return m.Activity(
        program_id=pid,
        code=a.code,
        name=a.name[:100],
        category=a.category.value,
        counts_duty_hours=a.counts_duty_hours,
        am_start=a.am_start,
        am_end=a.am_end,
        pm_start=a.pm_start,
        pm_end=a.pm_end,
        supervision_load=dict(a.supervision_load),
        provides_supervision=a.provides_supervision,
        colour=a.colour,
    )


def rotation_row(pid: int, r: d.Rotation) -> m.Rotation:
    kwargs = {"effective_from": r.effective_from} if r.effective_from else {}
    return m.Rotation(
        program_id=pid,
        name=r.name[:200],
        abbreviation=r.abbreviation,
        eligible_pgy=list(r.eligible_pgy),
        min_residents=r.min_residents,
        max_residents=r.max_residents,
        leave_allowed=r.leave_allowed,
        off_site=r.off_site,
        half_block_allowed=r.half_block_allowed,
        is_night_float=r.is_night_float,
        pattern=list(r.pattern),
        flexible=sorted(r.flexible),
        **kwargs,
    )


def call_pool_row(pid: int, pool: d.CallPool) -> m.CallPool:
    return m.CallPool(
        program_id=pid,
        name=pool.name,
        kind=pool.kind.value,
        eligible_pgy=list(pool.eligible_pgy),
        includes_faculty=pool.includes_faculty,
        member_keys=list(pool.members),
        weekdays=sorted(pool.weekdays),
        covers_holidays=pool.covers_holidays,
        shift_start=pool.shift_start,
        shift_end=pool.shift_end,
        post_call_codes=list(pool.post_call_codes),
        per_night=pool.per_night,
        backup_keys=list(pool.backup_members),
    )
