"""In-app notifications, and e-mail over SMTP when it is configured. Addresses come from users; the
log records only ids and kinds."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from residency.config import Settings
from residency.store import models as m
from residency.store.enums import Role

log = structlog.get_logger("residency.notify")


def coordinators(db: Session, program_id: int) -> list[m.User]:
    return list(
        db.scalars(
            select(m.User)
            .where(
                m.User.is_active.is_(True),
                ((m.User.program_id == program_id) & (m.User.role == Role.COORDINATOR.value))
                | (
                    (m.User.role == Role.ADMIN.value)
                    & ((m.User.program_id == program_id) | m.User.program_id.is_(None))
                ),
            )
            .order_by(m.User.id)
        )
    )


def users_of_person(db: Session, person_id: int) -> list[m.User]:
    return list(db.scalars(select(m.User).where(m.User.person_id == person_id, m.User.is_active.is_(True))))


def notify(
    db: Session,
    settings: Settings,
    program_id: int,
    users: Iterable[m.User],
    *,
    kind: str,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
) -> list[m.Notification]:
    """Store one notification per user (flush only) and e-mail it when SMTP is set up."""
    made = []
    for user in {u.id: u for u in users}.values():
        note = m.Notification(
            program_id=program_id, user_id=user.id, kind=kind, title=title[:200], body=body, data=data or {}
        )
        db.add(note)
        made.append((note, user))
    db.flush()
    if settings.smtp_host:
        for note, user in made:
            if user.email and _send(settings, user.email, title, body):
                note.emailed_at = datetime.now(UTC)
    log.info("notified", kind=kind, program_id=program_id, count=len(made))
    return [n for n, _ in made]


def _send(settings: Settings, to: str, subject: str, body: str) -> bool:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_from, to, subject
    message.set_content(body or subject)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException) as exc:  # a mail outage must not fail the health check
        log.warning("email_failed", error_type=type(exc).__name__)
        return False
