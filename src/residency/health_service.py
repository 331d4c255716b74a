"""Resilience in the running product: health checks over the published schedule, persisted with
their level changes, alerts to coordinators, and certification/credential expiry reminders."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from residency.config import Settings
from residency.notify import coordinators, notify, users_of_person
from residency.resilience.health import HealthOptions, run_health_check
from residency.store import models as m
from residency.views import current

REMINDER_DAYS = (180, 90, 30, 14, 7)
QUICK = HealthOptions(n2=False, scenarios=False)


def latest(db: Session, program_id: int) -> m.HealthReportRow | None:
    return db.scalars(
        select(m.HealthReportRow)
        .where(m.HealthReportRow.program_id == program_id)
        .order_by(m.HealthReportRow.id.desc())
    ).first()


def run_check(
    db: Session,
    settings: Settings,
    program_id: int,
    *,
    as_of: date | None = None,
    kind: str = "full",
    options: HealthOptions | None = None,
) -> m.HealthReportRow:
    """Run every analysis on the published schedule, store the report, and record and announce a
    defense level change or a failed N-1 (flush only; the caller commits)."""
    cur = current(db, program_id, drafts_allowed=False)
    schedule = cur.schedule
    if as_of is None:
        today = date.today()
        as_of = today if schedule.start <= today <= schedule.end else schedule.start
    previous = latest(db, program_id)
    started = time.perf_counter()
    report = run_health_check(
        cur.program,
        schedule,
        as_of=as_of,
        published=schedule,
        previous=previous.report if previous else None,
        options=options or (QUICK if kind == "quick" else HealthOptions()),
    )
    seconds = time.perf_counter() - started
    body = report.to_dict()
    row = m.HealthReportRow(
        program_id=program_id,
        kind=kind,
        schedule_id=cur.row.id,
        as_of=as_of,
        level=report.defense.level.label,
        level_number=int(report.defense.level),
        seconds=round(seconds, 3),
        report=body,
    )
    db.add(row)
    db.flush()
    recipients = coordinators(db, program_id)
    change = report.defense.change
    if change is not None and (previous is None or previous.level != row.level):
        db.add(
            m.DefenseEvent(
                program_id=program_id,
                health_report_id=row.id,
                previous=previous.level if previous else None,
                level=row.level,
                reasons=list(change.reasons),
                actions=[a.to_dict() for a in report.defense.actions],
            )
        )
        notify(
            db,
            settings,
            program_id,
            recipients,
            kind="defense_level",
            title=f"Defense level {'raised' if change.escalation else 'lowered'} to {row.level}",
            body="\n".join(change.reasons),
            data={"health_report_id": row.id, "level": row.level},
        )
    fatal = sorted(report.contingency.fatal_people)
    before = sorted((previous.report.get("contingency", {}) or {}).get("fatal_people", [])) if previous else []
    if fatal and fatal != before:
        notify(
            db,
            settings,
            program_id,
            recipients,
            kind="n1_failed",
            title=f"N-1: losing {', '.join(fatal[:5])} would leave duties uncovered",
            body="Coverage cannot be kept if any one of these people is absent; see the resilience report.",
            data={"health_report_id": row.id, "fatal": fatal},
        )
    db.flush()
    return row


def send_reminders(db: Session, settings: Settings, program_id: int, today: date | None = None) -> int:
    """Expiry reminders at 180/90/30/14/7 days, each once per item and threshold (flush only)."""
    today = today or date.today()
    sent = 0
    names = {p.id: p for p in db.scalars(select(m.Person).where(m.Person.program_id == program_id))}
    cert_names = {
        c.id: c.name
        for c in db.scalars(select(m.CertificationType).where(m.CertificationType.program_id == program_id))
    }
    proc_names = {p.id: p.name for p in db.scalars(select(m.Procedure).where(m.Procedure.program_id == program_id))}
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    items: list[tuple[str, int, int, date, str]] = []
    for c in db.scalars(
        select(m.PersonCertification).where(
            m.PersonCertification.program_id == program_id,
            m.PersonCertification.expires <= horizon,
            m.PersonCertification.expires >= today,
        )
    ):
        if _renewed(db, c):
            continue
        items.append(("certification", c.id, c.person_id, c.expires, cert_names.get(c.certification_type_id, "")))
    for c in db.scalars(
        select(m.ProcedureCredential).where(
            m.ProcedureCredential.program_id == program_id,
            m.ProcedureCredential.status == "active",
            m.ProcedureCredential.expires.is_not(None),
            m.ProcedureCredential.expires <= horizon,
            m.ProcedureCredential.expires >= today,
        )
    ):
        items.append(("credential", c.id, c.person_id, c.expires, proc_names.get(c.procedure_id, "")))
    done = {
        (r.subject, r.subject_id, r.days_before)
        for r in db.scalars(select(m.ReminderSent).where(m.ReminderSent.program_id == program_id))
    }
    for subject, subject_id, person_id, expires, what in items:
        left = (expires - today).days
        due = [d for d in REMINDER_DAYS if left <= d and (subject, subject_id, d) not in done]
        if not due:
            continue
        threshold = min(due)  # one message now, for the nearest threshold reached
        for d in due:
            db.add(m.ReminderSent(program_id=program_id, subject=subject, subject_id=subject_id, days_before=d))
        person = names.get(person_id)
        who = person.name if person else f"person {person_id}"
        users = users_of_person(db, person_id) + coordinators(db, program_id)
        notify(
            db,
            settings,
            program_id,
            users,
            kind=f"{subject}_expiry",
            title=f"{what} {subject} of {who} expires {expires.isoformat()} ({left} days)",
            body=f"Renew before {expires.isoformat()}.",
            data={"subject": subject, "id": subject_id, "days_before": threshold, "expires": expires.isoformat()},
        )
        sent += 1
    db.flush()
    return sent


def _renewed(db: Session, cert: m.PersonCertification) -> bool:
    """A later certificate of the same type supersedes this one (renewals keep history)."""
    return (
        db.scalars(
            select(m.PersonCertification.id).where(
                m.PersonCertification.person_id == cert.person_id,
                m.PersonCertification.certification_type_id == cert.certification_type_id,
                m.PersonCertification.expires > cert.expires,
            )
        ).first()
        is not None
    )


def section(row: m.HealthReportRow, name: str) -> Any:
    return row.report.get(name)
