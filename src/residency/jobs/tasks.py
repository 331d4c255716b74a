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
