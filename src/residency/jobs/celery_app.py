"""The Celery application: Redis is the broker; results and progress live in the database."""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab

from residency.config import get_settings


def make_celery() -> Celery:
    settings = get_settings()
    app = Celery("residency", broker=settings.redis_url, include=["residency.jobs.tasks"])
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,  # a worker that dies mid-run leaves the message for another
        worker_prefetch_multiplier=1,  # solver runs are long: take one at a time
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        beat_schedule={
            "health-quick": {
                "task": "residency.health_check",
                "schedule": 60.0 * settings.health_check_minutes,
                "kwargs": {"kind": "quick"},
            },
            "health-full-daily": {
                "task": "residency.health_check",
                "schedule": crontab(hour=5, minute=0),
                "kwargs": {"kind": "full"},
            },
            "expiry-reminders": {"task": "residency.reminders", "schedule": crontab(hour=6, minute=0)},
        },
    )
    return app


celery_app = make_celery()
