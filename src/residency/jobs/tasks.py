"""Background tasks. Each takes ids only and reads everything else from the database."""

from __future__ import annotations

import structlog

from residency.config import get_settings
from residency.jobs.celery_app import celery_app

log = structlog.get_logger("residency.jobs")


@celery_app.task(name="residency.generate")
def generate(run_id: int) -> str:
    from residency.runs import execute_run

    run = execute_run(get_settings().database_url, run_id)
    log.info("run_finished", run_id=run_id, status=run.status)
    return run.status


def _programs() -> list[int]:
    from sqlalchemy import select

    from residency.store.db import session_scope
    from residency.store.models import Program

    with session_scope(get_settings().database_url) as db:
        return list(db.scalars(select(Program.id).order_by(Program.id)))


@celery_app.task(name="residency.health_check")
def health_check(program_id: int | None = None, kind: str = "quick") -> list[int]:
    """A health check of one program (or of every program); quick ones skip N-2 and the scenarios."""
    from residency.health_service import run_check
    from residency.store.db import session_scope
    from residency.views import ViewError

    settings = get_settings()
    done = []
    for pid in [program_id] if program_id else _programs():
        try:
            with session_scope(settings.database_url) as db:
                done.append(run_check(db, settings, pid, kind=kind).id)
        except ViewError as exc:  # nothing published yet: nothing to check
            log.info("health_check_skipped", program_id=pid, reason=exc.code)
    return done


@celery_app.task(name="residency.reminders")
def reminders() -> int:
    from residency.health_service import send_reminders
    from residency.store.db import session_scope

    settings = get_settings()
    sent = 0
    for pid in _programs():
        with session_scope(settings.database_url) as db:
            sent += send_reminders(db, settings, pid)
    return sent
